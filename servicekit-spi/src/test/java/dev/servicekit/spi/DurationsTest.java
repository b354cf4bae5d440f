package dev.servicekit.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The command line's short duration syntax. */
class DurationsTest {

    @Test
    void eachUnitParsesAndFormatsBack() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse(" 5s ")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.format(Durations.parse("90s"))).isEqualTo("90s");
    }

    @Test
    void somethingElseIsNotADuration() {
        assertThatThrownBy(() -> Durations.parse("soon"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"soon\" is not a duration; write e.g. 500ms, 5s, 2m, 1h or 1d");
    }

    @Test
    void aNumberTooLargeForItsUnitIsNotADurationAndSaysTheMost() {
        assertThatThrownBy(() -> Durations.parse("999999999999999d"))
                .as("Duration.ofDays overflows here")
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"999999999999999d\" is not a duration: the most that can be written in d is"
                        + " 106751991167d; write e.g. 500ms, 5s, 2m, 1h or 1d");
        assertThatThrownBy(() -> Durations.parse("99999999999999999999s"))
                .as("too many digits for a long")
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("\"99999999999999999999s\" is not a duration: the most that can be written in s"
                        + " is 9223372036854775s;");
    }

    @Test
    void theMostOfEachUnitParsesAndFormats() {
        for (String most : new String[] {
            "9223372036854775807ms", "9223372036854775s", "153722867280912m", "2562047788015h", "106751991167d"
        }) {
            Duration parsed = Durations.parse(most);
            assertThat(Durations.format(parsed)).as(most).isNotEmpty();
        }
        assertThatThrownBy(() -> Durations.parse("106751991168d")).isInstanceOf(IllegalArgumentException.class);
    }
}
