package dev.servicekit.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.core.importer.Locations;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries, checked on the compiled main classes of every module (HOUSE-STYLE 1, 2 and 21; SPEC §2).
 * A rule that breaks names the class and the dependency that crossed the line.
 */
class ModuleBoundariesTest {

    /** The toolkit's own modules, by package. */
    static final String[] TOOLKIT = {
        "dev.servicekit.spi..",
        "dev.servicekit.scm..",
        "dev.servicekit.launcher..",
        "dev.servicekit.core..",
        "dev.servicekit.etcd..",
        "dev.servicekit.http..",
        "dev.servicekit.systemd..",
        "dev.servicekit.windows..",
        "dev.servicekit.testing.."
    };
    /** The applications built on it. */
    static final String[] APPLICATIONS = {"dev.servicekit.users..", "dev.servicekit.examples.."};
    /** Where the applications' classes are (their jars are shaded, so they are not on this module's class path). */
    static final List<Path> APPLICATION_CLASSES = List.of(
            Path.of("..", "users-service", "target", "classes"),
            Path.of("..", "examples", "hello-service", "target", "classes"));

    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        for (Path dir : APPLICATION_CLASSES) {
            assertThat(dir)
                    .as(
                            "%s: build the whole reactor (./mvnw verify), the applications' classes are read from there",
                            dir)
                    .isDirectory();
        }
        ClassFileImporter importer =
                new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS);
        Set<Location> locations = new HashSet<>(Locations.ofPackage("dev.servicekit"));
        APPLICATION_CLASSES.forEach(dir -> locations.add(Location.of(dir)));
        classes = importer.importLocations(locations);
        assertThat(classes.stream().map(c -> c.getPackageName()).distinct())
                .as("every module's classes were imported")
                .contains(
                        "dev.servicekit.spi",
                        "dev.servicekit.core",
                        "dev.servicekit.http",
                        "dev.servicekit.windows",
                        "dev.servicekit.systemd",
                        "dev.servicekit.etcd",
                        "dev.servicekit.testing",
                        "dev.servicekit.users",
                        "dev.servicekit.examples.hello");
    }

    @Test
    void jnaIsUsedOnlyByThePlatformModulesAndTheTestKit() {
        ArchRule rule = noClasses()
                .that()
                .resideOutsideOfPackages(
                        "dev.servicekit.windows..", "dev.servicekit.systemd..", "dev.servicekit.testing..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("com.sun.jna..")
                .because(
                        "native calls belong to the platform module that needs them (the test kit's notify socket is the one exception)");
        rule.check(classes);
    }

    @Test
    void noToolkitModuleDependsOnAnApplication() {
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(TOOLKIT)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(APPLICATIONS)
                .because("applications are built on the toolkit, never the other way round");
        rule.check(classes);
    }

    @Test
    void httpGlueLivesOnlyInServicekitHttpAmongTheToolkitModules() {
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(TOOLKIT)
                .and()
                .resideOutsideOfPackage("dev.servicekit.http..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.helidon..", "io.micrometer..", "com.nimbusds..")
                .because(
                        "the HTTP engine, metrics and JWT are servicekit-http's; other toolkit modules stay free of them");
        rule.check(classes);
    }

    @Test
    void coreFindsPlatformsAndSharedSourcesThroughServiceLoaderNeverByName() {
        ArchRule rule = noClasses()
                .that()
                .resideInAPackage("dev.servicekit.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.servicekit.windows..",
                        "dev.servicekit.systemd..",
                        "dev.servicekit.etcd..",
                        "dev.servicekit.http..",
                        "dev.servicekit.scm..",
                        "dev.servicekit.testing..")
                .because("platform modules and shared configuration sources plug in through the SPI (SPEC §2)");
        rule.check(classes);
    }

    @Test
    void theSpiAndTheScmSeamDependOnNoOtherServicekitModule() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.servicekit.spi..", "dev.servicekit.scm..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.servicekit.core..",
                        "dev.servicekit.http..",
                        "dev.servicekit.windows..",
                        "dev.servicekit.systemd..",
                        "dev.servicekit.etcd..",
                        "dev.servicekit.testing..",
                        "dev.servicekit.launcher..")
                .because(
                        "they are what the other modules build on; they are compiled for Java 17 with nothing above them")
                .check(classes);
    }

    @Test
    void platformModulesDoNotDependOnCoreOrHttp() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.servicekit.windows..", "dev.servicekit.systemd..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.servicekit.core..", "dev.servicekit.http..", "dev.servicekit.etcd..")
                .because(
                        "platform modules implement the SPI only; servicekit-windows must load on the Java 17 Windows JVM")
                .check(classes);
    }

    @Test
    void theTestKitDependsOnlyOnTheSpiAndTheScmSeam() {
        noClasses()
                .that()
                .resideInAPackage("dev.servicekit.testing..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.servicekit.core..",
                        "dev.servicekit.http..",
                        "dev.servicekit.windows..",
                        "dev.servicekit.systemd..",
                        "dev.servicekit.etcd..")
                .because("every module's tests use the test kit, so it must not depend on them (that would be a cycle)")
                .check(classes);
    }

    @Test
    void theLauncherStandsAlone() {
        noClasses()
                .that()
                .resideInAPackage("dev.servicekit.launcher..")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("dev.servicekit.launcher..", "java..")
                .because("it is loaded by whatever java a machine defaults to, Java 8 included, before anything else")
                .check(classes);
    }

    @Test
    void applicationsReadTheirClassesFromBuiltModules() throws Exception {
        for (Path dir : APPLICATION_CLASSES) {
            try (var files = Files.walk(dir)) {
                assertThat(files.anyMatch(f -> f.toString().endsWith(".class")))
                        .as("%s holds compiled classes", dir)
                        .isTrue();
            }
        }
    }
}
