package dev.servicekit.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the service manager has the service configured, read back from the manager itself (on Windows:
 * {@code QueryServiceConfig} and {@code QueryServiceConfig2}), for {@code status}. Empty where the manager does not
 * say.
 *
 * @param startType                        when the manager starts it ({@link StartType#DELAYED}: automatic, delayed)
 * @param account                          the account it runs as
 * @param displayName                      the name shown in service lists
 * @param description                      the description shown in service lists
 * @param dependencies                     services that must run first
 * @param failureActions                   the recovery actions, in order
 * @param resetAfter                       after how long without failure the failure count resets
 * @param failureActionsOnNonCrashFailures whether the recovery actions also fire when the service stops with a
 *                                         non-zero exit code (not only when its process dies)
 * @param serviceSidType                   the service SID type: {@code none}, {@code unrestricted}, {@code restricted}
 * @param preshutdownTimeout               how long the manager waits for the service at system shutdown
 * @param command                          the command line the manager starts
 * @param notes                            how values were read where not from the manager's own API, e.g. a
 *                                         setting the manager's API does not know, read from where it keeps it
 */
public record ServiceConfiguration(
        Optional<StartType> startType,
        Optional<String> account,
        Optional<String> displayName,
        Optional<String> description,
        List<String> dependencies,
        List<FailureAction> failureActions,
        Optional<Duration> resetAfter,
        Optional<Boolean> failureActionsOnNonCrashFailures,
        Optional<String> serviceSidType,
        Optional<Duration> preshutdownTimeout,
        Optional<String> command,
        List<String> notes) {

    /** Checks for nulls and copies the lists. */
    public ServiceConfiguration {
        Objects.requireNonNull(startType, "startType");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(description, "description");
        dependencies = List.copyOf(dependencies);
        failureActions = List.copyOf(failureActions);
        Objects.requireNonNull(resetAfter, "resetAfter");
        Objects.requireNonNull(failureActionsOnNonCrashFailures, "failureActionsOnNonCrashFailures");
        Objects.requireNonNull(serviceSidType, "serviceSidType");
        Objects.requireNonNull(preshutdownTimeout, "preshutdownTimeout");
        Objects.requireNonNull(command, "command");
        notes = List.copyOf(notes);
    }

    /**
     * The JSON view {@code status --json} prints under {@code manager.configuration}: {@code startType} (the
     * {@code --start-type} spelling), {@code delayedAutoStart}, {@code account}, {@code displayName},
     * {@code description}, {@code dependencies}, {@code failureActions} (each {@code action} {@code restart} or
     * {@code none} with {@code delayMillis}), {@code resetAfterSeconds}, {@code failureActionsOnNonCrashFailures},
     * {@code serviceSidType}, {@code preshutdownTimeoutMillis}, {@code command}, {@code notes}; null where unknown.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("startType", startType.map(StartType::cliName).orElse(null));
        view.put("delayedAutoStart", startType.map(t -> t == StartType.DELAYED).orElse(null));
        view.put("account", account.orElse(null));
        view.put("displayName", displayName.orElse(null));
        view.put("description", description.orElse(null));
        view.put("dependencies", dependencies);
        List<Map<String, Object>> actions = new ArrayList<>();
        for (FailureAction action : failureActions) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("action", action.kind() == FailureAction.Kind.RESTART ? "restart" : "none");
            a.put("delayMillis", action.delay().toMillis());
            actions.add(a);
        }
        view.put("failureActions", actions);
        view.put("resetAfterSeconds", resetAfter.map(Duration::getSeconds).orElse(null));
        view.put("failureActionsOnNonCrashFailures", failureActionsOnNonCrashFailures.orElse(null));
        view.put("serviceSidType", serviceSidType.orElse(null));
        view.put(
                "preshutdownTimeoutMillis",
                preshutdownTimeout.map(Duration::toMillis).orElse(null));
        view.put("command", command.orElse(null));
        view.put("notes", notes);
        return view;
    }
}
