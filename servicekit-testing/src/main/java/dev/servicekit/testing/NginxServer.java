package dev.servicekit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real nginx ({@code /usr/sbin/nginx}, Debian package {@code nginx}) for tests, in the foreground on a free
 * loopback port, with everything it writes (pid file, error and access logs, temp files) in its own directory.
 *
 * <p>The test gives the server configuration: the text that goes into nginx's {@code http} block, such as the
 * shipped {@code deploy/nginx/users-service.conf}, with placeholders {@code {{NAME}}} (left alone in comment lines,
 * which may document them). {@code {{LISTEN}}} is this
 * server's own address ({@code 127.0.0.1:<port>}); the others come from the map the test passes, usually
 * {@link #upstreams(int...)} for {@code {{API_1}}}, {@code {{API_2}}}, … A placeholder without a value fails the
 * start, naming it. Running as root, the workers run as root too ({@code user root;}), so they can use the temp
 * directory; otherwise they run as the current user, as nginx does for a non-root master.
 *
 * {@snippet :
 * try (NginxServer nginx = NginxServer.start(dir, Path.of("deploy/nginx/users-service.conf"), NginxServer.upstreams(a, b, c))) {
 *     URI users = nginx.uri("/api/v1/users");
 *     nginx.reload(changedConf, NginxServer.upstreams(a, b));   // new configuration, same port
 * }
 * }
 */
public final class NginxServer implements AutoCloseable {

    /** Where Debian's {@code nginx} package installs the binary. */
    public static final Path EXECUTABLE = Path.of("/usr/sbin/nginx");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Z0-9_]+)}}");
    private static final Duration READY = Duration.ofSeconds(20);
    private static final Duration STOP = Duration.ofSeconds(10);

    private final Path dir;
    private final int port;
    private Process process;
    private int reloads;

    private NginxServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Why nginx cannot run here (no {@code /usr/sbin/nginx}), or empty when it can. Tests skip on a reason locally
     * and fail on CI ({@code CI=true}), where {@code .ci/run} installs nginx.
     */
    public static Optional<String> unavailableReason() {
        return Files.isExecutable(EXECUTABLE)
                ? Optional.empty()
                : Optional.of("no nginx at " + EXECUTABLE + " (apt-get install nginx)");
    }

    /**
     * The placeholders of API upstreams on this machine: {@code API_1} → {@code 127.0.0.1:<ports[0]>}, {@code API_2}
     * → {@code 127.0.0.1:<ports[1]>}, and so on.
     */
    public static Map<String, String> upstreams(int... ports) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < ports.length; i++) {
            values.put("API_" + (i + 1), "127.0.0.1:" + ports[i]);
        }
        return values;
    }

    /**
     * Checks the configuration with {@code nginx -t}, starts nginx in the foreground with it and waits until it
     * accepts connections.
     *
     * @param dir          nginx's prefix: the configuration, pid file, logs and temp files go here
     * @param serverConfig the text of the {@code http} block, with {@code {{NAME}}} placeholders
     * @param placeholders the value of each placeholder but {@code LISTEN}
     * @throws IllegalArgumentException if a placeholder has no value
     * @throws IllegalStateException    if nginx refuses the configuration or does not listen within 20 s; the
     *                                  message holds its error log
     */
    public static NginxServer start(Path dir, String serverConfig, Map<String, String> placeholders) {
        Objects.requireNonNull(dir, "dir");
        NginxServer server = new NginxServer(dir.toAbsolutePath(), FreePorts.one());
        server.writeConfig(serverConfig, placeholders);
        server.test();
        server.startProcess();
        return server;
    }

    /**
     * {@link #start(Path, String, Map)} with the server configuration read from a file, such as the shipped
     * {@code deploy/nginx/users-service.conf}.
     */
    public static NginxServer start(Path dir, Path serverConfigFile, Map<String, String> placeholders) {
        Objects.requireNonNull(serverConfigFile, "serverConfigFile");
        try {
            return start(dir, Files.readString(serverConfigFile, StandardCharsets.UTF_8), placeholders);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the nginx configuration " + serverConfigFile + ": " + e.getMessage(), e);
        }
    }

    /** The port nginx listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** The pid of the nginx master process. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("nginx is not running; start it first");
        }
        return process.pid();
    }

    /** Whether the nginx master process runs. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Re-reads the current configuration files ({@code nginx -s reload}, which signals the master) and waits until
     * new workers run and the old ones exited, so every request after this is served with the new configuration.
     * Old workers finish the requests they are serving first (for up to 10 s, nginx's {@code worker_shutdown_timeout}).
     *
     * @throws IllegalStateException if nginx refuses the configuration ({@code nginx -t}; it keeps the old one) or
     *                               does not finish reloading within 20 s
     */
    public synchronized void reload() {
        if (!isRunning()) {
            throw new IllegalStateException("nginx is not running; start it before reloading it");
        }
        test();
        List<ProcessHandle> oldWorkers = process.children().toList();
        int seen = countInErrorLog("reconfiguring");
        run("-s", "reload");
        long deadline = System.nanoTime() + READY.toNanos();
        // After "reconfiguring", the master logs the start of each new worker; the old ones exit when done.
        while (!(countInErrorLog("reconfiguring") > seen
                && errorLogAfterLast("reconfiguring").contains("start worker process")
                && oldWorkers.stream().noneMatch(ProcessHandle::isAlive))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "nginx did not reload within " + READY + "; its error log:\n" + errorLog());
            }
            pause();
        }
        reloads++;
    }

    /** Replaces the server configuration (checked with {@code nginx -t} first) and {@link #reload() reloads}. */
    public synchronized void reload(String serverConfig, Map<String, String> placeholders) {
        writeConfig(serverConfig, placeholders);
        reload();
    }

    /** How many reloads succeeded. */
    public synchronized int reloads() {
        return reloads;
    }

    /**
     * Stops nginx: SIGTERM to the master's pid (nginx's fast shutdown, which stops its workers), then SIGKILL to it
     * and its workers after 10 s. Waits until they exited. Does nothing when it is not running.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> workers = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP.toSeconds(), TimeUnit.SECONDS);
            }
            for (ProcessHandle worker : workers) {
                if (worker.isAlive()) {
                    worker.destroyForcibly();
                    worker.onExit().get(STOP.toSeconds(), TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("an nginx worker did not exit after SIGKILL: " + e.getMessage(), e);
        } finally {
            process = null;
        }
    }

    /** What nginx wrote to its error log (startup, reloads, upstream failures) so far. */
    public String errorLog() {
        return ServerFiles.read(dir.resolve("logs/error.log"));
    }

    /** nginx's access log so far, one line per request: {@code $status $request $upstream_addr $upstream_status}. */
    public String accessLog() {
        return ServerFiles.read(dir.resolve("logs/access.log"));
    }

    /** The rendered server configuration, as nginx reads it. */
    public String serverConfig() {
        return ServerFiles.read(dir.resolve("conf/server.conf"));
    }

    /** Stops nginx. */
    @Override
    public void close() {
        stop();
    }

    private void writeConfig(String serverConfig, Map<String, String> placeholders) {
        Objects.requireNonNull(serverConfig, "serverConfig");
        Objects.requireNonNull(placeholders, "placeholders");
        Map<String, String> values = new LinkedHashMap<>(placeholders);
        values.put("LISTEN", "127.0.0.1:" + port);
        StringBuilder rendered = new StringBuilder();
        TreeSet<String> missing = new TreeSet<>();
        for (String line : serverConfig.split("\n", -1)) {
            if (!rendered.isEmpty()) {
                rendered.append('\n');
            }
            if (line.strip().startsWith("#")) {
                rendered.append(line); // documentation, such as the list of placeholders
                continue;
            }
            Matcher matcher = PLACEHOLDER.matcher(line);
            while (matcher.find()) {
                String value = values.get(matcher.group(1));
                if (value == null) {
                    missing.add(matcher.group(1));
                    value = matcher.group();
                }
                matcher.appendReplacement(rendered, Matcher.quoteReplacement(value));
            }
            matcher.appendTail(rendered);
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("The nginx configuration has placeholders without a value: "
                    + missing.stream().map(name -> "{{" + name + "}}").toList()
                    + "; pass a value for each (given: " + values.keySet() + ")");
        }
        String main = String.join(
                "\n",
                "# Written by dev.servicekit.testing.NginxServer; the server configuration is conf/server.conf.",
                runsAsRoot() ? "user root;" : "",
                "worker_processes 1;",
                "worker_shutdown_timeout 10s;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("logs/error.log") + " notice;",
                "events { worker_connections 512; }",
                "http {",
                "    log_format servicekit_test '$status \"$request\" $upstream_addr $upstream_status';",
                "    access_log " + dir.resolve("logs/access.log") + " servicekit_test;",
                "    client_body_temp_path " + dir.resolve("temp/client_body") + ";",
                "    proxy_temp_path " + dir.resolve("temp/proxy") + ";",
                "    fastcgi_temp_path " + dir.resolve("temp/fastcgi") + ";",
                "    uwsgi_temp_path " + dir.resolve("temp/uwsgi") + ";",
                "    scgi_temp_path " + dir.resolve("temp/scgi") + ";",
                "    include " + dir.resolve("conf/server.conf") + ";",
                "}",
                "");
        try {
            Files.createDirectories(dir.resolve("conf"));
            Files.createDirectories(dir.resolve("logs"));
            Files.createDirectories(dir.resolve("temp"));
            Files.writeString(dir.resolve("conf/server.conf"), rendered.toString(), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("conf/nginx.conf"), main, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write the nginx configuration under " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code nginx -t}: a configuration nginx refuses fails here, with nginx's own words. */
    private void test() {
        Result result = run("-t");
        if (result.exitCode() != 0) {
            throw new IllegalStateException("nginx refuses the configuration (nginx -t exited " + result.exitCode()
                    + "):\n" + result.output() + "\nconf/server.conf:\n" + serverConfig());
        }
    }

    private synchronized void startProcess() {
        List<String> command = command("-g", "daemon off;");
        process = ServerFiles.start("nginx", command, dir.resolve("logs/stdout.log"));
        long deadline = System.nanoTime() + READY.toNanos();
        while (!accepts()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String log = errorLog() + ServerFiles.read(dir.resolve("logs/stdout.log"));
                boolean alive = process.isAlive();
                stop();
                throw new IllegalStateException("nginx on port " + port + " did not accept connections within " + READY
                        + " (alive: " + alive + "); its error log:\n" + log);
            }
            pause();
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private record Result(int exitCode, String output) {}

    private Result run(String... args) {
        List<String> command = command(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(READY.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish within " + READY);
            }
            return new Result(p.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running `" + String.join(" ", command) + "`", e);
        }
    }

    /** nginx with this server's prefix, configuration and early error log (before the configuration's is open). */
    private List<String> command(String... args) {
        if (!Files.isExecutable(EXECUTABLE)) {
            throw new IllegalStateException(unavailableReason().orElseThrow());
        }
        List<String> command = new ArrayList<>(List.of(
                EXECUTABLE.toString(),
                "-p",
                dir + "/",
                "-c",
                dir.resolve("conf/nginx.conf").toString(),
                "-e",
                dir.resolve("logs/error.log").toString()));
        command.addAll(List.of(args));
        return command;
    }

    private int countInErrorLog(String text) {
        String log = errorLog();
        int count = 0;
        for (int i = log.indexOf(text); i >= 0; i = log.indexOf(text, i + text.length())) {
            count++;
        }
        return count;
    }

    private String errorLogAfterLast(String text) {
        String log = errorLog();
        int last = log.lastIndexOf(text);
        return last < 0 ? "" : log.substring(last);
    }

    private static boolean runsAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for nginx", e);
        }
    }
}
