package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.StartType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Node;
import org.xml.sax.SAXParseException;

class LaunchdPlistRendererTest {

    private static final Path GOLDEN = Path.of("src/test/resources/golden/launchd");

    private static String render(InstallRequest request) {
        return LaunchdPlistRenderer.render(request, LaunchdRequests.location(request));
    }

    private static Map<String, Node> parsed(InstallRequest request) throws Exception {
        return LaunchdPlists.topLevel(LaunchdPlists.parse(render(request)));
    }

    @Test
    void defaultDaemonMatchesGoldenFile() throws IOException {
        Golden.assertMatches("launchd/default.plist", render(LaunchdRequests.defaults()));
    }

    @Test
    void userAgentMatchesGoldenFile() throws IOException {
        Golden.assertMatches("launchd/user.plist", render(LaunchdRequests.user()));
    }

    @Test
    void customAccountMatchesGoldenFile() throws IOException {
        Golden.assertMatches("launchd/account.plist", render(LaunchdRequests.account()));
    }

    @Test
    void restartPolicyNoneMatchesGoldenFile() throws IOException {
        Golden.assertMatches("launchd/restart-none.plist", render(LaunchdRequests.restartNone()));
    }

    @Test
    void instanceMatchesGoldenFile() throws IOException {
        Golden.assertMatches("launchd/instance.plist", render(LaunchdRequests.instance()));
    }

    @Test
    void anInstanceHasItsOwnLabelWorkingDirectoryAndLogAndIsToldItsName() {
        LaunchdLocation location = LaunchdRequests.location(LaunchdRequests.instance());

        assertThat(location.label()).isEqualTo("dev.servicekit.users-service.a");
        assertThat(location.plistFile())
                .isEqualTo(Path.of("/Library/LaunchDaemons/dev.servicekit.users-service.a.plist"));
        assertThat(location.workingDirectory()).isEqualTo(Path.of("/usr/local/var/users-service/a"));
        assertThat(location.logFile()).isEqualTo(Path.of("/usr/local/var/log/users-service/users-service@a.log"));
        assertThat(render(LaunchdRequests.instance()))
                .contains("\t\t<string>run</string>\n\t\t<string>--instance</string>\n\t\t<string>a</string>\n");
    }

    @Test
    void pathsWithSpacesAndAmpersandsMatchGoldenFile() throws IOException {
        Golden.assertMatches("launchd/special-characters.plist", render(LaunchdRequests.specialCharacters()));
    }

    @Test
    void everyGoldenPlistParsesAsAWellFormedPropertyList() throws Exception {
        List<Path> plists;
        try (Stream<Path> files = Files.list(GOLDEN)) {
            plists = files.filter(f -> f.toString().endsWith(".plist")).sorted().toList();
        }

        assertThat(plists).hasSize(6);
        for (Path plist : plists) {
            Document document = LaunchdPlists.parse(plist);
            assertThat(LaunchdPlists.problems(document))
                    .as("structure of %s", plist)
                    .isEmpty();
            assertThat(LaunchdPlists.topLevel(document))
                    .as("keys of %s", plist)
                    .containsKeys(
                            "Label",
                            "ProgramArguments",
                            "RunAtLoad",
                            "KeepAlive",
                            "ExitTimeOut",
                            "WorkingDirectory",
                            "StandardOutPath",
                            "StandardErrorPath",
                            "ProcessType");
        }
    }

    @Test
    void pythonsPlistlibReadsEveryGoldenPlistAndItsProgramArgumentsUnchanged() throws Exception {
        // A second, independent plist parser (CPython's plistlib, the one macOS tooling scripts use) where Python is
        // installed.
        assumeTrue(
                Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                        .anyMatch(dir -> Files.isExecutable(Path.of(dir, "python3"))),
                "python3 is not installed");
        String script = "import plistlib, sys\n"
                + "for f in sys.argv[1:]:\n"
                + "    d = plistlib.load(open(f, 'rb'))\n"
                + "    print(repr(d['ProgramArguments']))\n";
        Path special = GOLDEN.resolve("special-characters.plist");
        List<String> files = new java.util.ArrayList<>(List.of("python3", "-c", script));
        try (Stream<Path> all = Files.list(GOLDEN)) {
            all.filter(f -> f.toString().endsWith(".plist")).sorted().forEach(f -> files.add(f.toString()));
        }
        files.add(special.toString());
        Process python = new ProcessBuilder(files).redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(python.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(python.exitValue()).as("plistlib output: %s", out).isZero();
        assertThat(out.lines().toList())
                .hasSize(7)
                .last()
                .isEqualTo("['/Library/Java Runtimes/jdk 21 & more/bin/java', '-Xmx256m', "
                        + "'-Dgreeting=Hello \"world\" <b> 100% $HOME', '-Dwin=C:\\\\temp\\\\x', '-Dtab=a\\tb', '-jar', "
                        + "'/Users/Shared/R&D apps/users service.jar', 'run', '--config', '/Users/Shared/R&D apps/config.yaml', '--set', "
                        + "\"banner=it's ${USER} & <friends>\", ';', '', ']]>']");
    }

    @Test
    void wellFormednessCheckCatchesAKeyWithoutAValue() throws Exception {
        String broken = render(LaunchdRequests.defaults())
                .replace("\t<key>ProcessType</key>\n\t<string>Background</string>\n", "\t<key>ProcessType</key>\n");

        assertThat(LaunchdPlists.problems(LaunchdPlists.parse(broken)))
                .singleElement()
                .asString()
                .contains("odd number");
    }

    @Test
    void programArgumentsAreOneStringPerWordAndReadBackUnchanged() throws Exception {
        InstallRequest request = LaunchdRequests.specialCharacters();

        List<String> read = LaunchdPlists.strings(parsed(request).get("ProgramArguments"));

        assertThat(read).isEqualTo(LaunchdPlistRenderer.programArguments(request.launch()));
        assertThat(read)
                .containsSubsequence(
                        "/Library/Java Runtimes/jdk 21 & more/bin/java",
                        "-Xmx256m",
                        "-Dgreeting=Hello \"world\" <b> 100% $HOME",
                        "-Dwin=C:\\temp\\x",
                        "-Dtab=a\tb",
                        "-jar",
                        "/Users/Shared/R&D apps/users service.jar",
                        "run",
                        "--config",
                        "/Users/Shared/R&D apps/config.yaml",
                        "--set",
                        "banner=it's ${USER} & <friends>",
                        ";",
                        "",
                        "]]>");
    }

    @Test
    void defaultDaemonRunsAtLoadRestartsOnFailureOnlyAndLogsUnderUsrLocalVar() throws Exception {
        Map<String, Node> plist = parsed(LaunchdRequests.defaults());

        assertThat(plist.get("Label").getTextContent()).isEqualTo("dev.servicekit.users-service");
        assertThat(plist.get("RunAtLoad").getNodeName()).isEqualTo("true");
        Map<String, Node> keepAlive = LaunchdPlists.dict((org.w3c.dom.Element) plist.get("KeepAlive"));
        assertThat(keepAlive).containsOnlyKeys("SuccessfulExit");
        assertThat(keepAlive.get("SuccessfulExit").getNodeName()).isEqualTo("false");
        assertThat(plist.get("ThrottleInterval").getTextContent()).isEqualTo("5");
        assertThat(plist.get("ExitTimeOut").getTextContent()).isEqualTo("30");
        assertThat(plist.get("WorkingDirectory").getTextContent()).isEqualTo("/usr/local/var/users-service");
        assertThat(plist.get("StandardOutPath").getTextContent())
                .isEqualTo("/usr/local/var/log/users-service/users-service.log");
        assertThat(plist.get("StandardErrorPath").getTextContent())
                .isEqualTo("/usr/local/var/log/users-service/users-service.log");
        assertThat(plist.get("ProcessType").getTextContent()).isEqualTo("Background");
        assertThat(plist).doesNotContainKeys("UserName", "GroupName", "EnvironmentVariables");
    }

    @Test
    void userAgentUsesTheHomeLibraryAndNeverAUserName() throws Exception {
        Map<String, Node> plist = parsed(LaunchdRequests.user());

        assertThat(plist.get("WorkingDirectory").getTextContent())
                .isEqualTo("/Users/alice/Library/Application Support/users-service");
        assertThat(plist.get("StandardOutPath").getTextContent())
                .isEqualTo("/Users/alice/Library/Logs/users-service/users-service.log");
        assertThat(plist).doesNotContainKeys("UserName", "GroupName");
        assertThat(LaunchdRequests.location(LaunchdRequests.user()).plistFile())
                .isEqualTo(Path.of("/Users/alice/Library/LaunchAgents/dev.servicekit.users-service.plist"));
    }

    @Test
    void accountBecomesUserNameAndGroupName() throws Exception {
        Map<String, Node> plist = parsed(LaunchdRequests.account());

        assertThat(plist.get("UserName").getTextContent()).isEqualTo("_users");
        assertThat(plist.get("GroupName").getTextContent()).isEqualTo("staff");
    }

    @Test
    void restartPolicyNoneMeansNoKeepAliveAndLaunchdsDefaultThrottle() throws Exception {
        Map<String, Node> plist = parsed(LaunchdRequests.restartNone());

        assertThat(plist.get("KeepAlive").getNodeName()).isEqualTo("false");
        assertThat(plist).doesNotContainKey("ThrottleInterval");
    }

    @Test
    void throttleIntervalIsTheFirstRestartDelayRoundedUpToAtLeastOneSecond() {
        assertThat(LaunchdPlistRenderer.throttleSeconds(Duration.ZERO)).isEqualTo(1);
        assertThat(LaunchdPlistRenderer.throttleSeconds(Duration.ofMillis(500))).isEqualTo(1);
        assertThat(LaunchdPlistRenderer.throttleSeconds(Duration.ofMillis(1500)))
                .isEqualTo(2);
        assertThat(LaunchdPlistRenderer.throttleSeconds(Duration.ofMinutes(1))).isEqualTo(60);
        assertThat(LaunchdPlistRenderer.firstRestartDelay(FailureAction.parseList("none,restart:30s")))
                .contains(Duration.ofSeconds(30));
    }

    @Test
    void manualAndDisabledStartTypesDoNotRunAtLoadAndDelayedDoes() throws Exception {
        for (StartType type : StartType.values()) {
            Map<String, Node> plist = parsed(Requests.withStartType(LaunchdRequests.defaults(), type));

            assertThat(plist.get("RunAtLoad").getNodeName())
                    .as("RunAtLoad for %s", type)
                    .isEqualTo(type == StartType.AUTO || type == StartType.DELAYED ? "true" : "false");
        }
    }

    @Test
    void aNameWithADotIsAlreadyALabel() {
        assertThat(LaunchdLocation.label("com.example.users")).isEqualTo("com.example.users");
        assertThat(LaunchdLocation.label("users-service")).isEqualTo("dev.servicekit.users-service");
        assertThat(LaunchdLocation.of(ServiceRef.system("com.example.users"), LaunchdRequests.HOME, Path.of("/"))
                        .plistFile())
                .isEqualTo(Path.of("/Library/LaunchDaemons/com.example.users.plist"));
    }

    @Test
    void xmlSpecialCharactersAreEscapedAndLineBreaksKeptAsCharacterReferences() throws Exception {
        assertThat(LaunchdPlistRenderer.escape("a & b <c> \"d\" 'e'"))
                .isEqualTo("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;");
        assertThat(LaunchdPlistRenderer.escape("a\r\nb\tc")).isEqualTo("a&#13;&#10;b&#9;c");
        InstallRequest base = LaunchdRequests.defaults();
        InstallRequest crlf = Requests.request(
                base.service(),
                Optional.empty(),
                List.of(),
                base.onFailure(),
                new LaunchCommand(LaunchdRequests.JAVA, List.of("-Dx=a\r\nb"), LaunchdRequests.JAR, List.of()));

        assertThat(LaunchdPlists.strings(parsed(crlf).get("ProgramArguments"))).contains("-Dx=a\r\nb");
    }

    @Test
    void commentsNeverContainADoubleHyphen() {
        for (InstallRequest r : List.of(
                LaunchdRequests.defaults(),
                LaunchdRequests.user(),
                LaunchdRequests.account(),
                LaunchdRequests.restartNone(),
                LaunchdRequests.specialCharacters())) {
            String plist = render(r);
            int comments = 0;
            for (int at = plist.indexOf("<!--"); at >= 0; at = plist.indexOf("<!--", at + 4)) {
                String body = plist.substring(at + 4, plist.indexOf("-->", at));
                assertThat(body).as("comment in the plist").doesNotContain("--");
                comments++;
            }
            assertThat(comments)
                    .as("comments in the plist, so the check above ran")
                    .isPositive();
        }
    }

    @Test
    void invalidValuesAreAllReportedAtOnceWithTheFix() {
        InstallRequest r = new InstallRequest(
                new ServiceRef("users service", false, Optional.empty()),
                "x",
                "",
                StartType.AUTO,
                Optional.of("NT AUTHORITY\\LocalService"),
                Optional.empty(),
                List.of(),
                List.of(),
                Duration.ofDays(1),
                Duration.ZERO,
                new LaunchCommand(Path.of("java"), List.of("-Dbell=\u0007"), Path.of("app.jar"), List.of()),
                false);

        assertThatThrownBy(() -> LaunchdPlistRenderer.render(
                        r, LaunchdLocation.of(r.service(), LaunchdRequests.HOME, Path.of("/"))))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("service name \"users service\"")
                .hasMessageContaining("java executable \"java\" is not an absolute path")
                .hasMessageContaining("jar \"app.jar\"")
                .hasMessageContaining("argument \"-Dbell=?\" contains a control character")
                .hasMessageContaining("--account \"NT AUTHORITY\\LocalService\" is not a macOS user name")
                .hasMessageContaining("--stop-timeout \"0s\"");
    }

    @Test
    void anAccountForAUserAgentIsRejectedWithTheFix() {
        InstallRequest r = Requests.request(
                new ServiceRef("users-service", true, Optional.empty()),
                Optional.of("_users"),
                List.of(),
                LaunchdRequests.RESTARTS,
                LaunchdRequests.launch());

        assertThatThrownBy(() -> render(r))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageContaining("--account \"_users\" applies to system daemons only");
    }

    @Test
    void systemdOnlyCapabilityAndDropInAreRefusedNotIgnoredWhileTheWatchdogIsIgnored() {
        InstallRequest systemdOnly = LaunchdRequests.defaults()
                .withBindPrivilegedPorts(true)
                .withDropIn(Optional.of("[Service]\nMemoryMax=1G\n"));

        assertThatThrownBy(() -> render(systemdOnly))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("--bind-privileged-ports is systemd only")
                .hasMessageContaining("any process may listen on a port below 1024; drop it")
                .hasMessageContaining("--drop-in is systemd only");
        assertThat(render(LaunchdRequests.defaults().withWatchdog(Optional.of(java.time.Duration.ofSeconds(10)))))
                .isEqualTo(render(LaunchdRequests.defaults()));
    }

    @Test
    void theParserRejectsAnUnescapedAmpersandSoTheEscapingTestsCanFail() {
        String raw = render(LaunchdRequests.defaults()).replace("<string>Background</string>", "<string>R&D</string>");

        assertThatThrownBy(() -> LaunchdPlists.parse(raw)).isInstanceOf(SAXParseException.class);
    }
}
