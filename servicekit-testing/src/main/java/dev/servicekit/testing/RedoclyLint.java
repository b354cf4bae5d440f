package dev.servicekit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code @redocly/cli} linter from the npm registry on an OpenAPI document. {@code .ci/run} installs
 * it under {@code .ci/cache/redocly} and names it in {@code SERVICEKIT_REDOCLY}; a test that needs it skips only
 * when neither is there, saying so.
 *
 * {@snippet :
 * Path redocly = RedoclyLint.find().orElse(null);
 * assumeTrue(redocly != null, RedoclyLint.ABSENT);
 * RedoclyLint.Result result = RedoclyLint.lint(redocly, Path.of("target/openapi.yaml"), Path.of("../redocly.yaml"));
 * assertThat(result.exitCode()).as(result.output()).isZero();
 * }
 */
public final class RedoclyLint {

    /** The environment variable {@code .ci/run} sets to the installed {@code redocly} command. */
    public static final String ENVIRONMENT_VARIABLE = "SERVICEKIT_REDOCLY";

    /** The skip message when the linter is absent. */
    public static final String ABSENT = "@redocly/cli is not installed: set " + ENVIRONMENT_VARIABLE
            + " or run `npm install --prefix .ci/cache/redocly @redocly/cli@2.77.0` (as .ci/run does)";

    private static final long TIMEOUT_SECONDS = 120;

    /**
     * What a lint run printed and how it ended.
     *
     * @param exitCode the linter's exit code: 0 when the document passes
     * @param output   its standard output and error
     */
    public record Result(int exitCode, String output) {}

    private RedoclyLint() {}

    /**
     * The {@code redocly} command: {@value #ENVIRONMENT_VARIABLE}, else {@code .ci/cache/redocly} of the repository
     * that holds the working directory.
     *
     * @return the executable, or empty when it is not installed
     * @throws IllegalStateException when {@value #ENVIRONMENT_VARIABLE} names a file that is not an executable
     */
    public static Optional<Path> find() {
        String configured = System.getenv(ENVIRONMENT_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            if (!Files.isExecutable(path)) {
                // Named but missing is a broken install (CI names it), never a reason to skip the lint.
                throw new IllegalStateException(ENVIRONMENT_VARIABLE + " names \"" + configured
                        + "\", which is not an executable; install @redocly/cli there or unset it");
            }
            return Optional.of(path);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(".ci/cache/redocly/node_modules/.bin/redocly");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code redocly lint --config <config> <document>}, bounded by two minutes.
     *
     * @param redocly  the command, from {@link #find()}
     * @param document the OpenAPI document (YAML or JSON)
     * @param config   the {@code redocly.yaml} with the rules
     * @return the result
     * @throws IllegalStateException when the linter does not finish in time
     */
    public static Result lint(Path redocly, Path document, Path config) {
        Objects.requireNonNull(redocly, "redocly");
        ProcessBuilder builder = new ProcessBuilder(
                        redocly.toString(), "lint", "--config", config.toString(), document.toString())
                .redirectErrorStream(true);
        // No telemetry or update check: the linter needs nothing but the document.
        builder.environment().put("REDOCLY_TELEMETRY", "off");
        builder.environment().put("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
        Path log = null;
        try {
            log = Files.createTempFile("redocly-lint", ".log");
            builder.redirectOutput(log.toFile());
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("redocly lint did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + redocly + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while redocly lint ran", e);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }
}
