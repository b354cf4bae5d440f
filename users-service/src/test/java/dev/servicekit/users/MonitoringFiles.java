package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The monitoring files under {@code deploy/} and the tools that check them, for the tests. */
final class MonitoringFiles {

    private static final Set<String> PROMQL_KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "bool",
            "offset",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "Inf",
            "NaN",
            "inf",
            "nan");

    private MonitoringFiles() {}

    /** The repository root: the first directory upwards from the working directory that holds {@code deploy/}. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("deploy/prometheus"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "No deploy/prometheus directory above " + Path.of("").toAbsolutePath());
    }

    static Path alertRules() {
        return repositoryRoot().resolve("deploy/prometheus/alerts.yml");
    }

    static Path dashboard() {
        return repositoryRoot().resolve("deploy/grafana/users-service.json");
    }

    static JsonNode yaml(Path file) throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    }

    static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    /** Every alert rule's {@code expr}. */
    static List<JsonNode> alertRuleNodes() throws IOException {
        List<JsonNode> rules = new ArrayList<>();
        for (JsonNode group : yaml(alertRules()).path("groups")) {
            group.path("rules").forEach(rules::add);
        }
        return rules;
    }

    /** Every panel of the dashboard, rows' nested panels included. */
    static List<JsonNode> dashboardPanels() throws IOException {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : json(dashboard()).path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                panel.path("panels").forEach(panels::add); // collapsed rows hold their panels
            } else {
                panels.add(panel);
            }
        }
        return panels;
    }

    /** Every PromQL expression of the alerts and the dashboard. */
    static List<String> expressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        alertRuleNodes().forEach(rule -> exprs.add(rule.path("expr").asText()));
        for (JsonNode panel : dashboardPanels()) {
            panel.path("targets")
                    .forEach(target -> exprs.add(target.path("expr").asText()));
        }
        for (JsonNode variable : json(dashboard()).path("templating").path("list")) {
            String query = variable.path("query").isTextual()
                    ? variable.path("query").asText()
                    : variable.path("query").path("query").asText();
            Matcher labelValues =
                    Pattern.compile("label_values\\((.*),\\s*\\w+\\)").matcher(query);
            if (labelValues.matches()) {
                exprs.add(labelValues.group(1));
            }
        }
        return exprs;
    }

    /**
     * The metric names a PromQL expression reads: identifiers left once strings, label matchers, range and
     * grouping lists and Grafana variables are removed, minus function names (followed by "(") and keywords.
     * Deliberately simple: the dashboards and rules here avoid the syntax it does not know (1e3, @ modifiers).
     */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\$\\{?\\w+}?", " ");
        Set<String> names = new TreeSet<>();
        Matcher token = Pattern.compile("(?<![\\w.])[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(s);
        while (token.find()) {
            String rest = s.substring(token.end()).stripLeading();
            if (!rest.startsWith("(") && !PROMQL_KEYWORDS.contains(token.group())) {
                names.add(token.group());
            }
        }
        return names;
    }

    /**
     * promtool from PATH. Missing: the test is skipped on a developer machine, but fails under CI ({@code CI=true}),
     * where .ci/run installs it (Debian package {@code prometheus}).
     */
    static Path promtool() {
        Optional<Path> promtool = Stream.of(
                        System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(dir -> Path.of(dir, "promtool"))
                .filter(Files::isExecutable)
                .findFirst();
        if (promtool.isEmpty() && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(
                    "promtool is not on PATH under CI; .ci/run installs it (apt-get install prometheus)");
        }
        assumeTrue(promtool.isPresent(), "promtool is not installed (Debian package \"prometheus\"); skipping");
        return promtool.orElseThrow();
    }

    /** Runs promtool in {@code dir} and returns its exit code and output. */
    static PromtoolResult promtool(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(promtool().toString());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS))
                    .as("promtool %s finished", command)
                    .isTrue();
            return new PromtoolResult(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record PromtoolResult(int exitCode, String output) {}
}
