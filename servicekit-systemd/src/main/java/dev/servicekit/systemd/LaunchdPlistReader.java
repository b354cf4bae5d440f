package dev.servicekit.systemd;

import dev.servicekit.spi.InstalledLaunch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Reads back from a launchd property list what {@link LaunchdPlistRenderer} wrote of the launch: the words after
 * {@code run} in {@code ProgramArguments}, the {@code WorkingDirectory} and the {@code EnvironmentVariables}. Pure.
 * The JDK's XML parser reads it with no external DTD or entity loaded (the plist's {@code <!DOCTYPE>} names Apple's
 * DTD by URL).
 */
final class LaunchdPlistReader {

    private LaunchdPlistReader() {}

    /**
     * The launch in the plist; empty when it is not well-formed XML, has no {@code ProgramArguments} array of strings
     * with {@code -jar <jar> run}, or names a relative working directory.
     */
    static Optional<InstalledLaunch> launch(byte[] plist) {
        Element top;
        try {
            top = topLevelDict(plist);
        } catch (IOException | SAXException | ParserConfigurationException e) {
            return Optional.empty();
        }
        if (top == null) {
            return Optional.empty();
        }
        Optional<Element> program =
                value(top, "ProgramArguments").filter(e -> e.getTagName().equals("array"));
        if (program.isEmpty()) {
            return Optional.empty();
        }
        List<String> words = new ArrayList<>();
        for (Element word : elements(program.get())) {
            if (!word.getTagName().equals("string")) {
                return Optional.empty();
            }
            words.add(word.getTextContent());
        }
        int jar = words.indexOf("-jar");
        if (jar < 0 || words.size() < jar + 3 || !words.get(jar + 2).equals("run")) {
            return Optional.empty();
        }
        Optional<String> directory = value(top, "WorkingDirectory")
                .filter(e -> e.getTagName().equals("string"))
                .map(Node::getTextContent);
        if (directory.isPresent() && !directory.get().startsWith("/")) {
            return Optional.empty();
        }
        InstalledLaunch launch = new InstalledLaunch(words.subList(jar + 3, words.size()), directory.map(Path::of));
        return Optional.of(environment(top).map(launch::withEnvironment).orElse(launch));
    }

    /**
     * The plist's {@code EnvironmentVariables} dict: what launchd sets for the job over its own environment (which
     * {@code launchctl setenv} changes, and which is not read here). None, when the plist has none. Empty when it is
     * not a dict; a value that is not a string is left out and said to be unread (launchd takes only strings).
     */
    static Optional<InstalledLaunch.Environment> environment(Element top) {
        Optional<Element> dict = value(top, "EnvironmentVariables");
        if (dict.isPresent() && !dict.get().getTagName().equals("dict")) {
            return Optional.empty();
        }
        Map<String, String> variables = new LinkedHashMap<>();
        List<String> unread = new ArrayList<>();
        List<Element> children = dict.map(LaunchdPlistReader::elements).orElse(List.of());
        for (int i = 0; i + 1 < children.size(); i += 2) {
            Element key = children.get(i);
            Element value = children.get(i + 1);
            if (!key.getTagName().equals("key")) {
                return Optional.empty();
            }
            if (value.getTagName().equals("string")) {
                variables.put(key.getTextContent(), value.getTextContent());
            } else {
                unread.add("EnvironmentVariables " + key.getTextContent() + " is a <" + value.getTagName()
                        + ">, not a <string>");
            }
        }
        if (children.size() % 2 != 0) {
            return Optional.empty();
        }
        return Optional.of(new InstalledLaunch.Environment(variables, "the plist's EnvironmentVariables", unread));
    }

    private static Element topLevelDict(byte[] plist) throws IOException, SAXException, ParserConfigurationException {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
        factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        factory.setXIncludeAware(false);
        factory.setExpandEntityReferences(false);
        factory.setIgnoringComments(true);
        var builder = factory.newDocumentBuilder();
        builder.setEntityResolver((publicId, systemId) -> new InputSource(new StringReader(""))); // nothing fetched
        builder.setErrorHandler(
                new ErrorHandler() { // the default one prints to stderr; the caller hears "empty"
                    @Override
                    public void warning(SAXParseException e) {}

                    @Override
                    public void error(SAXParseException e) throws SAXException {
                        throw e;
                    }

                    @Override
                    public void fatalError(SAXParseException e) throws SAXException {
                        throw e;
                    }
                });
        Element root = builder.parse(new ByteArrayInputStream(plist)).getDocumentElement();
        if (!root.getTagName().equals("plist")) {
            return null;
        }
        List<Element> values = elements(root);
        return values.size() == 1 && values.get(0).getTagName().equals("dict") ? values.get(0) : null;
    }

    /** The value after {@code <key>name</key>} in a dict. */
    private static Optional<Element> value(Element dict, String key) {
        List<Element> children = elements(dict);
        for (int i = 0; i + 1 < children.size(); i += 2) {
            Element k = children.get(i);
            if (k.getTagName().equals("key") && k.getTextContent().equals(key)) {
                return Optional.of(children.get(i + 1));
            }
        }
        return Optional.empty();
    }

    private static List<Element> elements(Element parent) {
        List<Element> elements = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                elements.add(e);
            }
        }
        return elements;
    }
}
