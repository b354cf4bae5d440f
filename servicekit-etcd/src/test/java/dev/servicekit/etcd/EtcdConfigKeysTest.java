package dev.servicekit.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ConfigLoader;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.testing.TestIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config.etcd.* keys join every schema built from CoreConfigKeys while this module is on the class path. */
class EtcdConfigKeysTest {

    static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(CoreConfigKeys.all())
            .check(CoreConfigKeys::check)
            .build();

    private ConfigLoader.Builder loader() {
        return ConfigLoader.builder(SCHEMA).environmentPrefix("MY_APP");
    }

    @Test
    void theEtcdKeysArePartOfTheCoreKeysOnThisClassPath() {
        assertThat(CoreConfigKeys.all()).containsAll(EtcdConfigKeys.all());
    }

    @Test
    void etcdEndpointsMustBeHttpUrlsAndRequiredNeedsOne() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("config.etcd.endpoints=http://a:2379,etcd-2:2379"))
                        .build()
                        .load());
        assertThat(e.problems()).extracting(ConfigProblem::key).containsExactly("config.etcd.endpoints");
        assertThat(e.problems().getFirst().message())
                .contains("\"http://a:2379,etcd-2:2379\"")
                .contains("http:// or https:// URL");

        e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("config.etcd.required=true"))
                        .build()
                        .load());
        assertThat(e.problems())
                .extracting(ConfigProblem::toString)
                .containsExactly(
                        "config.etcd.required (from --set): "
                                + "\"true\" needs at least one etcd endpoint; set config.etcd.endpoints or set config.etcd.required to false");

        Config ok = loader().overrides(List.of("config.etcd.endpoints=https://etcd-1:2379, http://127.0.0.1:2379"))
                .build()
                .load();
        assertThat(ok.get(EtcdConfigKeys.CONFIG_ETCD_ENDPOINTS))
                .extracting(Object::toString)
                .containsExactly("https://etcd-1:2379", "http://127.0.0.1:2379");
        assertThat(ok.find(EtcdConfigKeys.CONFIG_ETCD_PREFIX)).isEmpty();
    }

    @Test
    void theResyncIntervalDefaultsTo30sAndMustBeAtLeastOneSecond() {
        assertThat(loader().build().load().get(EtcdConfigKeys.CONFIG_ETCD_RESYNC_INTERVAL))
                .isEqualTo(Duration.ofSeconds(30));

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("config.etcd.resync-interval=500ms"))
                        .build()
                        .load());
        assertThat(e.problems())
                .extracting(ConfigProblem::toString)
                .containsExactly("config.etcd.resync-interval (from --set): \"500ms\" is too short, it would read"
                        + " etcd's prefix that often; use at least 1s (default 30s)");

        Config ok = loader().overrides(List.of("config.etcd.resync-interval=1s"))
                .build()
                .load();
        assertThat(ok.get(EtcdConfigKeys.CONFIG_ETCD_RESYNC_INTERVAL)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aUserNeedsAPasswordFileThatGivesOneAndAPasswordFileAUser(@TempDir Path dir) throws Exception {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("config.etcd.username=svc"))
                        .build()
                        .load());
        assertThat(e.problems())
                .extracting(ConfigProblem::toString)
                .containsExactly("config.etcd.username (from --set): \"svc\" needs its password: set"
                        + " config.etcd.password-file to a file (chmod 600) whose first line is the password");

        Path password = Files.writeString(dir.resolve("etcd-password"), "secret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("config.etcd.password-file=" + password))
                        .build()
                        .load());
        assertThat(e.problems())
                .extracting(ConfigProblem::toString)
                .containsExactly("config.etcd.password-file (from --set): a password needs its user: set"
                        + " config.etcd.username, or unset config.etcd.password-file");

        Path empty = Files.writeString(dir.resolve("empty-password"), "\nsecret on the second line\n");
        Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rw-------"));
        e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("config.etcd.username=svc", "config.etcd.password-file=" + empty))
                        .build()
                        .load());
        assertThat(e.problems())
                .extracting(ConfigProblem::toString)
                .containsExactly("config.etcd.password-file (from --set): \"" + empty + "\" holds no password (its"
                        + " first line is empty); write the etcd user's password on its first line");

        Path shared = Files.writeString(dir.resolve("shared-password"), "secret\n");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
        e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("config.etcd.username=svc", "config.etcd.password-file=" + shared))
                        .build()
                        .load());
        assertThat(e.problems())
                .as("a secret file: refused when others may read it")
                .extracting(ConfigProblem::key)
                .containsExactly("config.etcd.password-file");

        Config ok = loader().overrides(List.of("config.etcd.username=svc", "config.etcd.password-file=" + password))
                .build()
                .load();
        assertThat(ok.find(EtcdConfigKeys.CONFIG_ETCD_USERNAME)).contains("svc");
        assertThat(ok.find(EtcdConfigKeys.CONFIG_ETCD_PASSWORD_FILE)).contains(password);
    }

    @Test
    void theTlsFilesMustMakeATlsContextForAnHttpsEndpoint(@TempDir Path dir) throws Exception {
        List<TestIdentities.Identity> identities = TestIdentities.generate(dir, "client:EC", "other:EC");
        TestIdentities.Identity client = identities.get(0);
        TestIdentities.Identity other = identities.get(1);
        for (TestIdentities.Identity identity : identities) {
            Files.setPosixFilePermissions(identity.privateKeyPem(), PosixFilePermissions.fromString("rw-------"));
        }
        String https = "config.etcd.endpoints=https://etcd-1:2379";

        assertThat(tlsProblems(https, "config.etcd.tls.cert-file=" + client.certificatePem()))
                .containsExactly("config.etcd.tls.cert-file (from --set): a client certificate needs its private key:"
                        + " set config.etcd.tls.key-file");
        assertThat(tlsProblems(
                        "config.etcd.endpoints=http://127.0.0.1:2379",
                        "config.etcd.tls.ca-file=" + client.certificatePem()))
                .containsExactly("config.etcd.tls.ca-file (from --set): applies to https:// endpoints, and"
                        + " config.etcd.endpoints has none; use https:// endpoints, or unset the config.etcd.tls.*"
                        + " keys");
        assertThat(tlsProblems(https, "config.etcd.tls.ca-file=" + dir.resolve("missing.pem")))
                .containsExactly("config.etcd.tls.ca-file (from --set): \"" + dir.resolve("missing.pem")
                        + "\" does not exist; check the path");
        assertThat(tlsProblems(
                        https,
                        "config.etcd.tls.cert-file=" + client.privateKeyPem(),
                        "config.etcd.tls.key-file=" + client.privateKeyPem()))
                .singleElement()
                .asString()
                .startsWith("config.etcd.tls.cert-file (from --set): \"" + client.privateKeyPem()
                        + "\" holds no PEM certificate")
                .contains("did you swap config.etcd.tls.cert-file and config.etcd.tls.key-file?");
        assertThat(tlsProblems(
                        https,
                        "config.etcd.tls.cert-file=" + client.certificatePem(),
                        "config.etcd.tls.key-file=" + other.privateKeyPem()))
                .singleElement()
                .asString()
                .startsWith("config.etcd.tls.key-file (from --set): \"" + other.privateKeyPem()
                        + "\" is not the key of the certificate in \"" + client.certificatePem() + "\"");
        Path sec1 = Files.writeString(dir.resolve("sec1.pem"), TestIdentities.pem("EC PRIVATE KEY", new byte[] {1}));
        Path encrypted =
                Files.writeString(dir.resolve("enc.pem"), TestIdentities.pem("ENCRYPTED PRIVATE KEY", new byte[] {1}));
        for (Path key : List.of(sec1, encrypted, client.certificatePem())) {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        }
        assertThat(tlsProblems(
                        https,
                        "config.etcd.tls.cert-file=" + client.certificatePem(),
                        "config.etcd.tls.key-file=" + sec1))
                .singleElement()
                .asString()
                .contains("is an EC key in SEC 1 form, not PKCS#8; convert it: openssl pkcs8 -topk8 -nocrypt");
        assertThat(tlsProblems(
                        https,
                        "config.etcd.tls.cert-file=" + client.certificatePem(),
                        "config.etcd.tls.key-file=" + encrypted))
                .singleElement()
                .asString()
                .contains("is encrypted; store it unencrypted with owner-only permissions");
        assertThat(tlsProblems(
                        https,
                        "config.etcd.tls.cert-file=" + client.certificatePem(),
                        "config.etcd.tls.key-file=" + client.certificatePem()))
                .singleElement()
                .asString()
                .contains("holds no PEM private key")
                .contains("it holds a certificate: did you swap");
        assertThat(tlsProblems(
                        https,
                        "config.etcd.tls.ca-file=" + other.certificatePem(),
                        "config.etcd.tls.cert-file=" + client.certificatePem(),
                        "config.etcd.tls.key-file=" + client.privateKeyPem()))
                .isEmpty();
    }

    /** The problems of a configuration with these {@code --set} values, as "key (from source): message". */
    private List<String> tlsProblems(String... overrides) {
        try {
            loader().overrides(List.of(overrides)).build().load();
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
    }
}
