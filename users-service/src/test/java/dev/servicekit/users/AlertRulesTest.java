package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/prometheus: the rules parse ({@code promtool check rules}), behave as their unit tests say
 * ({@code promtool test rules alerts.test.yml}), the sample Prometheus configuration is valid, and every
 * alert carries what an on-call engineer needs: a severity, a summary, a description and a runbook anchor
 * that exists in docs/operations.md.
 */
class AlertRulesTest {

    /** The alerts issue #6 asks for; more may exist. */
    private static final Set<String> REQUIRED = Set.of(
            "InstanceDown",
            "HighErrorRatio",
            "HighLatencyP99",
            "DbConnectionPoolHighUsage",
            "ReloadFailures",
            "RestartLoop",
            "RequestsShed");

    private static final Path PROMETHEUS_DIR = MonitoringFiles.repositoryRoot().resolve("deploy/prometheus");

    @Test
    void promtoolAcceptsTheAlertRules() {
        MonitoringFiles.PromtoolResult result =
                MonitoringFiles.promtool(PROMETHEUS_DIR, "check", "rules", "alerts.yml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertFiresAndStaysQuietAsItsUnitTestsSay() throws IOException {
        MonitoringFiles.PromtoolResult result =
                MonitoringFiles.promtool(PROMETHEUS_DIR, "test", "rules", "alerts.test.yml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
        String tests = Files.readString(PROMETHEUS_DIR.resolve("alerts.test.yml"));
        for (JsonNode rule : MonitoringFiles.alertRuleNodes()) {
            assertThat(tests)
                    .as("alerts.test.yml tests %s", rule.path("alert").asText())
                    .contains("alertname: " + rule.path("alert").asText() + "\n");
        }
    }

    @Test
    void promtoolAcceptsTheSamplePrometheusConfiguration() {
        MonitoringFiles.PromtoolResult result =
                MonitoringFiles.promtool(PROMETHEUS_DIR, "check", "config", "prometheus.yml");

        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @Test
    void everyAlertHasASeverityAnnotationsAndARunbookSectionInTheOperationsGuide() throws IOException {
        String operations = Files.readString(MonitoringFiles.repositoryRoot().resolve("docs/operations.md"));
        List<String> names = new ArrayList<>();
        for (JsonNode rule : MonitoringFiles.alertRuleNodes()) {
            String name = rule.path("alert").asText();
            names.add(name);
            assertThat(rule.path("labels").path("severity").asText())
                    .as("%s severity", name)
                    .isIn("critical", "warning");
            assertThat(rule.path("annotations").path("summary").asText())
                    .as("%s summary", name)
                    .isNotBlank();
            assertThat(rule.path("annotations").path("description").asText())
                    .as("%s description", name)
                    .isNotBlank();
            // GitHub's anchor for "### InstanceDown" is "#instancedown".
            assertThat(rule.path("annotations").path("runbook_url").asText())
                    .as("%s runbook_url", name)
                    .isEqualTo("docs/operations.md#" + name.toLowerCase(Locale.ROOT));
            assertThat(operations)
                    .as("docs/operations.md has a section for %s", name)
                    .contains("\n### " + name + "\n");
        }
        assertThat(names).containsAll(REQUIRED).doesNotHaveDuplicates();
    }
}
