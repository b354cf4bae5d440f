package dev.servicekit.http;

import dev.servicekit.core.Config;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceException;
import dev.servicekit.spi.Durations;
import dev.servicekit.spi.ExitCode;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code token issue --subject S --scope "users:read users:write" [--ttl 1h]}: the operator's way in, signed with
 * the key the service itself uses (found, or generated, as the service finds it). Every HTTP service gets it.
 */
@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        description = "Issues API tokens signed with the service's key.",
        subcommands = TokenCommand.Issue.class)
final class TokenCommand implements Callable<Integer> {

    private final ServiceCli.CommandContext context;
    private final String serviceName;
    private final Clock clock;

    TokenCommand(ServiceCli.CommandContext context, String serviceName, Clock clock) {
        this.context = context;
        this.serviceName = serviceName;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        context.err()
                .println("Usage: " + serviceName
                        + " token issue --subject S --scope \"users:read users:write\" [--ttl 1h]");
        return ExitCode.USAGE.code();
    }

    @Command(
            name = "issue",
            mixinStandardHelpOptions = true,
            description = "Prints a signed bearer token (HS256 with the service's key; generated on first use).")
    static final class Issue implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        TokenCommand parent;

        @Mixin
        ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

        @Option(
                names = "--subject",
                required = true,
                paramLabel = "S",
                description = "The token's subject (sub), e.g. an operator name.")
        String subject;

        @Option(
                names = "--scope",
                required = true,
                paramLabel = "SCOPES",
                description = "Space-separated scopes, e.g. \"users:read users:write admin\".")
        String scope;

        @Option(
                names = "--ttl",
                paramLabel = "DURATION",
                description = "Lifetime, e.g. 15m, 1h, 7d (default: auth.token-ttl).")
        String ttl;

        @Override
        public Integer call() {
            Config config = parent.context.loadConfig(options);
            JwtKeySource key = AuthKeys.resolve(config, parent.serviceName);
            if (!(key instanceof JwtKeySource.HmacSecret)) {
                throw new ServiceException("This service verifies tokens with "
                        + (config.find(AuthConfigKeys.JWKS_URL).isPresent() ? "a JWKS URL" : "a public key")
                        + " and cannot sign any; issue tokens with your identity provider");
            }
            Duration lifetime;
            try {
                lifetime = ttl == null ? config.get(AuthConfigKeys.TOKEN_TTL) : Durations.parse(ttl);
            } catch (IllegalArgumentException e) {
                parent.context.err().println(parent.serviceName + ": --ttl " + e.getMessage());
                return ExitCode.USAGE.code();
            }
            Set<String> scopes = new LinkedHashSet<>(List.of(scope.strip().split("\\s+")));
            JwtSettings settings = AuthConfigKeys.settings(config, key, parent.clock);
            JwtIssuer issuer = JwtIssuer.create(settings);
            String token;
            try {
                token = issuer.issue(subject, scopes, lifetime);
            } catch (IllegalArgumentException e) {
                // A subject, scope or lifetime the options gave that no token may carry: a usage error, as --ttl's.
                parent.context.err().println(parent.serviceName + ": " + e.getMessage());
                return ExitCode.USAGE.code();
            }
            parent.context.out().println(token);
            return ExitCode.OK.code();
        }
    }
}
