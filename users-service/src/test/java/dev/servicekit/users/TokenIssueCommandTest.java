package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code token issue}: the token it prints, and an option no token may carry as a usage error (exit 2). */
class TokenIssueCommandTest {

    @TempDir
    Path dir;

    private final UsersCommandLine cli = new UsersCommandLine();

    private int issue(String... options) {
        String[] args = new String[options.length + 4];
        args[0] = "token";
        args[1] = "issue";
        System.arraycopy(options, 0, args, 2, options.length);
        args[args.length - 2] = "--set";
        args[args.length - 1] = "data-dir=" + dir;
        return cli.run(args);
    }

    private String err() {
        return cli.err();
    }

    @Test
    void printsATokenWithTheSubjectScopesAndLifetimeAsked() throws Exception {
        assertThat(issue("--subject", "ops", "--scope", "users:read  admin", "--ttl", "15m"))
                .as(err())
                .isZero();

        var claims = SignedJWT.parse(cli.out().strip()).getJWTClaimsSet();
        assertThat(claims.getSubject()).isEqualTo("ops");
        assertThat(claims.getStringClaim("scope").split(" ")).containsExactlyInAnyOrder("users:read", "admin");
        assertThat(Duration.between(
                        claims.getIssueTime().toInstant(),
                        claims.getExpirationTime().toInstant()))
                .isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void anOptionNoTokenMayCarryIsAUsageErrorSayingWhy() {
        assertThat(issue("--subject", "ops", "--scope", "admin", "--ttl", "-5m"))
                .isEqualTo(2);
        assertThat(err()).contains("--ttl \"-5m\" is not a duration");

        assertThat(issue("--subject", "ops", "--scope", "admin", "--ttl", "0s")).isEqualTo(2);
        assertThat(err()).contains("must be positive");

        assertThat(issue("--subject", " ", "--scope", "admin")).isEqualTo(2);
        assertThat(err()).contains("A token needs a subject");

        assertThat(issue("--subject", "ops", "--scope", "")).isEqualTo(2);
        assertThat(err()).contains("Scope \"\" is not valid");

        assertThat(issue("--subject", "ops", "--scope", "users:\"read\"")).isEqualTo(2);
        assertThat(err()).contains("is not valid; scopes are printable ASCII");
        assertThat(cli.out()).as("no token printed").isEmpty();
    }
}
