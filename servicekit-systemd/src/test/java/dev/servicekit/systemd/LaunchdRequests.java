package dev.servicekit.systemd;

import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ServiceRef;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The install requests the launchd golden files are rendered from (macOS paths; the rest as {@link Requests}). */
final class LaunchdRequests {

    static final Path JAVA = Path.of("/Library/Java/JavaVirtualMachines/temurin-21.jdk/Contents/Home/bin/java");
    static final Path JAR = Path.of("/usr/local/opt/users-service/users-service.jar");
    static final Path HOME = Path.of("/Users/alice");
    static final List<FailureAction> RESTARTS = FailureAction.parseList("restart:5s,restart:30s,none");

    private LaunchdRequests() {}

    static InstallRequest defaults() {
        return Requests.request(ServiceRef.system("users-service"), Optional.empty(), List.of(), RESTARTS, launch());
    }

    static InstallRequest user() {
        return Requests.request(
                new ServiceRef("users-service", true, Optional.empty()),
                Optional.empty(),
                List.of(),
                RESTARTS,
                launch());
    }

    static InstallRequest account() {
        return Requests.request(
                ServiceRef.system("users-service"), Optional.of("_users:staff"), List.of(), RESTARTS, launch());
    }

    static InstallRequest restartNone() {
        return Requests.request(
                ServiceRef.system("users-service"),
                Optional.empty(),
                List.of(),
                FailureAction.parseList("none"),
                launch());
    }

    static InstallRequest specialCharacters() {
        return Requests.request(
                ServiceRef.system("users-service"),
                Optional.of("_users"),
                List.of(),
                FailureAction.parseList("restart:500ms"),
                new LaunchCommand(
                        Path.of("/Library/Java Runtimes/jdk 21 & more/bin/java"),
                        List.of(
                                "-Xmx256m",
                                "-Dgreeting=Hello \"world\" <b> 100% $HOME",
                                "-Dwin=C:\\temp\\x",
                                "-Dtab=a\tb"),
                        Path.of("/Users/Shared/R&D apps/users service.jar"),
                        List.of(
                                "--config",
                                "/Users/Shared/R&D apps/config.yaml",
                                "--set",
                                "banner=it's ${USER} & <friends>",
                                ";",
                                "",
                                "]]>")));
    }

    static InstallRequest instance() {
        return Requests.request(
                ServiceRef.system("users-service").withInstance("a"),
                Optional.empty(),
                List.of(),
                RESTARTS,
                new LaunchCommand(
                        JAVA, List.of("-Xmx256m"), JAR, List.of("--config", "/usr/local/etc/users-service/a.yaml")));
    }

    static LaunchCommand launch() {
        return new LaunchCommand(
                JAVA, List.of("-Xmx256m"), JAR, List.of("--config", "/usr/local/etc/users-service/config.yaml"));
    }

    static LaunchdLocation location(InstallRequest request) {
        return LaunchdLocation.of(request.service(), HOME, Path.of("/"));
    }
}
