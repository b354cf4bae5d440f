package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.core.ReloadReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code http.tls.protocols}, {@code http.tls.cipher-suites} and their management twins through the real command line
 * and config file loader, in this JVM: a refused protocol or an unknown suite stops {@code run} with exit 78 naming the
 * key, the value and the fix (every problem at once), and a reload with one is refused while the service keeps
 * running.
 */
class TlsSettingsCommandLineTest {

    @TempDir
    Path dir;

    private final UsersCommandLine cli = new UsersCommandLine();

    private int run(String... args) {
        return cli.run(args);
    }

    private String err() {
        return cli.err();
    }

    @Test
    void tls11OnTheCommandLineExits78WithTheKeyTheValueAndTheReason() {
        int code = run(
                "run",
                "--set",
                "data-dir=" + dir,
                "--set",
                "http.port=0",
                "--set",
                "management.port=0",
                "--set",
                "http.tls.protocols=TLSv1.2,TLSv1.1");

        assertThat(code).as(err()).isEqualTo(78);
        assertThat(err())
                .contains("http.tls.protocols (from --set): \"TLSv1.1\" is refused: TLS 1.0 and 1.1 were deprecated by "
                        + "RFC 8996 (2021)")
                .contains("so list TLSv1.2 and TLSv1.3");
    }

    @Test
    void unknownSuitesInTheConfigFileExit78NamingEveryOneWithItsFix() throws IOException {
        Path config = Files.writeString(dir.resolve("config.yaml"), """
                http:
                  port: 0
                  tls:
                    cipher-suites: TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_BOGUS_SUITE
                management:
                  port: 0
                  tls:
                    protocols: TLSv1.3
                    cipher-suites: TLS_AES_256_GCM_SHA384,ECDHE-ECDSA-AES256-GCM-SHA384
                """);

        int code = run("run", "--config", config.toString(), "--set", "data-dir=" + dir);

        assertThat(code).as(err()).isEqualTo(78);
        assertThat(err())
                .contains("2 problems")
                .contains("http.tls.cipher-suites (from " + config + "): \"TLS_BOGUS_SUITE\" is not a known cipher "
                        + "suite name; use IANA names as the JDK spells them")
                .contains("management.tls.cipher-suites (from " + config + "): \"ECDHE-ECDSA-AES256-GCM-SHA384\" is an "
                        + "OpenSSL name; use its IANA name \"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\"");
    }

    @Test
    void aReloadWithAnUnknownSuiteIsRefusedAndTheRunningConfigurationStays() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        try (RunningUsersService service = RunningUsersService.start(data)) {
            Files.writeString(data.resolve("config.yaml"), """
                    http:
                      tls:
                        protocols: TLSv1.0
                        cipher-suites: TLS_AES_128_GCM_SHA256,TLS_NOT_A_SUITE
                    """);

            ReloadReport report = service.host.reload();

            assertThat(report.ok()).as(report.summary()).isFalse();
            assertThat(report.error())
                    .get()
                    .asString()
                    .contains("http.tls.protocols (from " + data.resolve("config.yaml")
                            + "): \"TLSv1.0\" is refused: TLS 1.0 and 1.1 were deprecated")
                    .contains("http.tls.cipher-suites (from " + data.resolve("config.yaml")
                            + "): \"TLS_NOT_A_SUITE\" is not a known cipher suite name");
            assertThat(service.management.get("/health/live").status()).isEqualTo(200);
        }
    }
}
