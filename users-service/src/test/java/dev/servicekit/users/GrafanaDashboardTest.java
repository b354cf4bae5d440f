package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/users-service.json imports into Grafana: valid JSON, a {@code DS_PROMETHEUS} datasource input
 * every panel uses, an {@code instance} variable every query filters on, and a query on every panel. That the
 * queries read real metric names is {@link MonitoredMetricNamesTest}'s job.
 */
class GrafanaDashboardTest {

    @Test
    void theDashboardIsValidJsonWithADatasourceInputAndAnInstanceVariable() throws IOException {
        JsonNode dashboard = MonitoringFiles.json(MonitoringFiles.dashboard());

        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        assertThat(dashboard.path("__inputs").findValuesAsText("name")).contains("DS_PROMETHEUS");
        List<String> variables = dashboard.path("templating").path("list").findValuesAsText("name");
        assertThat(variables).contains("instance");
    }

    @Test
    void everyPanelHasAPrometheusQueryFilteredByInstance() throws IOException {
        List<String> titles = new ArrayList<>();
        for (JsonNode panel : MonitoringFiles.dashboardPanels()) {
            String title = panel.path("title").asText();
            titles.add(title);
            assertThat(panel.path("datasource").path("uid").asText())
                    .as("%s datasource", title)
                    .isEqualTo("${DS_PROMETHEUS}");
            assertThat(panel.path("targets")).as("%s targets", title).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("expr").asText())
                        .as("%s expr", title)
                        .isNotBlank()
                        .contains("instance=~\"$instance\"");
            }
        }
        assertThat(titles)
                .doesNotHaveDuplicates()
                .contains(
                        "Request rate by route",
                        "5xx ratio",
                        "Latency p50 / p99 by route",
                        "In-flight requests",
                        "Rejected requests by reason",
                        "Store pool connections",
                        "Store pool usage ratio",
                        "Reloads",
                        "Service state",
                        "Heap",
                        "GC",
                        "Threads",
                        "CPU",
                        "Open files",
                        "Uptime");
    }
}
