package dev.servicekit.core;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's first configuration when no {@code logback.xml} exists: WARN and above to stderr, so
 * libraries stay quiet until the host applies the service's own log settings. (Logback's built-in
 * fallback would print DEBUG from every library.) A {@code logback.xml} or {@code logback-test.xml} on the
 * class path still wins: this configurator then steps aside.
 */
@ch.qos.logback.classic.spi.ConfiguratorRank(ch.qos.logback.classic.spi.ConfiguratorRank.NOMINAL)
public final class BootstrapLogbackConfigurator extends ContextAwareBase implements Configurator {

    /** Called by Logback through ServiceLoader. */
    public BootstrapLogbackConfigurator() {}

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LoggingConfigurator.markStarted();
        ClassLoader loader = Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader()
                : BootstrapLogbackConfigurator.class.getClassLoader();
        if (loader.getResource("logback-test.xml") != null || loader.getResource("logback.xml") != null) {
            return ExecutionStatus.NEUTRAL; // an explicit configuration file wins; Logback's file configurator reads it
        }
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(ch.qos.logback.classic.Level.WARN);
        ch.qos.logback.core.ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent> console =
                new ch.qos.logback.core.ConsoleAppender<>();
        console.setContext(context);
        console.setTarget("System.err");
        TextLineEncoder encoder = new TextLineEncoder(true); // LoggingConfigurator.TEXT_PATTERN
        encoder.setContext(context);
        encoder.start();
        console.setEncoder(encoder);
        console.start();
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
