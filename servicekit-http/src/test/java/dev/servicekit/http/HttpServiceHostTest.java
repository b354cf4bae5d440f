package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What {@link HttpServiceHost} checks of an application before anything runs. */
class HttpServiceHostTest {

    private static HttpApplication named(String name) {
        return versioned(name, "1");
    }

    private static HttpApplication versioned(String name, String version) {
        return new HttpApplication() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String version() {
                return version;
            }

            @Override
            public void start(HttpServiceContext context) {}
        };
    }

    @Test
    void aNameThatIsNotLowerCaseWordsJoinedByDashesIsRefusedBeforeAnythingRuns() {
        // "Notes Lite" passed config validate and install --dry-run, and broke at install (systemd refuses the unit)
        // and in NOTES LITE_* environment variables no shell can set.
        for (String name : new String[] {"Notes Lite", "notes_lite", "NotesLite", "notes-", "-notes", "1notes", ""}) {
            assertThatThrownBy(() -> HttpServiceHost.application(named(name)))
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("The service name \"" + name + "\" must be lower-case letters and digits in words"
                            + " joined by '-', starting with a letter (e.g. notes-service): it names the command, the"
                            + " installed service, its files and its environment variables (NOTES_SERVICE_...)");
        }
    }

    @Test
    void lowerCaseWordsJoinedByDashesAreAccepted() {
        for (String name : new String[] {"notes", "notes-service", "users-service", "s3-proxy", "svc2"}) {
            assertThat(HttpServiceHost.application(named(name)).name()).isEqualTo(name);
        }
    }

    @Test
    void aBlankVersionIsRefusedBeforeAnythingRuns() {
        for (String version : new String[] {"", " "}) {
            assertThatThrownBy(() -> HttpServiceHost.application(versioned("notes", version)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("The version of \"notes\" is blank: version, status and /admin/status show it;"
                            + " return the release (e.g. \"1.0\")");
        }
    }
}
