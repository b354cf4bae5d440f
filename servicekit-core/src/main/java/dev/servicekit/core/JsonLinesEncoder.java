package dev.servicekit.core;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;

/**
 * Writes each log event as one JSON object per line: {@code ts}, {@code level}, {@code instance} (when the process
 * runs as one of several instances), {@code logger},
 * {@code thread}, {@code msg}, {@code requestId} (when in MDC), other MDC entries, and for errors
 * {@code exception}, {@code exceptionMessage} and {@code stack}. JSON is written with Jackson.
 */
final class JsonLinesEncoder extends LineEncoder {

    private static final JsonFactory JSON = new JsonFactory();

    private final Optional<String> instance;

    JsonLinesEncoder() {
        this(Optional.empty());
    }

    /** @param instance the process's instance, written as {@code "instance"} in every line */
    JsonLinesEncoder(Optional<String> instance) {
        this.instance = instance;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField(
                    "ts", DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(event.getTimeStamp())));
            json.writeStringField("level", event.getLevel().toString());
            if (instance.isPresent()) {
                json.writeStringField("instance", instance.get());
            }
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("msg", event.getFormattedMessage());
            Map<String, String> mdc = event.getMDCPropertyMap();
            String requestId = mdc.get("requestId");
            if (requestId != null) {
                json.writeStringField("requestId", requestId);
            }
            for (Map.Entry<String, String> entry : mdc.entrySet()) {
                if (!entry.getKey().equals("requestId")) {
                    json.writeStringField(entry.getKey(), entry.getValue());
                }
            }
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                json.writeStringField("exception", thrown.getClassName());
                json.writeStringField("exceptionMessage", thrown.getMessage());
                json.writeStringField("stack", ThrowableProxyUtil.asString(thrown));
                StackTraceElementProxy[] frames = thrown.getStackTraceElementProxyArray();
                if (frames != null && frames.length > 0) {
                    json.writeStringField("at", frames[0].getSTEAsString());
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
