package dev.servicekit.http;

import io.helidon.webserver.http.ServerRequest;

/**
 * What the routing knows about one request: the settings snapshot it was pinned to, its id, the route
 * template that matched and the authenticated subject. Registered once in the request's context by the first
 * filter; every later step reads and fills this one object instead of registering and looking up one context
 * entry each (Helidon's context takes a lock per entry, and a missing entry is looked up in every parent).
 * A request is handled on one thread, so the fields need no synchronisation; they are volatile for handlers
 * that pass the request to another thread.
 */
final class RequestState {

    private final ApiSettings settings;
    private final String requestId;
    private volatile String routeTemplate = HttpMetrics.URI_UNMATCHED;
    private volatile String subject = "-";

    private RequestState(ApiSettings settings, String requestId) {
        this.settings = settings;
        this.requestId = requestId;
    }

    /** Creates the request's state and registers it in the request's context. */
    static RequestState attach(ServerRequest req, ApiSettings settings, String requestId) {
        RequestState state = new RequestState(settings, requestId);
        req.context().register(RequestState.class, state);
        return state;
    }

    /** The request's state, or null for a request that did not pass the first filter. */
    static RequestState find(ServerRequest req) {
        return req.context().get(RequestState.class, RequestState.class).orElse(null);
    }

    ApiSettings settings() {
        return settings;
    }

    String requestId() {
        return requestId;
    }

    /** The matched route's template, or one of the {@code HttpMetrics.URI_*} values. */
    String routeTemplate() {
        return routeTemplate;
    }

    void routeTemplate(String template) {
        this.routeTemplate = template;
    }

    /** The authenticated caller's subject, or {@code -}. */
    String subject() {
        return subject;
    }

    void subject(String subject) {
        this.subject = subject;
    }
}
