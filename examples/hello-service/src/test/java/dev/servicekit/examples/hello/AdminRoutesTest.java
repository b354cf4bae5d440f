package dev.servicekit.examples.hello;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.http.HttpApplication;
import dev.servicekit.http.HttpServiceContext;
import dev.servicekit.http.HttpServiceHost;
import dev.servicekit.http.JsonBodies;
import dev.servicekit.http.Route;
import dev.servicekit.testing.TestHttpClient;
import io.helidon.http.Status;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An application's own admin routes ({@link HttpServiceContext#adminRoutes}): on the management listener only. */
class AdminRoutesTest {

    @TempDir
    Path dir;

    private static HttpApplication withAdminRoute(String path) {
        return new HttpApplication() {
            @Override
            public String name() {
                return "admin-routes-test";
            }

            @Override
            public String version() {
                return "1";
            }

            @Override
            public void start(HttpServiceContext context) {
                context.adminRoutes(List.of(
                        Route.post(path, (req, res) -> JsonBodies.send(res, Status.OK_200, Map.of("ok", true)))));
            }
        };
    }

    private ServiceHost start(HttpApplication app) {
        return ServiceCli.builder(HttpServiceHost.application(app))
                .environment(Map.of())
                .build()
                .start("http.port=0", "management.port=0", "data-dir=" + dir, "auth.enabled=false");
    }

    @Test
    void anAdminRouteIsServedOnTheManagementListenerAndNotOnTheApi() {
        ServiceHost host = start(withAdminRoute("/admin/echo"));
        try {
            TestHttpClient management =
                    TestHttpClient.create(host.endpoints().get("management").toString());
            TestHttpClient api =
                    TestHttpClient.create(host.endpoints().get("api").toString());
            assertThat(management.post("/admin/echo", "{}").status()).isEqualTo(200);
            assertThat(api.post("/admin/echo", "{}").status()).isEqualTo(404);
        } finally {
            host.stop();
        }
    }

    @Test
    void aPathOutsideAdminIsRefusedAtStart() {
        assertThatThrownBy(() -> start(withAdminRoute("/echo")))
                .hasStackTraceContaining("Admin route \"/echo\" must start with /admin/");
    }
}
