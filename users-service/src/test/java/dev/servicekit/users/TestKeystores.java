package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Keystores for the TLS settings of users-service tests, made by the JDK's keytool. */
final class TestKeystores {

    private TestKeystores() {}

    /**
     * A PKCS#12 keystore at {@code file} holding a self-signed EC certificate for {@code CN=localhost} under the
     * alias {@code server}, protected by {@code password}; {@code keytoolOptions} add to keytool's command line (e.g.
     * {@code -validity 5}, {@code -startdate -10d}).
     */
    static Path selfSigned(Path file, String password, String... keytoolOptions) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-dname",
                "CN=localhost",
                "-storetype",
                "PKCS12",
                "-keystore",
                file.toString(),
                "-storepass",
                password,
                "-keypass",
                password));
        command.addAll(List.of(keytoolOptions));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return file;
    }
}
