package dev.servicekit.windows;

import dev.servicekit.spi.Diagnosis;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Run under Wine's Java by {@link WineScmIT}: the "log on as a service" check with the real {@link JnaLsa} for each
 * account given ({@code --current-user}: the account this process runs as), one line each:
 * {@code account=<name> | lsa=<what the LSA answered, or "not asked"> | verdict=<verdict> | <finding>}.
 */
public final class LsaProbe {

    private LsaProbe() {}

    public static void main(String[] args) {
        JnaLsa real = new JnaLsa();
        for (String arg : args) {
            String account = arg.equals("--current-user") ? System.getProperty("user.name") : arg;
            AtomicReference<String> answered = new AtomicReference<>("not asked");
            Diagnosis finding = WindowsServiceChecks.logonRightFinding(Optional.of(account), name -> {
                WindowsServiceChecks.Rights rights = real.rightsOf(name);
                answered.set(
                        rights instanceof WindowsServiceChecks.Rights.Failed failed
                                ? failed.call() + " " + WindowsServiceChecks.hex(failed.status()) + " "
                                        + failed.windowsError()
                                : rights.toString());
                return rights;
            });
            System.out.println("account=" + account + " | lsa=" + answered.get() + " | verdict=" + finding.verdict()
                    + " | " + finding.finding());
        }
    }
}
