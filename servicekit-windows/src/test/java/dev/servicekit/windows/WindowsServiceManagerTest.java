package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.servicekit.scm.ScmApi;
import dev.servicekit.scm.ScmStatus;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceManagers;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.testing.FakeManagedService;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WindowsServiceManagerTest {

    @Test
    void isFoundByServiceLoaderAsPlatformWindowsWithOrder10() {
        assertThat(ServiceManagers.load().all())
                .filteredOn(m -> m.platform().equals("windows"))
                .singleElement()
                .isInstanceOf(WindowsServiceManager.class)
                .extracting(ServiceManager::order)
                .isEqualTo(10);
    }

    @Test
    void isAvailableOnlyOnWindows() {
        boolean windows = System.getProperty("os.name").startsWith("Windows");

        assertThat(new WindowsServiceManager().isAvailable()).isEqualTo(windows);
    }

    @Test
    void runManagedOffWindowsIsNotStartedByAnScmAndTouchesNoNativeCode() {
        assumeFalse(
                System.getProperty("os.name").startsWith("Windows"),
                "runs off Windows only: on Windows runManaged would talk to the real SCM");
        assertThat(new WindowsServiceManager().runManaged(FakeManagedService.named("users-service")))
                .isEmpty();
    }

    @Test
    void installedLaunchOffWindowsIsEmptyAtOnceAndTouchesNoNativeCode() {
        assumeFalse(
                System.getProperty("os.name").startsWith("Windows"),
                "runs off Windows only: on Windows installedLaunch would ask the real SCM");
        // without the availability check this fails: loading advapi32 throws an Error here, which nothing catches
        assertThat(new WindowsServiceManager().installedLaunch(ServiceRef.system("users-service")))
                .isEmpty();
    }

    @Test
    void accessDeniedMeansExit77WithTheElevationHint() {
        ServiceManagerException e =
                ScmErrors.failure("install users-service", "users-service", 5, code -> "Access is denied.");

        assertThat(e.exitCode()).isEqualTo(77);
        assertThat(e).hasMessageContaining("run from an elevated prompt (Run as Administrator)");
    }

    @Test
    void missingServiceMeansExit4AndOtherErrorsExit1WithTheSystemMessage() {
        assertThat(ScmErrors.failure("stop service", "users-service", 1060, code -> "x")
                        .exitCode())
                .isEqualTo(4);
        ServiceManagerException other = ScmErrors.failure(
                "start service \"users-service\"",
                "users-service",
                1058,
                code -> "The service cannot be started, either because it is disabled");

        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other).hasMessageContaining("Win32 error 1058").hasMessageContaining("disabled");
    }

    @Test
    void checkpointsStopAdvancingOnceThePendingOperationOutlivesItsBound() {
        AtomicLong now = new AtomicLong();
        java.util.List<ScmStatus> sent = new java.util.ArrayList<>();
        ScmApi api = new ScmApi() {
            @Override
            public int startServiceCtrlDispatcher(String serviceName, ServiceMain serviceMain) {
                throw new UnsupportedOperationException();
            }

            @Override
            public long registerServiceCtrlHandler(String serviceName, ControlHandler handler) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean setServiceStatus(long statusHandle, ScmStatus status) {
                return sent.add(status);
            }
        };
        ScmStatusReporter reporter = new ScmStatusReporter(api, 1, Duration.ofSeconds(1), now::get);

        reporter.enterPending(ScmApi.SERVICE_START_PENDING, Duration.ofSeconds(10));
        now.set(Duration.ofSeconds(5).toNanos());
        reporter.tick();
        now.set(Duration.ofSeconds(20).toNanos()); // past 10 s + one 3 s wait hint: start is hung
        reporter.tick();
        reporter.tick();

        assertThat(sent).extracting(ScmStatus::checkPoint).containsExactly(1, 2);
        assertThat(sent).extracting(ScmStatus::waitHintMillis).containsOnly(3000);
    }
}
