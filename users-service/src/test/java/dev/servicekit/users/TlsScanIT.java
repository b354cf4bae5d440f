package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.testing.ServiceProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * users-service.jar in a child JVM with TLS on both listeners, scanned from outside by Debian's testssl.sh: only TLS
 * 1.2 and 1.3, only forward-secret AEAD suites (Mozilla's "intermediate" profile), client-initiated renegotiation
 * refused, nothing testssl calls vulnerable; and with mutual TLS on the management listener, a handshake without a
 * client certificate (openssl s_client, as testssl makes it) is refused and the admin API stays closed to curl without
 * one. Certificates come from the openssl command line.
 *
 * <p>testssl runs only the checks these assertions need ({@code --protocols --cipher-per-proto --renegotiation}), on
 * both listeners at once, so the class takes about half a minute rather than the minutes of a full scan.
 */
class TlsScanIT {

    private static final Path TESTSSL = Path.of("/usr/bin/testssl");
    private static final Path OPENSSL = Path.of("/usr/bin/openssl");
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration SCAN = Duration.ofSeconds(180);
    private static final Pattern API = Pattern.compile("API listening on https://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern MANAGEMENT = Pattern.compile("Management listening on https://127\\.0\\.0\\.1:(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The profile's suites a server with an ECDSA (P-256) certificate can use. */
    private static final List<String> EXPECTED_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");

    @TempDir
    static Path dir;

    private static ServiceProcess service;
    private static ServiceProcess mutualTlsService;
    private static CompletableFuture<JsonNode> apiScan;
    private static CompletableFuture<JsonNode> managementScan;
    private static int mutualTlsPort;
    private static final List<Process> scanners = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void startBothServicesAndScanEveryListener() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(TESTSSL),
                TESTSSL + " is not installed (Debian package testssl.sh; .ci/run installs it): TLS scan skipped");
        Assumptions.assumeTrue(
                Files.isExecutable(OPENSSL), OPENSSL + " is not installed (Debian package openssl): TLS scan skipped");
        Certificates.create(dir);

        service = start(
                "tls",
                "http.tls.certificate-file=" + dir.resolve("server.pem"),
                "http.tls.private-key-file=" + dir.resolve("server.key"),
                "management.tls.certificate-file=" + dir.resolve("server.pem"),
                "management.tls.private-key-file=" + dir.resolve("server.key"));
        mutualTlsService = start(
                "mtls",
                "management.tls.certificate-file=" + dir.resolve("server.pem"),
                "management.tls.private-key-file=" + dir.resolve("server.key"),
                "management.tls.client-ca-file=" + dir.resolve("ca.pem"));
        int apiPort = port(service, API);
        int managementPort = port(service, MANAGEMENT);
        mutualTlsPort = port(mutualTlsService, MANAGEMENT);

        apiScan = scan("api", apiPort, "--protocols", "--cipher-per-proto", "--renegotiation");
        managementScan = scan("management", managementPort, "--protocols", "--cipher-per-proto", "--renegotiation");
    }

    @AfterAll
    static void stopServices() {
        for (Process scanner : scanners) {
            scanner.descendants().forEach(ProcessHandle::destroyForcibly);
            scanner.destroyForcibly();
        }
        for (ServiceProcess process : new ServiceProcess[] {service, mutualTlsService}) {
            if (process != null) {
                process.close();
            }
        }
    }

    private static ServiceProcess start(String name, String... settings) {
        List<String> all = new ArrayList<>(List.of("auth.enabled=false"));
        all.addAll(List.of(settings));
        return UsersServiceProcessIT.startRun(dir, name, dir.resolve("data-" + name), all);
    }

    private static int port(ServiceProcess process, Pattern pattern) {
        return Integer.parseInt(process.awaitOutput(pattern, START).group(1));
    }

    /** testssl.sh in the background, on loopback, writing its findings as JSON; completes with the parsed file. */
    private static CompletableFuture<JsonNode> scan(String name, int port, String... checks) {
        Path json = dir.resolve("testssl-" + name + ".json");
        Path output = dir.resolve("testssl-" + name + ".txt");
        List<String> command = new ArrayList<>(List.of(
                TESTSSL.toString(),
                "--quiet",
                "--warnings",
                "off",
                "--color",
                "0",
                "--nodns",
                "none",
                "--connect-timeout",
                "20",
                "--jsonfile",
                json.toString()));
        command.addAll(List.of(checks));
        command.add("127.0.0.1:" + port);
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new AssertionError("cannot run " + TESTSSL, e));
        }
        scanners.add(process);
        return process.onExit().orTimeout(SCAN.toSeconds(), TimeUnit.SECONDS).handle((done, failure) -> {
            try {
                if (failure != null) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new AssertionError("testssl did not finish within " + SCAN + "; output:\n" + read(output));
                }
                if (!Files.exists(json)) {
                    throw new AssertionError("testssl exited with " + done.exitValue() + " and wrote no "
                            + json.getFileName() + "; output:\n" + read(output));
                }
                return JSON.readTree(json.toFile());
            } catch (IOException e) {
                throw new AssertionError("cannot read " + json, e);
            }
        });
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(none)";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Test
    void theApiListenerOffersOnlyTheIntermediateProfileAndRefusesClientRenegotiation() {
        assertMeetsTheProfile("API", apiScan.join());
    }

    @Test
    void theManagementListenerOffersOnlyTheIntermediateProfileAndRefusesClientRenegotiation() {
        assertMeetsTheProfile("management", managementScan.join());
    }

    private static void assertMeetsTheProfile(String listener, JsonNode report) {
        assertThat(TestsslFindings.violations(report))
                .as("testssl findings on the %s listener that break the TLS profile", listener)
                .isEmpty();
        assertThat(TestsslFindings.offeredSuites(report))
                .as("cipher suites the %s listener accepted", listener)
                .containsExactlyInAnyOrderElementsOf(EXPECTED_SUITES);
    }

    @Test
    void httpsResponsesOfBothListenersCarryHsts() throws Exception {
        for (var listener : java.util.Map.of(API, "/api/v1/users", MANAGEMENT, "/health/live")
                .entrySet()) {
            Command response = curl(
                    "--cacert",
                    dir.resolve("ca.pem").toString(),
                    "--dump-header",
                    "-",
                    "--output",
                    "/dev/null",
                    "--write-out",
                    "status %{http_code}",
                    "https://127.0.0.1:" + port(service, listener.getKey()) + listener.getValue());
            assertThat(response.exitCode()).as("%s", response).isZero();
            assertThat(response.output()).contains("status 200");
            assertThat(response.output()).containsIgnoringCase("strict-transport-security: max-age=31536000");
        }
    }

    @Test
    void withMutualTlsTheScannersHandshakeIsRefusedAndTheAdminApiStaysClosed() throws Exception {
        // testssl drives "openssl s_client" for its handshakes; its own client-auth detection (3.0.8) looks for a
        // TLS 1.2 master key in s_client's output and so misses TLS 1.3 servers (then it reports "Couldn't determine
        // service"), so the scanner's handshake is made here directly, once per protocol.
        for (String protocol : List.of("-tls1_2", "-tls1_3")) {
            Command handshake = run(
                    "GET /admin/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                    OPENSSL.toString(),
                    "s_client",
                    "-connect",
                    "127.0.0.1:" + mutualTlsPort,
                    protocol,
                    // Wait for the server's answer after sending the request: on TLS 1.3 its alert comes then.
                    "-ign_eof",
                    "-CAfile",
                    dir.resolve("ca.pem").toString());
            assertThat(handshake.output())
                    .as("openssl s_client %s without a client certificate: %s", protocol, handshake)
                    .contains("Acceptable client certificate CA names")
                    .containsAnyOf("alert handshake failure", "alert certificate required")
                    .doesNotContain("HTTP/1.1 200");
            assertThat(handshake.exitCode()).as("%s", handshake).isNotZero();
        }

        String url = "https://127.0.0.1:" + mutualTlsPort + "/admin/status";
        Command without = curl("--cacert", dir.resolve("ca.pem").toString(), url);
        assertThat(without.exitCode())
                .as(
                        "curl without a client certificate must fail in the TLS layer (35: handshake, 56: receive); %s",
                        without)
                .isIn(35, 56);
        assertThat(without.output()).doesNotContain("\"state\"");

        Command with = curl(
                "--cacert",
                dir.resolve("ca.pem").toString(),
                "--cert",
                dir.resolve("client.pem").toString(),
                "--key",
                dir.resolve("client.key").toString(),
                url);
        assertThat(with.exitCode())
                .as("the same request with the client certificate; %s", with)
                .isZero();
        assertThat(with.output()).contains("\"state\"").contains("RUNNING");
    }

    private record Command(int exitCode, String output) {}

    private static Command curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "20"));
        command.addAll(List.of(args));
        return run("", command.toArray(String[]::new));
    }

    /** Runs a command with {@code input} on its stdin, for at most 30 seconds. */
    private static Command run(String input, String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "command", ".txt");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 30s: " + read(output));
        }
        return new Command(process.exitValue(), read(output));
    }

    /** A CA, a P-256 server certificate for 127.0.0.1 and a client certificate, from the openssl command line. */
    private static final class Certificates {

        static void create(Path dir) throws IOException, InterruptedException {
            Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
            Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
            openssl(
                    dir,
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.pem",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=servicekit test CA");
            for (String name : List.of("server", "client")) {
                openssl(
                        dir,
                        "req",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:P-256",
                        "-nodes",
                        "-keyout",
                        name + ".key",
                        "-out",
                        name + ".csr",
                        "-subj",
                        "/CN=" + name);
                openssl(
                        dir,
                        "x509",
                        "-req",
                        "-in",
                        name + ".csr",
                        "-CA",
                        "ca.pem",
                        "-CAkey",
                        "ca.key",
                        "-CAcreateserial",
                        "-days",
                        "2",
                        "-extfile",
                        name + ".ext",
                        "-out",
                        name + ".pem");
                Files.setPosixFilePermissions(dir.resolve(name + ".key"), PosixFilePermissions.fromString("rw-------"));
            }
        }

        private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(OPENSSL.toString()));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue())
                    .as("openssl %s: %s", String.join(" ", args), output)
                    .isZero();
        }
    }
}
