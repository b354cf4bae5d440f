package dev.servicekit.windows;

import dev.servicekit.testing.scm.SimulatedScm;

/** Plugs the simulated SCM of servicekit-testing into the runner's {@link ScmApi} seam. */
final class SimulatedScmApi implements ScmApi {

    private final SimulatedScm scm;

    SimulatedScmApi(SimulatedScm scm) {
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
