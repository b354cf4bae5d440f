package com.example.notes;

import dev.servicekit.http.HttpApplication;
import dev.servicekit.http.HttpServiceContext;
import dev.servicekit.http.HttpServiceHost;
import dev.servicekit.http.JsonBodies;
import dev.servicekit.http.Route;
import io.helidon.http.Status;
import java.util.Map;

/** A service outside the Servicekit repository: one route, and the toolkit's host. */
public final class NotesApplication implements HttpApplication {
    @Override
    public String name() {
        return "notes";
    }

    @Override
    public String version() {
        return "1.0";
    }

    @Override
    public void start(HttpServiceContext context) {
        context.routes(Route.get("/notes", (req, res) -> JsonBodies.send(res, Status.OK_200, Map.of("notes", 0))));
    }

    public static void main(String[] args) {
        HttpServiceHost.main(new NotesApplication(), args);
    }
}
