package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigLoader;
import dev.servicekit.spi.Diagnosis;
import java.util.List;
import java.util.Map;
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

    private static HttpApplication diagnosing(java.util.function.Supplier<List<Diagnosis>> checks) {
        return new HttpApplication() {
            @Override
            public String name() {
                return "notes";
            }

            @Override
            public String version() {
                return "1";
            }

            @Override
            public void start(HttpServiceContext context) {}

            @Override
            public List<Diagnosis> diagnose(Config config) {
                return checks.get();
            }
        };
    }

    private static Config defaults(HttpApplication app) {
        return ConfigLoader.builder(HttpServiceHost.schema(app))
                .environment(Map.of())
                .build()
                .load();
    }

    @Test
    void doctorPrintsTheApplicationsOwnChecksAndOneThatThrowsIsAFailureOfItsOwn() {
        HttpApplication ok = diagnosing(() -> List.of(Diagnosis.ok("store", "answers")));
        assertThat(HttpServiceHost.application(ok).diagnose(defaults(ok)))
                .extracting(Diagnosis::check)
                .as("the toolkit's, then the application's")
                .containsExactly("certificate api", "certificate management", "store");

        HttpApplication broken = diagnosing(() -> {
            throw new IllegalStateException("no driver");
        });
        List<Diagnosis> findings = HttpServiceHost.application(broken).diagnose(defaults(broken));
        assertThat(findings)
                .extracting(Diagnosis::check)
                .containsExactly("certificate api", "certificate management", "application checks");
        assertThat(findings.getLast().verdict()).isEqualTo(Diagnosis.Verdict.FAILURE);
        assertThat(findings.getLast().finding()).isEqualTo("the check itself failed: no driver");
    }
}
