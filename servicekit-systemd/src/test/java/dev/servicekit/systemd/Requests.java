package dev.servicekit.systemd;

import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.StartType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The install requests the golden files are rendered from. */
final class Requests {

    static final Path JAVA = Path.of("/usr/lib/jvm/temurin-21-jre/bin/java");
    static final Path JAR = Path.of("/opt/users-service/users-service.jar");

    private Requests() {}

    static InstallRequest defaults() {
        return request(
                ServiceRef.system("users-service"),
                Optional.empty(),
                List.of(),
                FailureAction.parseList("restart:5s,restart:30s,none"),
                launch(JAVA, JAR, List.of("-Xmx256m")));
    }

    static InstallRequest user() {
        return request(
                new ServiceRef("users-service", true, Optional.empty()),
                Optional.empty(),
                List.of(),
                FailureAction.parseList("restart:5s,restart:30s,none"),
                launch(JAVA, JAR, List.of("-Xmx256m")));
    }

    static InstallRequest account() {
        return request(
                ServiceRef.system("users-service"),
                Optional.of("svc-users:svc-users"),
                List.of(),
                FailureAction.parseList("restart:5s,restart:30s,none"),
                launch(JAVA, JAR, List.of("-Xmx256m")));
    }

    static InstallRequest dependencies() {
        return request(
                ServiceRef.system("users-service"),
                Optional.empty(),
                List.of("postgresql", "network-online.target", "etcd.service"),
                FailureAction.parseList("restart:5s,restart:30s,none"),
                launch(JAVA, JAR, List.of("-Xmx256m")));
    }

    static InstallRequest restartForever() {
        return request(
                ServiceRef.system("users-service"),
                Optional.empty(),
                List.of(),
                FailureAction.parseList("restart:10s,restart:1m"),
                launch(JAVA, JAR, List.of("-Xmx256m")));
    }

    static InstallRequest pathsWithSpaces() {
        return request(
                ServiceRef.system("users-service"),
                Optional.empty(),
                List.of(),
                FailureAction.parseList("restart:5s,restart:30s,none"),
                new LaunchCommand(
                        Path.of("/opt/Java Runtimes/jdk 21/bin/java"),
                        List.of("-Xmx256m", "-Dgreeting=Hello \"world\" 100% $HOME", "-Dwin=C:\\temp\\x"),
                        Path.of("/srv/my apps/users service.jar"),
                        List.of(
                                "--config",
                                "/etc/users service/config.yaml",
                                "--set",
                                "banner=it's ${USER}",
                                ";",
                                "")));
    }

    /** Instance {@code instance} of the system service, installed with its own configuration file or none. */
    static InstallRequest instance(String instance, boolean withConfig) {
        return request(
                ServiceRef.system("users-service").withInstance(instance),
                Optional.empty(),
                List.of(),
                FailureAction.parseList("restart:5s,restart:30s,none"),
                new LaunchCommand(
                        JAVA,
                        List.of("-Xmx256m"),
                        JAR,
                        withConfig ? List.of("--config", "/etc/users-service/" + instance + ".yaml") : List.of()));
    }

    /** Instance {@code instance} of the {@code --user} service, without arguments. */
    static InstallRequest userInstance(String instance) {
        return request(
                new ServiceRef("users-service", true, Optional.empty(), Optional.of(instance)),
                Optional.empty(),
                List.of(),
                FailureAction.parseList("restart:5s,restart:30s,none"),
                new LaunchCommand(JAVA, List.of("-Xmx256m"), JAR, List.of()));
    }

    static InstallRequest request(
            ServiceRef service,
            Optional<String> account,
            List<String> dependsOn,
            List<FailureAction> onFailure,
            LaunchCommand launch) {
        return new InstallRequest(
                service,
                "Users Service",
                "Stores users and serves them over HTTP.",
                StartType.AUTO,
                account,
                Optional.empty(),
                dependsOn,
                onFailure,
                Duration.ofDays(1),
                Duration.ofSeconds(30),
                launch,
                false);
    }

    static LaunchCommand launch(Path java, Path jar, List<String> jvmOptions) {
        return new LaunchCommand(java, jvmOptions, jar, List.of("--config", "/etc/users-service/config.yaml"));
    }

    /** The same request launched by another JVM (e.g. one that exists, for systemd-analyze verify). */
    static InstallRequest withJava(InstallRequest r, Path java) {
        LaunchCommand l = r.launch();
        return new InstallRequest(
                r.service(),
                r.displayName(),
                r.description(),
                r.startType(),
                r.account(),
                r.password(),
                r.dependsOn(),
                r.onFailure(),
                r.resetAfter(),
                r.stopTimeout(),
                new LaunchCommand(java, l.jvmOptions(), l.jar(), l.arguments()),
                r.dryRun());
    }

    static InstallRequest withStartType(InstallRequest r, StartType type) {
        return new InstallRequest(
                r.service(),
                r.displayName(),
                r.description(),
                type,
                r.account(),
                r.password(),
                r.dependsOn(),
                r.onFailure(),
                r.resetAfter(),
                r.stopTimeout(),
                r.launch(),
                r.dryRun());
    }

    static InstallRequest withService(InstallRequest r, ServiceRef service) {
        return new InstallRequest(
                service,
                r.displayName(),
                r.description(),
                r.startType(),
                r.account(),
                r.password(),
                r.dependsOn(),
                r.onFailure(),
                r.resetAfter(),
                r.stopTimeout(),
                r.launch(),
                r.dryRun());
    }
}
