package dev.servicekit.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code status [--json]}: the service manager's view; exit 0 running, 3 not running, 4 not installed. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description =
                "Shows the service manager's view of the service; exit 0 running, 3 not running, 4 not installed.")
final class StatusCommand implements Callable<Integer> {

    private final CliContext cli;

    @CommandLine.Mixin
    CliContext.TargetOptions target = new CliContext.TargetOptions();

    @CommandLine.Mixin
    InstanceOption instance = new InstanceOption();

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    StatusCommand(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        ServiceManager manager = cli.manager(target);
        ServiceRef service = cli.ref(target, instance);
        ServiceStatus status = manager.status(service);
        if (json) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("name", service.name());
            view.put("instance", service.instance().orElse(null));
            view.put("platform", manager.platform());
            view.put("installed", status.installed());
            view.put("running", status.running());
            view.put("state", status.managerState());
            view.put("pid", status.pid().isPresent() ? status.pid().getAsLong() : null);
            view.put(
                    "lastExitCode",
                    status.lastExitCode().isPresent() ? status.lastExitCode().getAsInt() : null);
            view.put(
                    "restarts",
                    status.restarts().isPresent() ? status.restarts().getAsInt() : null);
            cli.out().println(new ObjectMapper().writeValueAsString(view));
        } else {
            cli.out().println(service.id() + ": " + status.summary());
        }
        return status.exitCode();
    }
}
