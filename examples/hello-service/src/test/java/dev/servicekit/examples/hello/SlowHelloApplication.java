package dev.servicekit.examples.hello;

import dev.servicekit.http.HttpApplication;
import dev.servicekit.http.HttpServiceContext;
import dev.servicekit.http.HttpServiceHost;
import dev.servicekit.http.JsonBodies;
import dev.servicekit.http.Route;
import io.helidon.http.Status;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The example with one slow route added ({@code GET /slow} answers after 1.5 s), so a test can hold a request in
 * flight while the service stops. Everything else is {@link HelloApplication}'s, and the toolkit's.
 */
public final class SlowHelloApplication implements HttpApplication {

    private final HelloApplication hello = new HelloApplication();

    @Override
    public String name() {
        return hello.name();
    }

    @Override
    public String version() {
        return hello.version();
    }

    @Override
    public void start(HttpServiceContext context) {
        hello.start(context);
        context.routes(Route.get("/slow", (req, res) -> {
            LoggerFactory.getLogger(SlowHelloApplication.class).info("slow request started");
            try {
                Thread.sleep(1500); // the slow handler a drain must wait for: behaviour under test, not a wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            JsonBodies.send(res, Status.OK_200, Map.of("slow", "done"));
        }));
    }

    /** Runs the command line, as {@link HelloApplication#main} does. */
    public static void main(String[] args) {
        HttpServiceHost.main(new SlowHelloApplication(), args);
    }
}
