package dev.servicekit.http;

import io.helidon.common.GenericType;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.mapper.MapperException;
import io.helidon.common.mapper.Value;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A response header that passed Helidon's check ({@link Header#validate()}) once, when it was made, and is not checked
 * again each time a response carries it. Helidon checks every response header as it writes it
 * ({@code Http1Config.validateResponseHeaders}), character by character; for the headers every response of
 * Servicekit carries (content type, {@code X-Content-Type-Options}, the request id) that was most of the check's cost
 * (docs/decisions.md, "Response headers checked once"). The header is immutable, so the one check holds for every
 * response. Everything else is the Helidon header it wraps ({@link HeaderValues#createCached}: its bytes are made
 * once too).
 */
final class ValidatedHeader implements Header {

    /** {@code X-Content-Type-Options: nosniff}, on every response. */
    static final Header X_CONTENT_TYPE_OPTIONS_NOSNIFF = of(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");

    private final Header header;

    private ValidatedHeader(Header header) {
        this.header = header;
    }

    /**
     * A header checked now, as Helidon would check it when writing it.
     *
     * @throws IllegalArgumentException with Helidon's message if the name or value may not be sent
     */
    static Header of(HeaderName name, String value) {
        Header header = HeaderValues.createCached(name, value);
        header.validate();
        return new ValidatedHeader(header);
    }

    /**
     * The request id header: {@code id} came from {@link RequestIds#acceptOrGenerate}, which returns only ids of
     * letters, digits and {@code ._:@/+=-}, every one of which Helidon's check lets through, so it is not checked
     * again (ValidatedHeaderTest holds the two to that).
     */
    static Header requestId(String id) {
        return new ValidatedHeader(HeaderValues.createCached(RequestIds.HEADER, id));
    }

    /** Checked when made ({@link #of}, {@link #requestId}). */
    @Override
    public void validate() {}

    @Override
    public String name() {
        return header.name();
    }

    @Override
    public HeaderName headerName() {
        return header.headerName();
    }

    @Override
    public String values() {
        return header.values();
    }

    @Override
    public List<String> allValues() {
        return header.allValues();
    }

    @Override
    public List<String> allValues(boolean split) {
        return header.allValues(split);
    }

    @Override
    public int valueCount() {
        return header.valueCount();
    }

    @Override
    public boolean sensitive() {
        return header.sensitive();
    }

    @Override
    public boolean changing() {
        return header.changing();
    }

    @Override
    public byte[] valueBytes() {
        return header.valueBytes();
    }

    @Override
    public void writeHttp1Header(BufferData buffer) {
        header.writeHttp1Header(buffer);
    }

    @Override
    public String get() {
        return header.get();
    }

    @Override
    public <N> N get(Class<N> type) throws MapperException {
        return header.get(type);
    }

    @Override
    public <N> N get(GenericType<N> type) throws MapperException {
        return header.get(type);
    }

    @Override
    public <N> Value<N> as(Class<N> type) throws MapperException {
        return header.as(type);
    }

    @Override
    public <N> Value<N> as(GenericType<N> type) throws MapperException {
        return header.as(type);
    }

    @Override
    public <N> Value<N> as(Function<? super String, ? extends N> mapper) {
        return header.as(mapper);
    }

    @Override
    public Optional<String> asOptional() throws MapperException {
        return header.asOptional();
    }

    @Override
    public Value<Boolean> asBoolean() {
        return header.asBoolean();
    }

    @Override
    public Value<String> asString() {
        return header.asString();
    }

    @Override
    public String getString() {
        return header.getString();
    }

    @Override
    public Value<Integer> asInt() {
        return header.asInt();
    }

    @Override
    public Value<Long> asLong() {
        return header.asLong();
    }

    @Override
    public Value<Double> asDouble() {
        return header.asDouble();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ValidatedHeader that && header.equals(that.header);
    }

    @Override
    public int hashCode() {
        return header.hashCode();
    }

    @Override
    public String toString() {
        return header.toString();
    }
}
