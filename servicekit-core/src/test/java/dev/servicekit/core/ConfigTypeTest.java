package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigTypeTest {

    private static <T> T ok(ConfigType<T> type, String text) {
        return ((ConfigType.Parsed.Ok<T>) type.parse(text)).value();
    }

    private static boolean invalid(ConfigType<?> type, String text) {
        return type.parse(text) instanceof ConfigType.Parsed.Invalid<?>;
    }

    @Test
    void durationsAcceptShortUnitsAndIso() {
        ConfigType<Duration> d = ConfigType.duration();

        assertThat(ok(d, "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ok(d, "20s")).isEqualTo(Duration.ofSeconds(20));
        assertThat(ok(d, "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(ok(d, "1d")).isEqualTo(Duration.ofDays(1));
        assertThat(ok(d, "PT1M30S")).isEqualTo(Duration.ofSeconds(90));
        assertThat(invalid(d, "20")).isTrue();
        assertThat(invalid(d, "-5s")).isTrue();
        assertThat(invalid(d, "99999999999999999999s")).isTrue();
        assertThat(d.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(d.format(Duration.ofMinutes(2))).isEqualTo("2m");
    }

    @Test
    void sizesUseBinaryUnits() {
        ConfigType<Long> s = ConfigType.byteSize();

        assertThat(ok(s, "1024")).isEqualTo(1024L);
        assertThat(ok(s, "1MB")).isEqualTo(1024L * 1024);
        assertThat(ok(s, "512kb")).isEqualTo(512L * 1024);
        assertThat(invalid(s, "1TB")).isTrue();
        assertThat(s.format(2L * 1024 * 1024)).isEqualTo("2MB");
    }

    @Test
    void portsAreBounded() {
        assertThat(ok(ConfigType.port(), "0")).isZero();
        assertThat(invalid(ConfigType.port(), "65536")).isTrue();
        assertThat(invalid(ConfigType.port(), "abc")).isTrue();
    }

    @Test
    void oneOfSuggestsTheNearestChoice() {
        ConfigType.Parsed<String> parsed = ConfigType.oneOf("text", "json").parse("jsno");

        assertThat(parsed)
                .isInstanceOfSatisfying(
                        ConfigType.Parsed.Invalid.class,
                        bad -> assertThat(bad.expected()).contains("did you mean \"json\"?"));
        assertThat(ok(ConfigType.oneOf("text", "json"), "JSON")).isEqualTo("json");
    }

    @Test
    void booleansAcceptCommonSpellings() {
        assertThat(ok(ConfigType.bool(), "yes")).isTrue();
        assertThat(ok(ConfigType.bool(), "OFF")).isFalse();
        assertThat(invalid(ConfigType.bool(), "maybe")).isTrue();
    }
}
