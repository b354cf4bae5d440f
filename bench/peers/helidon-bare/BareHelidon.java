import io.helidon.webserver.WebServer;

/**
 * The floor of the web server the toolkit is built on: a Helidon SE WebServer on 127.0.0.1 with one route that
 * answers "ok", nothing else (no configuration, logging, metrics, store or auth). bench/floor.sh compiles it
 * against the users-service jar (which holds Helidon) and times its start beside users-service's.
 *
 * <p>Usage: {@code java -cp users-service.jar:bare.jar BareHelidon PORT [STOP_AFTER_MS]}; with STOP_AFTER_MS it stops
 * the server and exits normally after that long (how its AOT cache's training run ends).
 */
public final class BareHelidon {
    public static void main(String[] args) throws InterruptedException {
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(Integer.parseInt(args[0]))
                .routing(routing -> routing.get("/", (req, res) -> res.send("ok")))
                .build()
                .start();
        if (args.length > 1) {
            Thread.sleep(Long.parseLong(args[1]));
            server.stop();
            System.exit(0);
        }
    }
}
