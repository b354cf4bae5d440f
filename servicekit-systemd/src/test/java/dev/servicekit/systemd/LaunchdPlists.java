package dev.servicekit.systemd;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Reads property lists with the JDK's XML parser (the external DTD is not loaded: no network in tests) and checks
 * the structure launchd.plist(5) and the PLIST 1.0 DTD require: one {@code <plist version="1.0">} around one value,
 * dicts of alternating {@code <key>} and value, arrays of values, only the DTD's element names.
 */
final class LaunchdPlists {

    private static final Set<String> VALUES =
            Set.of("dict", "array", "string", "integer", "real", "true", "false", "date", "data");

    private LaunchdPlists() {}

    static Document parse(Path file) throws Exception {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setExpandEntityReferences(false);
        factory.setIgnoringComments(true);
        DocumentBuilder builder = factory.newDocumentBuilder();
        return builder.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    /** The top-level dict as key → value element. */
    static Map<String, Node> topLevel(Document document) {
        return dict(elements(document.getDocumentElement()).get(0));
    }

    /** A dict as key → value element, in order. */
    static Map<String, Node> dict(Element dict) {
        Map<String, Node> entries = new LinkedHashMap<>();
        List<Element> children = elements(dict);
        for (int i = 0; i + 1 < children.size(); i += 2) {
            entries.put(children.get(i).getTextContent(), children.get(i + 1));
        }
        return entries;
    }

    /** Every structural problem in the document; empty when it is a well-formed plist. */
    static List<String> problems(Document document) {
        List<String> problems = new ArrayList<>();
        Element plist = document.getDocumentElement();
        if (!plist.getTagName().equals("plist")
                || !plist.getAttribute("version").equals("1.0")) {
            problems.add("root element is <" + plist.getTagName() + " version=\"" + plist.getAttribute("version")
                    + "\">, not <plist version=\"1.0\">");
        }
        if (document.getDoctype() == null
                || !"-//Apple//DTD PLIST 1.0//EN".equals(document.getDoctype().getPublicId())) {
            problems.add("missing the Apple PLIST 1.0 DOCTYPE");
        }
        List<Element> top = elements(plist);
        if (top.size() != 1) {
            problems.add("<plist> holds " + top.size() + " values, not 1");
        }
        top.forEach(e -> value(e, "/plist", problems));
        return problems;
    }

    private static void value(Element e, String path, List<String> problems) {
        String name = e.getTagName();
        if (!VALUES.contains(name)) {
            problems.add(path + ": <" + name + "> is not a plist value");
            return;
        }
        switch (name) {
            case "dict" -> {
                List<Element> children = elements(e);
                if (children.size() % 2 != 0) {
                    problems.add(path + ": dict has an odd number of children");
                }
                for (int i = 0; i < children.size(); i += 2) {
                    Element key = children.get(i);
                    if (!key.getTagName().equals("key")) {
                        problems.add(path + ": expected <key> at position " + i + ", found <" + key.getTagName() + ">");
                        continue;
                    }
                    if (!elements(key).isEmpty()) {
                        problems.add(path + ": <key> must hold text only");
                    }
                    if (i + 1 < children.size()) {
                        Element v = children.get(i + 1);
                        if (v.getTagName().equals("key")) {
                            problems.add(path + ": key \"" + key.getTextContent()
                                    + "\" is followed by another <key>, not a value");
                        } else {
                            value(v, path + "/" + key.getTextContent(), problems);
                        }
                    }
                }
            }
            case "array" -> {
                List<Element> children = elements(e);
                for (int i = 0; i < children.size(); i++) {
                    value(children.get(i), path + "[" + i + "]", problems);
                }
            }
            case "true", "false" -> {
                if (e.hasChildNodes()) {
                    problems.add(path + ": <" + name + "/> must be empty");
                }
            }
            case "integer" -> {
                if (!e.getTextContent().matches("-?\\d+")) {
                    problems.add(path + ": <integer> holds \"" + e.getTextContent() + "\"");
                }
            }
            default -> {
                if (!elements(e).isEmpty()) {
                    problems.add(path + ": <" + name + "> must hold text only");
                }
            }
        }
    }

    /** The element children, skipping whitespace and comments. */
    static List<Element> elements(Node parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element element) {
                out.add(element);
            }
        }
        return out;
    }

    /** The strings of an array. */
    static List<String> strings(Node array) {
        return elements(array).stream().map(Node::getTextContent).toList();
    }
}
