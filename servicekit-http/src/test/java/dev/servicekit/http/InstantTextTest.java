package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link InstantText} against {@link Instant#toString()}, the reference: the same text for every instant, and the
 * JSON mapper's output unchanged against Jackson's own serializer.
 */
class InstantTextTest {

    private static final long FIRST_SECOND =
            Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    private static final long LAST_SECOND =
            Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

    @Test
    void chosenInstantsAreWrittenAsInstantToStringWritesThem() {
        List<Instant> chosen = new ArrayList<>();
        for (long second : new long[] {
            FIRST_SECOND - 1,
            FIRST_SECOND,
            FIRST_SECOND + 1,
            LAST_SECOND - 1,
            LAST_SECOND,
            LAST_SECOND + 1,
            -86_401,
            -86_400,
            -86_399,
            -1,
            0,
            1,
            86_399,
            86_400,
            951_782_400 /* 2000-02-29 */,
            4_107_542_400L /* 2100-03-01 */
        }) {
            for (int nano :
                    new int[] {0, 1, 999, 1_000, 1_000_000, 1_001_000, 1_000_001, 10, 120_000_000, 999_999_999}) {
                chosen.add(Instant.ofEpochSecond(second, nano));
            }
        }
        chosen.add(Instant.MIN);
        chosen.add(Instant.MAX);
        chosen.add(Instant.EPOCH);
        for (Instant instant : chosen) {
            assertWrittenAsToStringWritesIt(instant);
        }
    }

    @Test
    void generatedInstantsAreWrittenAsInstantToStringWritesThem() {
        Random random = new Random(20261205);
        int[] scale = {1, 1_000, 1_000_000, 1_000_000_000};
        for (int i = 0; i < 200_000; i++) {
            long second = FIRST_SECOND - 100 + (long) (random.nextDouble() * (LAST_SECOND - FIRST_SECOND + 200));
            int unit = scale[random.nextInt(scale.length)];
            int nano = unit == 1_000_000_000 ? 0 : random.nextInt(1_000_000_000 / unit) * unit;
            Instant instant = Instant.ofEpochSecond(second, nano);
            assertWrittenAsToStringWritesIt(instant);
        }
    }

    /** {@code formatTo} writes {@code instant.toString()}'s text, or nothing (-1) exactly for years outside 0000–9999. */
    private static void assertWrittenAsToStringWritesIt(Instant instant) {
        char[] text = new char[InstantText.MAX_LENGTH];
        int length = InstantText.formatTo(instant, text);
        if (instant.getEpochSecond() < FIRST_SECOND || instant.getEpochSecond() > LAST_SECOND) {
            assertThat(length).as("%s, left to Instant.toString()", instant).isEqualTo(-1);
        } else {
            assertThat(new String(text, 0, Math.max(length, 0)))
                    .as("%s", instant)
                    .isEqualTo(instant.toString());
        }
    }

    record Stamped(
            Instant at,
            @JsonFormat(shape = JsonFormat.Shape.NUMBER) Instant asNumber,
            List<Instant> more) {}

    @Test
    void theMapperWritesWhatJacksonsOwnSerializerWrites() throws Exception {
        ObjectMapper jackson = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
        Stamped stamped = new Stamped(
                Instant.parse("2026-12-05T22:15:44.123456Z"),
                Instant.parse("2026-12-05T22:15:44.5Z"),
                List.of(Instant.EPOCH, Instant.parse("1969-12-31T23:59:59.999999999Z"), Instant.MAX));

        String written = JsonBodies.mapper().writeValueAsString(stamped);

        assertThat(written).isEqualTo(jackson.writeValueAsString(stamped));
        assertThat(written).contains("\"2026-12-05T22:15:44.123456Z\"", "1796508944.500000000");
        SerializerProvider provider = JsonBodies.mapper().getSerializerProviderInstance();
        assertThat(provider.findValueSerializer(Instant.class))
                .as("the mapper's serializer of Instant")
                .isInstanceOf(InstantText.Serializer.class);
        assertThat(provider.findPrimaryPropertySerializer(Instant.class, null))
                .as("the serializer of an Instant property without a format of its own, once contextual")
                .isInstanceOf(InstantText.Serializer.class);
        assertThat(JsonBodies.mapper()
                        .writerFor(Instant.class)
                        .with(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                        .writeValueAsString(Instant.ofEpochSecond(5, 1)))
                .as("timestamps when asked for, as Jackson writes them")
                .isEqualTo("5.000000001");
    }
}
