package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    static final ConfigKey<Integer> PORT = ConfigKey.builder("http.port", ConfigType.port())
            .defaultValue(8080)
            .description("port")
            .build();
    static final ConfigKey<String> HOST = ConfigKey.builder("http.host", ConfigType.host())
            .defaultValue("127.0.0.1")
            .description("host")
            .build();
    static final ConfigKey<String> SECRET = ConfigKey.builder("auth.secret", ConfigType.nonBlankString())
            .secret()
            .description("secret")
            .build();
    static final ConfigKey<List<String>> ORIGINS = ConfigKey.builder(
                    "cors.origins", ConfigType.listOf(ConfigType.nonBlankString()))
            .defaultValue(List.of())
            .description("origins")
            .build();

    static final ConfigKey<Path> DB = ConfigKey.builder("store.file", ConfigType.path())
            .derivedDefault(config -> config.get(CoreConfigKeys.DATA_DIR).resolve("app.db"), "<data-dir>/app.db")
            .description("db")
            .build();

    static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(CoreConfigKeys.all())
            .add(PORT, HOST, SECRET, ORIGINS, DB)
            .check(CoreConfigKeys::check)
            .build();

    @TempDir
    Path dir;

    private ConfigLoader.Builder loader() {
        return ConfigLoader.builder(SCHEMA).environmentPrefix("MY_APP");
    }

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void defaultsApplyWhenNothingIsSet() {
        Config config = loader().build().load();

        assertThat(config.get(PORT)).isEqualTo(8080);
        assertThat(config.get(CoreConfigKeys.SHUTDOWN_DRAIN_TIMEOUT)).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.find(SECRET)).isEmpty();
        assertThat(config.source(PORT)).isEqualTo("default");
    }

    @Test
    void setBeatsEnvironmentWhichBeatsFileWhichBeatsDefault() throws IOException {
        Path file = yaml("""
                http:
                  port: 1000
                  host: 0.0.0.0
                log:
                  level: debug
                """);
        Config config = loader().file(file, true)
                .environment(Map.of("MY_APP_HTTP_PORT", "2000", "MY_APP_LOG_LEVEL", "warn"))
                .overrides(List.of("http.port=3000"))
                .build()
                .load();

        assertThat(config.get(PORT)).isEqualTo(3000);
        assertThat(config.source(PORT)).isEqualTo("--set");
        assertThat(config.get(CoreConfigKeys.LOG_LEVEL)).isEqualTo("warn");
        assertThat(config.source(CoreConfigKeys.LOG_LEVEL)).isEqualTo("environment MY_APP_LOG_LEVEL");
        assertThat(config.get(HOST)).isEqualTo("0.0.0.0");
        assertThat(config.source(HOST)).isEqualTo(file.toString());
    }

    @Test
    void aLayerSitsBetweenTheFileAndTheEnvironmentAndItsProblemsAreReportedWithTheFiles() throws IOException {
        Path file = yaml("http:\n  port: 1000\n  host: 0.0.0.0\nlog:\n  level: debug\n");
        ConfigLayer etcd = new ConfigLayer(
                "etcd",
                List.of(
                        new ConfigLayer.Value("http.port", "2000", "etcd e /p/http.port"),
                        new ConfigLayer.Value("log.level", "error", "etcd e /p/log.level")),
                List.of());
        Config config = loader().file(file, true)
                .layer(etcd)
                .environment(Map.of("MY_APP_LOG_LEVEL", "warn"))
                .build()
                .load();

        assertThat(config.get(HOST)).isEqualTo("0.0.0.0");
        assertThat(config.get(PORT)).isEqualTo(2000);
        assertThat(config.source(PORT)).isEqualTo("etcd e /p/http.port");
        assertThat(config.get(CoreConfigKeys.LOG_LEVEL)).isEqualTo("warn");

        ConfigLayer bad = new ConfigLayer(
                "etcd",
                List.of(
                        new ConfigLayer.Value("http.prot", "1", "etcd e /p/http.prot"),
                        new ConfigLayer.Value("http.port", "x", "etcd e /p/http.port")),
                List.of(new ConfigProblem("config.etcd.endpoints", "etcd", "unreachable")));
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().file(yaml("log:\n  level: loud\n"), true)
                        .layer(bad)
                        .build()
                        .load());
        assertThat(e.problems())
                .extracting(ConfigProblem::toString)
                .containsExactlyInAnyOrder(
                        "log.level (from " + file
                                + "): \"loud\" is not valid; expected one of trace, debug, info, warn, error",
                        "config.etcd.endpoints (from etcd): unreachable",
                        "http.prot (from etcd e /p/http.prot): is not a known configuration key; did you mean \"http.port\"?",
                        "http.port (from etcd e /p/http.port): \"x\" is not valid; expected a port number from 0 to 65535 (0 picks a free port)");
    }

    @Test
    void everyProblemIsReportedAtOnceWithKeyValueAndFix() throws IOException {
        Path file = yaml("""
                htp:
                  port: 8080
                shutdown:
                  drain-timeout: soon
                """);
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().file(file, true)
                        .overrides(List.of("http.port=abc"))
                        .build()
                        .load());

        assertThat(e.problems()).hasSize(3);
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.key()).isEqualTo("htp.port");
            assertThat(p.message()).contains("did you mean \"http.port\"?");
        });
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.key()).isEqualTo("shutdown.drain-timeout");
            assertThat(p.message()).contains("\"soon\"").contains("500ms, 20s");
        });
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.key()).isEqualTo("http.port");
            assertThat(p.source()).isEqualTo("--set");
            assertThat(p.message()).contains("\"abc\"").contains("0 to 65535");
        });
        assertThat(e.getMessage()).contains("3 problems");
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() throws IOException {
        Path file = yaml("http:\n  port: [1, 2\n");

        ConfigException e = catchThrowableOfType(
                ConfigException.class, () -> loader().file(file, true).build().load());

        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("not valid YAML at line"));
    }

    @Test
    void aKeySetTwiceInTheFileIsAProblemNamingItAndTheLine() throws IOException {
        Path file = yaml("http:\n  port: 1000\n  host: 0.0.0.0\n  port: 2000\n");

        ConfigException e = catchThrowableOfType(
                ConfigException.class, () -> loader().file(file, true).build().load());

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("http.port");
            assertThat(p.message()).isEqualTo("is set twice in the file (again at line 4); keep one of them");
        });
    }

    @Test
    void aYamlAliasIsAProblemRatherThanItsAnchorsNameReadAsTheValue() throws IOException {
        Path file = yaml("""
                http:
                  port: &shared 1000
                  host: *shared
                log:
                  level: *shared
                """);

        ConfigException e = catchThrowableOfType(
                ConfigException.class, () -> loader().file(file, true).build().load());

        assertThat(e.problems())
                .extracting(ConfigProblem::key, ConfigProblem::message)
                .containsExactly(
                        org.assertj.core.api.Assertions.tuple(
                                "http.host",
                                "is the YAML alias *shared (line 3), which is not read as the value its anchor names;"
                                        + " write the value out"),
                        org.assertj.core.api.Assertions.tuple(
                                "log.level",
                                "is the YAML alias *shared (line 5), which is not read as the value its anchor names;"
                                        + " write the value out"));
        assertThat(loader().file(yaml("http:\n  port: &shared 1000\n"), true)
                        .build()
                        .load()
                        .get(PORT))
                .as("an anchor alone is harmless")
                .isEqualTo(1000);
    }

    @Test
    void aNamedFileMustExistButTheDefaultFileMayNot() {
        assertMissing(dir.resolve("nope.yaml"));
    }

    @Test
    void aFileUnderARegularFileDoesNotExistRatherThanFailsToRead() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("data"), "a file where a directory should be\n");

        assertMissing(notADirectory.resolve("config.yaml"));
    }

    /** {@code missing} as the default file is no problem (the defaults apply); named with --config, it is one. */
    private void assertMissing(Path missing) {
        assertThat(loader().file(missing, false).build().load().get(PORT)).isEqualTo(8080);
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().file(missing, true).build().load());
        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message())
                        .isEqualTo("the configuration file does not exist; check the path given to --config"));
    }

    @Test
    void crossKeyChecksRunAfterParsing() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("shutdown.drain-timeout=40s"))
                        .build()
                        .load());

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("shutdown.drain-timeout");
            assertThat(p.message()).contains("\"40s\"").contains("shutdown.timeout");
        });
    }

    @Test
    void aDataDirUnderARegularFileIsAProblemNamingTheFileInTheWay() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "a file where a directory should be\n");
        Path data = file.resolve("data");

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("data-dir=" + data)).build().load());

        assertThat(e.problems())
                .singleElement()
                .hasToString("data-dir (from --set): \"" + data + "\" cannot be created: \"" + file
                        + "\" is a file, not a directory; set data-dir to a path under a directory, or move that file"
                        + " away");
    }

    @Test
    void aDataDirThatIsARegularFileIsAProblem() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "a file where a directory should be\n");

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().environment(Map.of("MY_APP_DATA_DIR", file.toString()))
                        .build()
                        .load());

        assertThat(e.problems())
                .singleElement()
                .hasToString("data-dir (from environment MY_APP_DATA_DIR): \"" + file
                        + "\" is a file, not a directory; set data-dir to a directory, or move that file away");
    }

    @Test
    void aDataDirThatDoesNotExistYetUnderADirectoryIsNoProblem() {
        Path data = dir.resolve("not-yet").resolve("data");

        assertThat(loader().overrides(List.of("data-dir=" + data))
                        .build()
                        .load()
                        .get(CoreConfigKeys.DATA_DIR))
                .isEqualTo(data);
    }

    @Test
    void readLeavesCrossKeyAndSecretFileChecksToCheckAndLoadRunsBoth() throws IOException {
        Path file = yaml("""
                shutdown:
                  drain-timeout: 40s
                auth:
                  secret: hunter2hunter2
                """);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        ConfigLoader loader = loader().file(file, true).build();

        Config read = loader.read(java.util.Set.of());

        assertThat(read.get(CoreConfigKeys.SHUTDOWN_DRAIN_TIMEOUT)).isEqualTo(Duration.ofSeconds(40));
        assertThat(loader.check(read))
                .extracting(ConfigProblem::key)
                .containsExactly("shutdown.drain-timeout", file.toString());
        assertThat(catchThrowableOfType(ConfigException.class, loader::load).problems())
                .isEqualTo(loader.check(read));
    }

    @Test
    void readStillListsEveryProblemOfParsing() throws IOException {
        Path file = yaml("""
                log:
                  levle: debug
                """);

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().file(file, true)
                        .overrides(List.of("http.port=abc", "shutdown.drain-timeout=40s", "log.level=debug"))
                        .build()
                        .read(java.util.Set.of("log.level")));

        // log.level stands in for a key that names a shared source: its values may change the combination, so the
        // drain timeout is not judged yet.
        assertThat(e.problems()).extracting(ConfigProblem::key).containsExactly("log.levle", "http.port");

        // When no key that names a shared source is set, nothing can change the combination: checked as load() does.
        ConfigException unshared = catchThrowableOfType(
                ConfigException.class,
                () -> loader().file(file, true)
                        .overrides(List.of("http.port=abc", "shutdown.drain-timeout=40s"))
                        .build()
                        .read(java.util.Set.of("log.level")));
        assertThat(unshared.problems())
                .extracting(ConfigProblem::key)
                .containsExactly("log.levle", "http.port", "shutdown.drain-timeout");
    }

    @Test
    void anUnknownKeyFromALayerOrSetLeavesTheChecksToRun() {
        ConfigLayer etcd = new ConfigLayer(
                "etcd", List.of(new ConfigLayer.Value("log.levle", "debug", "etcd e /p/log.levle")), List.of());

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().layer(etcd)
                        .overrides(List.of("http.prot=1", "shutdown.drain-timeout=40s"))
                        .build()
                        .load());

        // An unknown key names no value any check reads, so the drain timeout is judged in the same run, as it is
        // after an unknown key in the file (readStillListsEveryProblemOfParsing).
        assertThat(e.problems())
                .extracting(ConfigProblem::key)
                .containsExactly("log.levle", "http.prot", "shutdown.drain-timeout");
    }

    @Test
    void aValueThatDoesNotParseIsListedWithTheProblemsOfChecksThatDoNotReadIt() {
        ConfigSchema schema = ConfigSchema.builder()
                .add(CoreConfigKeys.all())
                .add(PORT, HOST)
                .check(CoreConfigKeys::check)
                .check(config -> config.get(PORT) < 1024
                        ? List.of(new ConfigProblem(PORT.name(), config.source(PORT), "is a privileged port"))
                        : List.of())
                .build();

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> ConfigLoader.builder(schema)
                        .overrides(List.of("http.port=abc", "shutdown.drain-timeout=40s"))
                        .build()
                        .load());

        // The drain timeout's check reads nothing that failed, so it is listed in the same run; the port check
        // reads the port that did not parse and is skipped rather than judging the default 8080.
        assertThat(e.problems()).extracting(ConfigProblem::key).containsExactly("http.port", "shutdown.drain-timeout");
        assertThat(e.problems().get(1).message()).contains("\"40s\"").contains("shutdown.timeout");
    }

    @Test
    void aCheckThatReadsAValueThatDidNotParseIsSkippedNotRunOnTheDefault() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("shutdown.timeout=soon", "shutdown.drain-timeout=40s"))
                        .build()
                        .load());

        // With the default shutdown.timeout (30s) in place of "soon", the check would report the 40s drain.
        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("shutdown.timeout");
            assertThat(p.message()).contains("\"soon\" is not valid");
        });
    }

    @Test
    void noCheckRunsWhenTheFileCannotBeParsed() throws IOException {
        Path file = yaml("shutdown: [unclosed\n");

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().file(file, true)
                        .overrides(List.of("shutdown.drain-timeout=40s"))
                        .build()
                        .load());

        // The file may set shutdown.timeout: nothing is judged against a default in its place.
        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("is not valid YAML"));
    }

    @Test
    void aSecretFileIsCheckedWhenAnotherValueDidNotParse() throws IOException {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "hunter2hunter2");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        ConfigKey<Path> secretFile = ConfigKey.builder("auth.secret-file", ConfigType.secretFile())
                .description("secret file")
                .build();
        ConfigSchema schema = ConfigSchema.builder()
                .add(CoreConfigKeys.all())
                .add(PORT, secretFile)
                .build();

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> ConfigLoader.builder(schema)
                        .overrides(List.of("http.port=abc", "auth.secret-file=" + secret))
                        .build()
                        .load());

        assertThat(e.problems()).extracting(ConfigProblem::key).containsExactly("http.port", "auth.secret-file");
    }

    @Test
    void aBlankYamlKeyIsNamedQuotedAndNeverTakenForTheTopOfTheFile() throws IOException {
        Path file = yaml("""
                "":
                  http:
                    port: 9
                http:
                  "": 1
                """);

        ConfigException e = catchThrowableOfType(
                ConfigException.class, () -> loader().file(file, true).build().load());
        ConfigException scalar = catchThrowableOfType(
                ConfigException.class,
                () -> loader().file(yaml("\"\": empty key\n"), true).build().load());

        // Before, a mapping under "" was read as the top of the file (http.port 9), and the key "" was reported
        // with no name at all (the fuzz input crash-blank-yaml-key replays that).
        assertThat(e.problems()).extracting(ConfigProblem::key).containsExactly("\"\".http.port", "http.\"\"");
        assertThat(scalar.problems()).extracting(ConfigProblem::key).containsExactly("\"\"");
        assertThat(e.problems())
                .allSatisfy(p -> assertThat(p.message()).startsWith("is not a known configuration key"));
    }

    @Test
    void aBlankKeyInSetIsNamedQuoted() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of(" =1")).build().load());

        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.key()).isEqualTo("\"\""));
    }

    @Test
    void syslogKeysAreCheckedTogether() {
        ConfigException typo = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("log.syslog.facility=deamon"))
                        .build()
                        .load());
        assertThat(typo.problems()).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("log.syslog.facility");
            assertThat(p.message()).contains("\"deamon\"").contains("did you mean \"daemon\"?");
        });

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("log.syslog.transport=unix", "log.syslog.max-message-size=100KB"))
                        .build()
                        .load());
        assertThat(e.problems()).hasSize(2);
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.key()).isEqualTo("log.syslog.max-message-size");
            assertThat(p.message()).contains("\"100KB\"").contains("1KB to 60KB");
        });
        // servicekit-systemd, which provides UNIX datagram sockets, is not on core's test class path
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.key()).isEqualTo("log.syslog.transport");
            assertThat(p.message()).contains("\"unix\"").contains("use udp, tcp or tls");
        });
    }

    @Test
    void syslogSettingsComeFromTheKeysAndAreOffByDefault() {
        assertThat(SyslogSettings.from(loader().build().load(), "svc")).isEmpty();

        Config config = loader().overrides(List.of(
                        "log.syslog.transport=TCP",
                        "log.syslog.host=logs.example.com",
                        "log.syslog.port=6514",
                        "log.syslog.facility=local3",
                        "log.syslog.bom=true"))
                .build()
                .load();
        assertThat(SyslogSettings.from(config, "svc"))
                .contains(new SyslogSettings(
                        SyslogSettings.Transport.TCP,
                        Path.of("/dev/log"),
                        "logs.example.com",
                        6514,
                        19,
                        8192,
                        true,
                        "svc"));
    }

    @Test
    void secretsAreMaskedInProblemsAndInTheEffectiveConfig() {
        Config config = loader().overrides(List.of("auth.secret=hunter2hunter2"))
                .build()
                .load();

        assertThat(config.get(SECRET)).isEqualTo("hunter2hunter2");
        assertThat(config.toMap().toString()).doesNotContain("hunter2").contains(Config.MASK);

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("auth.secret=  ")).build().load());
        assertThat(e.getMessage()).doesNotContain("  \"").contains(Config.MASK);
    }

    @Test
    void listsComeFromYamlSequencesOrCommaSeparatedText() throws IOException {
        Path file = yaml("cors:\n  origins: [https://a.example, https://b.example]\n");

        assertThat(loader().file(file, true).build().load().get(ORIGINS))
                .containsExactly("https://a.example", "https://b.example");
        assertThat(loader().environment(Map.of("MY_APP_CORS_ORIGINS", "x,y"))
                        .build()
                        .load()
                        .get(ORIGINS))
                .containsExactly("x", "y");
    }

    @Test
    void mappingWhereAValueBelongsIsAProblem() throws IOException {
        Path file = yaml("http:\n  port:\n    number: 1\n");

        ConfigException e = catchThrowableOfType(
                ConfigException.class, () -> loader().file(file, true).build().load());

        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.key()).isEqualTo("http.port.number"));
    }

    @Test
    void setWithoutEqualsSignIsAProblem() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("http.port")).build().load());

        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("--set http.port=8081"));
    }

    @Test
    void derivedDefaultsFollowTheKeysTheyDependOnUnlessSetThemselves() {
        assertThat(loader().overrides(List.of("data-dir=/srv/app"))
                        .build()
                        .load()
                        .get(DB))
                .isEqualTo(Path.of("/srv/app/app.db"));
        assertThat(loader().overrides(List.of("data-dir=/srv/app", "store.file=/x.db"))
                        .build()
                        .load()
                        .get(DB))
                .isEqualTo(Path.of("/x.db"));
        assertThat(loader().overrides(List.of("data-dir=/srv/app"))
                        .build()
                        .load()
                        .toMap()
                        .toString())
                .contains("file=/srv/app/app.db");
        assertThat(DB.defaultText()).isEqualTo("<data-dir>/app.db");
    }

    @Test
    void hashChangesWithTheEffectiveValues() {
        String a = loader().build().load().hash();
        String b = loader().overrides(List.of("http.port=81")).build().load().hash();

        assertThat(a).hasSize(12).isNotEqualTo(b);
        assertThat(loader().build().load().hash()).isEqualTo(a);
    }

    @Test
    void theHashDoesNotDependOnSecretValuesSoItCannotBeUsedToGuessThem() {
        String one = loader().overrides(List.of("auth.secret=first-secret-value"))
                .build()
                .load()
                .hash();
        String other = loader().overrides(List.of("auth.secret=other-secret-value"))
                .build()
                .load()
                .hash();
        String unset = loader().build().load().hash();

        // /admin/status shows the hash: with the secret in it, whoever knows the other values could test guesses
        // of the secret offline. Whether a secret is set still counts.
        assertThat(one).isEqualTo(other).isNotEqualTo(unset);
    }
}
