package dev.servicekit.core;

import java.util.Set;

/**
 * The application's service, then a watch on the shared configuration source that reloads the host on every
 * change. The watch is registered last so that it stops first: no reload starts while the service shuts down. A
 * start that fails closes the source. Takes part in reloads exactly as the application's service does.
 */
final class SharedSourceWatch implements ReloadableService {

    private final Service service;
    private final SharedConfigSource source;

    SharedSourceWatch(Service service, SharedConfigSource source) {
        this.service = service;
        this.source = source;
    }

    @Override
    public void start(StartContext context) throws Exception {
        try {
            service.start(context);
        } catch (Exception | Error e) {
            source.close();
            throw e;
        }
        source.watch(() -> context.host().reload());
        context.onStop(source.describe() + " watch", source::close);
    }

    @Override
    public ReloadPlan prepare(Config next, Set<String> changedKeys) {
        return service instanceof ReloadStep step ? step.prepare(next, changedKeys) : ReloadPlan.none();
    }
}
