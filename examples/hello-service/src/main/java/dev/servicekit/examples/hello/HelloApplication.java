package dev.servicekit.examples.hello;

import dev.servicekit.http.HttpApplication;
import dev.servicekit.http.HttpServiceContext;
import dev.servicekit.http.HttpServiceHost;
import dev.servicekit.http.JsonBodies;
import dev.servicekit.http.Route;
import io.helidon.http.Status;
import java.util.Map;

/** The README's "your own service in ten lines": {@code GET /hello}, and everything else from the toolkit. */
public final class HelloApplication implements HttpApplication {
    // spotless:off
    public String name() { return "hello-service"; }
    public String version() { return "1.0"; }
    public void start(HttpServiceContext context) {
        context.routes(Route.get("/hello", (req, res) -> JsonBodies.send(res, Status.OK_200, Map.of("hello", "world"))));
    }
    public static void main(String[] args) { HttpServiceHost.main(new HelloApplication(), args); }
    // spotless:on
}
