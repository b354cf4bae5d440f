package dev.servicekit.http;

import dev.servicekit.core.Config;
import dev.servicekit.core.SecretFilePermissions;
import dev.servicekit.core.ServiceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key discovery and creation: the JWT key comes from the configured public key or JWKS (verify only), or an HS256
 * secret file — the configured one, or {@code <data-dir>/jwt-hs256.key} (the key's derived default), generated with
 * owner-only permissions on first use. Either file is read again by every reload that finds its content changed, so
 * a key rotated in place is picked up by {@code reload}.
 */
final class AuthKeys {

    /**
     * The logger, found when first used: a field would start logging (Logback's auto-configuration) as soon as this
     * class loads, which CLI verbs such as {@code status} do without ever logging.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(AuthKeys.class);
    }

    private static final int SECRET_BYTES = 32;

    private AuthKeys() {}

    /** The key source; generates the default secret file when no key source is configured and it is missing. */
    static JwtKeySource resolve(Config config, String serviceName) {
        Optional<JwtKeySource> external = AuthConfigKeys.publicKeySource(config);
        if (external.isPresent()) {
            return external.get();
        }
        // Without a public key or JWKS the key always has a value: the configured file or its derived default.
        Path file = config.get(AuthConfigKeys.HS256_SECRET_FILE);
        if (config.source(AuthConfigKeys.HS256_SECRET_FILE).equals("default") && !Files.exists(file)) {
            generate(file, serviceName);
        }
        SecretFilePermissions.problem(file).ifPresent(problem -> {
            throw new ServiceException("auth.hs256-secret-file: " + problem);
        });
        return JwtKeySource.hs256Secret(read(file));
    }

    private static void generate(Path file, String serviceName) {
        byte[] secret = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        byte[] text = (Base64.getEncoder().encodeToString(secret) + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file); // no POSIX permissions here (Windows): the data directory's ACL protects it
            }
            Files.write(file, text);
        } catch (FileAlreadyExistsException e) {
            return; // another process (the service, or `token issue`) generated it first
        } catch (IOException e) {
            throw new ServiceException(
                    "Cannot create the JWT signing key " + file + " (" + e.getMessage()
                            + "); make the data directory writable, or set auth.hs256-secret-file",
                    e);
        }
        log().info(
                        "Generated a 256-bit JWT signing key at {} (owner-only). Issue a token with: {} token issue --subject <you> "
                                + "--scope \"admin\" (and the scopes your routes require)",
                        file.toAbsolutePath(),
                        serviceName);
    }

    private static byte[] read(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return Base64.getDecoder().decode(text);
        } catch (IOException e) {
            throw new ServiceException(
                    "Cannot read the JWT signing key " + file + " (" + e.getMessage()
                            + "); check auth.hs256-secret-file and that this account may read it",
                    e);
        } catch (IllegalArgumentException e) {
            throw new ServiceException(
                    "The JWT signing key " + file + " is not base64 text; put a base64-encoded secret of at "
                            + "least 32 bytes in it (e.g. head -c 32 /dev/urandom | base64)",
                    e);
        }
    }
}
