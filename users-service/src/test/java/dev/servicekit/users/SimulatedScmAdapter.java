package dev.servicekit.users;

import dev.servicekit.testing.scm.SimulatedScm;
import dev.servicekit.windows.ScmApi;
import dev.servicekit.windows.ScmStatus;

/**
 * Plugs servicekit-testing's simulated SCM into servicekit-windows' {@link ScmApi} seam. (servicekit-windows
 * has the same adapter in its tests; a shared one would need servicekit-testing to depend on
 * servicekit-windows, whose tests depend on servicekit-testing: a cycle Maven refuses.)
 */
final class SimulatedScmAdapter implements ScmApi {

    private final SimulatedScm scm;

    SimulatedScmAdapter(SimulatedScm scm) {
        this.scm = scm;
    }

    @Override
    public int startServiceCtrlDispatcher(String serviceName, ServiceMain serviceMain) {
        return scm.startServiceCtrlDispatcher(serviceName, serviceMain::run);
    }

    @Override
    public long registerServiceCtrlHandler(String serviceName, ControlHandler handler) {
        return scm.registerServiceCtrlHandler(serviceName, handler::handle);
    }

    @Override
    public boolean setServiceStatus(long statusHandle, ScmStatus s) {
        return scm.setServiceStatus(statusHandle, SERVICE_WIN32_OWN_PROCESS, s.currentState(), s.controlsAccepted(), s.win32ExitCode(),
                s.serviceSpecificExitCode(), s.checkPoint(), s.waitHintMillis());
    }
}
