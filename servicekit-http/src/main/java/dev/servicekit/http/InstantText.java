package dev.servicekit.http;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsonFormatVisitors.JsonFormatVisitorWrapper;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.ser.ContextualSerializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.ser.InstantSerializer;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * {@link Instant#toString()}'s text (ISO-8601 in UTC, {@code DateTimeFormatter.ISO_INSTANT}) written without the
 * JDK's general formatter, for the instants of JSON responses.
 *
 * <p>Every user the API returns carries two instants; formatting them through {@code DateTimeFormatter} was about
 * 5 % of the CPU of a GET by id (docs/performance.md). Years 0000–9999 are written here, digit by digit: the date,
 * {@code T}, the time to the second, then the fraction in groups of three digits as needed (none, milli, micro or
 * nano), and {@code Z}. Any other year is left to {@link Instant#toString()}. {@code InstantTextTest} holds the two
 * to the same text.
 */
final class InstantText {

    /** 0000-01-01T00:00:00Z. */
    private static final long FIRST_SECOND = -62_167_219_200L;

    /** 9999-12-31T23:59:59Z. */
    private static final long LAST_SECOND = 253_402_300_799L;

    private static final int SECONDS_PER_DAY = 86_400;

    /** The longest text written here: {@code 9999-12-31T23:59:59.999999999Z}. */
    static final int MAX_LENGTH = 30;

    private InstantText() {}

    /**
     * Writes {@code instant.toString()}'s text into {@code text} (at least {@value #MAX_LENGTH} long) from its start.
     *
     * @return the length written, or -1 for a year outside 0000–9999 (nothing written)
     */
    static int formatTo(Instant instant, char[] text) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_SECOND || seconds > LAST_SECOND) {
            return -1;
        }
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, SECONDS_PER_DAY));
        int secondOfDay = Math.floorMod(seconds, SECONDS_PER_DAY);
        int nano = instant.getNano();
        int fractionDigits = nano == 0 ? 0 : nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
        digits(text, 0, date.getYear(), 4);
        text[4] = '-';
        digits(text, 5, date.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, date.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, secondOfDay / 3_600, 2);
        text[13] = ':';
        digits(text, 14, secondOfDay / 60 % 60, 2);
        text[16] = ':';
        digits(text, 17, secondOfDay % 60, 2);
        int length = 19;
        if (fractionDigits > 0) {
            text[length++] = '.';
            int fraction = fractionDigits == 3 ? nano / 1_000_000 : fractionDigits == 6 ? nano / 1_000 : nano;
            digits(text, length, fraction, fractionDigits);
            length += fractionDigits;
        }
        text[length++] = 'Z';
        return length;
    }

    /** Writes {@code value} (not negative) as {@code count} zero-padded decimal digits from {@code offset}. */
    private static void digits(char[] text, int offset, int value, int count) {
        for (int i = offset + count - 1; i >= offset; i--) {
            text[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * The serializer of {@link Instant}s for JSON bodies: {@link #formatTo}'s text where Jackson's own serializer
     * (jackson-datatype-jsr310's {@link InstantSerializer}, configured as {@code JavaTimeModule} configures it) would
     * write {@code Instant.toString()}, and Jackson's own serializer for everything else: timestamps when
     * {@code WRITE_DATES_AS_TIMESTAMPS} is on, and a property with a format of its own ({@code @JsonFormat}, or a
     * mapper-wide override for {@code Instant}).
     */
    static final class Serializer extends StdSerializer<Instant> implements ContextualSerializer {
        private static final long serialVersionUID = 1L;

        Serializer() {
            super(Instant.class);
        }

        @Override
        public JsonSerializer<?> createContextual(SerializerProvider provider, BeanProperty property)
                throws JsonMappingException {
            JsonFormat.Value format = findFormatOverrides(provider, property, Instant.class);
            if (format == null || format.equals(JsonFormat.Value.empty())) {
                return this;
            }
            return InstantSerializer.INSTANCE.createContextual(provider, property);
        }

        @Override
        public void serialize(Instant value, JsonGenerator generator, SerializerProvider provider) throws IOException {
            if (provider.isEnabled(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)) {
                InstantSerializer.INSTANCE.serialize(value, generator, provider);
            } else {
                char[] text = new char[MAX_LENGTH];
                int length = formatTo(value, text);
                if (length < 0) {
                    generator.writeString(value.toString());
                } else {
                    generator.writeString(text, 0, length);
                }
            }
        }

        @Override
        public void serializeWithType(
                Instant value, JsonGenerator generator, SerializerProvider provider, TypeSerializer typeSerializer)
                throws IOException {
            InstantSerializer.INSTANCE.serializeWithType(value, generator, provider, typeSerializer);
        }

        @Override
        public void acceptJsonFormatVisitor(JsonFormatVisitorWrapper visitor, JavaType type)
                throws JsonMappingException {
            InstantSerializer.INSTANCE.acceptJsonFormatVisitor(visitor, type);
        }
    }
}
