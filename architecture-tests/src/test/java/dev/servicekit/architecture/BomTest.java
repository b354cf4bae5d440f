package dev.servicekit.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * servicekit-bom, the one list of the toolkit's published modules that a project outside this repository imports or
 * inherits (through servicekit-application-parent): it names every module of the reactor that is a toolkit jar and
 * nothing else, at this build's version, and takes nothing from a parent.
 */
class BomTest {

    static final Path ROOT = Path.of("..");

    @Test
    void theBomManagesExactlyTheToolkitModulesOfTheReactor() throws Exception {
        TreeSet<String> toolkitJars = new TreeSet<>();
        for (String module : children(read(ROOT.resolve("pom.xml")).getDocumentElement(), "modules", "module")) {
            Element pom = read(ROOT.resolve(module).resolve("pom.xml")).getDocumentElement();
            String artifactId = text(pom, "artifactId").orElseThrow();
            String packaging = text(pom, "packaging").orElse("jar");
            if (artifactId.startsWith("servicekit-") && packaging.equals("jar")) {
                toolkitJars.add(artifactId);
            }
        }
        assertThat(toolkitJars).as("the reactor's toolkit modules").contains("servicekit-core", "servicekit-http");

        Element bom = bom();
        TreeSet<String> managed = new TreeSet<>();
        Element management = child(bom, "dependencyManagement").orElseThrow();
        for (Element dependency : elements(child(management, "dependencies").orElseThrow(), "dependency")) {
            assertThat(text(dependency, "groupId"))
                    .as("a dependency of the BOM")
                    .contains("dev.servicekit");
            assertThat(text(dependency, "version"))
                    .as(
                            "the version of %s in the BOM",
                            text(dependency, "artifactId").orElseThrow())
                    .contains("${servicekit.version}");
            managed.add(text(dependency, "artifactId").orElseThrow());
        }
        assertThat(managed)
                .as("servicekit-bom/pom.xml's dependencyManagement: add a new servicekit-* module there")
                .isEqualTo(toolkitJars);
    }

    @Test
    void theBomsVersionPropertyIsItsOwnVersionAndTheReactors() throws Exception {
        Element bom = bom();
        String version = text(bom, "version").orElseThrow();
        assertThat(text(child(bom, "properties").orElseThrow(), "servicekit.version"))
                .as("servicekit-bom's servicekit.version, what a service's pom gets the modules at")
                .contains(version);
        Element root = read(ROOT.resolve("pom.xml")).getDocumentElement();
        assertThat(text(child(root, "parent").orElseThrow(), "version"))
                .as("pom.xml's parent, servicekit-bom")
                .contains(version);
    }

    @Test
    void theBomHasNoParentAndNoDependenciesOrPluginsOfItsOwn() throws Exception {
        Element bom = bom();
        assertThat(child(bom, "parent")).as("servicekit-bom's parent").isEmpty();
        assertThat(child(bom, "dependencies"))
                .as("servicekit-bom's dependencies")
                .isEmpty();
        assertThat(child(bom, "build").flatMap(build -> child(build, "plugins")))
                .as("servicekit-bom's build plugins (pluginManagement only: versions)")
                .isEmpty();
    }

    static Element bom() throws Exception {
        return read(ROOT.resolve("servicekit-bom").resolve("pom.xml")).getDocumentElement();
    }

    static Document read(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(pom.toFile());
    }

    static List<String> children(Element parent, String list, String item) {
        return child(parent, list).stream()
                .flatMap(element -> elements(element, item).stream())
                .map(Element::getTextContent)
                .map(String::trim)
                .toList();
    }

    static Optional<String> text(Element parent, String name) {
        return child(parent, name).map(Element::getTextContent).map(String::trim);
    }

    static Optional<Element> child(Element parent, String name) {
        return elements(parent, name).stream().findFirst();
    }

    /** The direct children named {@code name}; not getElementsByTagName, which also finds grandchildren. */
    static List<Element> elements(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }
}
