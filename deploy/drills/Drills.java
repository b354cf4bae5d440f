import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The tutorial's four drills against a fleet of users-service instances behind a load balancer (docs/fleet.md); the
 * local fleet on loopback to run them against is {@link LocalFleet}. Run through {@code drill.sh} and
 * {@code local-fleet.sh} beside this file, which compile both files once (the users-service jar on the class path,
 * for Jackson) and run them.
 *
 * <p>Every drill puts a bounded load of creates and reads through the load balancer, causes its fault, waits for the
 * fleet to recover, then reads back every user whose create was acknowledged ({@code 201}) and prints one line per
 * check, a {@code lost:} line and a {@code recovery:} line (docs/operations.md, "Drills"). Exit 0 when every check
 * passed, 1 when one failed, 78 when the settings are wrong (every problem listed), 2 for a wrong command line.
 *
 * <p>Written for Java 17 so that any JDK 17 or newer can run it; the jar it drives needs 21, and so does reading etcd's
 * TLS files, which is the jar's code ({@link #etcdTlsContext}).
 */
public final class Drills {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> DRILLS = List.of("kill-instance", "stop-database", "stop-etcd", "restore-backup");

    private Drills() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println(usage());
            System.exit(2);
        }
        String verb = args[0];
        int exit;
        try {
            if (verb.equals("fleet")) {
                exit = LocalFleet.run(Arrays.copyOfRange(args, 1, args.length));
            } else if (verb.equals("all") || DRILLS.contains(verb)) {
                if (args.length > 1) {
                    System.err.println("drill: " + verb + " takes no arguments (settings come from DRILL_*"
                            + " environment variables), got " + Arrays.toString(Arrays.copyOfRange(args, 1, args.length)));
                    System.exit(2);
                }
                List<String> drills = verb.equals("all") ? DRILLS : List.of(verb);
                exit = runDrills(drills, Settings.read(System.getenv(), drills));
            } else if (Set.of("help", "--help", "-h").contains(verb)) {
                System.out.println(usage());
                exit = 0;
            } else {
                System.err.println("drill: unknown drill '" + verb + "'; expected one of " + DRILLS + ", all, or fleet\n"
                        + usage());
                exit = 2;
            }
        } catch (Problems e) {
            System.err.println(e.getMessage());
            exit = 78;
        }
        System.exit(exit);
    }

    static String usage() {
        return String.join("\n",
                "usage: drill.sh kill-instance|stop-database|stop-etcd|restore-backup|all",
                "       local-fleet.sh up|down|start NAME|stop NAME|stop-db|start-db|stop-etcd|start-etcd|"
                        + "stop-instances|start-instances DIR",
                "Settings come from DRILL_* environment variables; docs/operations.md, \"Drills\", lists them."
                        + " 'local-fleet.sh up DIR' writes DIR/fleet.env with every one for its fleet.");
    }

    /** Settings that are wrong: every one is listed, then the program exits with 78. */
    static final class Problems extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Problems(String what, List<String> problems) {
            super(what + " (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  - "
                    + String.join("\n  - ", problems));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Settings

    /** One instance of the fleet: its name and its management listener. */
    record Instance(String name, URI management) {}

    /** The drills' settings, read from the environment and checked all at once. */
    record Settings(
            URI url,
            String token,
            List<Instance> instances,
            int clients,
            int rate,
            Duration timeout,
            Optional<SSLContext> etcdTls,
            Map<String, String> env) {

        static Settings read(Map<String, String> env, List<String> drills) {
            List<String> problems = new ArrayList<>();
            URI url = uri(env, "DRILL_URL", problems, true);
            String token = env.get("DRILL_TOKEN");
            String tokenFile = env.get("DRILL_TOKEN_FILE");
            if (tokenFile != null && !tokenFile.isBlank()) {
                try {
                    token = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).strip();
                    if (token.isEmpty()) {
                        problems.add("DRILL_TOKEN_FILE: '" + tokenFile + "' is empty");
                    }
                } catch (IOException | RuntimeException e) {
                    problems.add("DRILL_TOKEN_FILE: cannot read '" + tokenFile + "': " + e.getMessage());
                }
            } else if (token == null || token.isBlank()) {
                problems.add("DRILL_TOKEN (or DRILL_TOKEN_FILE) is not set: a bearer token with the scopes users:read"
                        + " users:write admin ('users-service token issue --subject drills --scope"
                        + " \"users:read users:write admin\" --ttl 1h')");
            }
            List<Instance> instances = new ArrayList<>();
            String list = required(env, "DRILL_INSTANCES", problems,
                    "each instance's name and management URL, e.g. 'a=http://10.0.0.11:9090 b=http://10.0.0.12:9090'");
            if (list != null) {
                for (String entry : list.trim().split("[\\s,]+")) {
                    int eq = entry.indexOf('=');
                    if (eq <= 0) {
                        problems.add("DRILL_INSTANCES: '" + entry + "' is not NAME=URL, e.g. a=http://10.0.0.11:9090");
                        continue;
                    }
                    Optional<URI> management = httpUri(entry.substring(eq + 1));
                    if (management.isEmpty()) {
                        problems.add("DRILL_INSTANCES: '" + entry.substring(eq + 1) + "' (of " + entry.substring(0, eq)
                                + ") is not an http:// or https:// URL");
                    } else {
                        instances.add(new Instance(entry.substring(0, eq), management.get()));
                    }
                }
                if (instances.stream().map(Instance::name).distinct().count() != instances.size()) {
                    problems.add("DRILL_INSTANCES: '" + list + "' names an instance twice");
                }
            }
            int clients = number(env, "DRILL_CLIENTS", 4, 1, 64, problems);
            int rate = number(env, "DRILL_RATE", 100, 1, 10_000, problems);
            int timeout = number(env, "DRILL_TIMEOUT", 90, 5, 3600, problems);
            if (drills.contains("kill-instance")) {
                String victim = env.get("DRILL_KILL_INSTANCE");
                if (victim != null && instances.stream().noneMatch(i -> i.name().equals(victim))) {
                    problems.add("DRILL_KILL_INSTANCE: '" + victim + "' is not one of DRILL_INSTANCES "
                            + instances.stream().map(Instance::name).toList());
                }
                Instance target = instances.stream()
                        .filter(i -> victim == null || i.name().equals(victim))
                        .findFirst()
                        .orElse(null);
                if (target != null && blank(env, "DRILL_KILL_CMD") && !loopback(target.management())) {
                    problems.add("DRILL_KILL_CMD: instance " + target.name() + " (" + target.management()
                            + ") is not on this host, so its pid cannot be killed from here; set DRILL_KILL_CMD,"
                            + " e.g. \"ssh host sudo kill -9 {pid}\"");
                }
            }
            if (drills.contains("stop-database")) {
                required(env, "DRILL_DB_STOP_CMD", problems, "the command that stops PostgreSQL,"
                        + " e.g. 'sudo systemctl stop postgresql'");
                required(env, "DRILL_DB_START_CMD", problems, "the command that starts PostgreSQL again,"
                        + " e.g. 'sudo systemctl start postgresql'");
                number(env, "DRILL_DB_DOWN_SECONDS", 5, 1, 600, problems);
            }
            Optional<SSLContext> etcdTls = Optional.empty();
            if (drills.contains("stop-etcd")) {
                required(env, "DRILL_ETCD_STOP_CMD", problems, "the command that stops etcd,"
                        + " e.g. 'sudo systemctl stop etcd'");
                required(env, "DRILL_ETCD_START_CMD", problems, "the command that starts etcd again");
                URI endpoint = uri(env, "DRILL_ETCD_ENDPOINT", problems, true);
                etcdUser(env, problems);
                etcdTls = etcdTls(env, endpoint, problems);
                number(env, "DRILL_ETCD_DOWN_SECONDS", 5, 1, 600, problems);
                String prefix = env.getOrDefault("DRILL_ETCD_PREFIX", "/users-service/config/");
                if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
                    problems.add("DRILL_ETCD_PREFIX: '" + prefix + "' must start and end with '/',"
                            + " like config.etcd.prefix (default /users-service/config/)");
                }
            }
            if (drills.contains("restore-backup")) {
                String jar = required(env, "DRILL_JAR", problems, "the users-service jar whose backup and restore"
                        + " commands the drill runs");
                if (jar != null && !Files.isRegularFile(Path.of(jar))) {
                    problems.add("DRILL_JAR: '" + jar + "' is not a file; point it at users-service.jar");
                }
                required(env, "DRILL_FLEET_STOP_CMD", problems, "the command that stops every instance"
                        + " (restore refuses while one runs)");
                required(env, "DRILL_FLEET_START_CMD", problems, "the command that starts every instance again");
                if (!"yes".equals(env.get("DRILL_ALLOW_RESTORE"))) {
                    problems.add("DRILL_ALLOW_RESTORE: the restore drill deletes and changes users, then replaces the"
                            + " whole database with a backup (users created after the backup are gone); run it on a"
                            + " staging or drill fleet and set DRILL_ALLOW_RESTORE=yes to confirm");
                }
                String backupDir = env.get("DRILL_BACKUP_DIR");
                if (backupDir != null && !Files.isDirectory(Path.of(backupDir))) {
                    problems.add("DRILL_BACKUP_DIR: '" + backupDir + "' is not a directory");
                }
            }
            if (!problems.isEmpty()) {
                throw new Problems("drill: the settings are not usable; nothing was done", problems);
            }
            return new Settings(url, token, List.copyOf(instances), clients, rate, Duration.ofSeconds(timeout),
                    etcdTls, Map.copyOf(env));
        }

        String get(String name) {
            return env.get(name);
        }

        String get(String name, String fallback) {
            String value = env.get(name);
            return value == null || value.isBlank() ? fallback : value;
        }

        int seconds(String name, int fallback) {
            return Integer.parseInt(get(name, Integer.toString(fallback)));
        }

        private static boolean blank(Map<String, String> env, String name) {
            return env.get(name) == null || env.get(name).isBlank();
        }

        private static String required(Map<String, String> env, String name, List<String> problems, String what) {
            if (blank(env, name)) {
                problems.add(name + " is not set: " + what);
                return null;
            }
            return env.get(name);
        }

        /** DRILL_ETCD_USERNAME and DRILL_ETCD_PASSWORD_FILE: both or neither, and a password in the file. */
        private static void etcdUser(Map<String, String> env, List<String> problems) {
            boolean user = !blank(env, "DRILL_ETCD_USERNAME");
            boolean passwordFile = !blank(env, "DRILL_ETCD_PASSWORD_FILE");
            if (user && !passwordFile) {
                problems.add("DRILL_ETCD_PASSWORD_FILE is not set: DRILL_ETCD_USERNAME '"
                        + env.get("DRILL_ETCD_USERNAME") + "' needs the file whose first line is its password"
                        + " (as config.etcd.password-file)");
            } else if (passwordFile && !user) {
                problems.add("DRILL_ETCD_USERNAME is not set: DRILL_ETCD_PASSWORD_FILE is the password of an etcd"
                        + " user; name the user (as config.etcd.username)");
            }
            if (passwordFile) {
                try {
                    etcdPassword(Path.of(env.get("DRILL_ETCD_PASSWORD_FILE")));
                } catch (IOException | RuntimeException e) {
                    problems.add("DRILL_ETCD_PASSWORD_FILE: " + e.getMessage());
                }
            }
        }

        /**
         * The TLS context of DRILL_ETCD_CA_FILE, DRILL_ETCD_CERT_FILE and DRILL_ETCD_KEY_FILE, or empty when none is
         * set (an https:// endpoint is then checked against the JVM's trust store).
         */
        private static Optional<SSLContext> etcdTls(Map<String, String> env, URI endpoint, List<String> problems) {
            List<String> set = Stream.of("DRILL_ETCD_CA_FILE", "DRILL_ETCD_CERT_FILE", "DRILL_ETCD_KEY_FILE")
                    .filter(name -> !blank(env, name))
                    .toList();
            if (set.isEmpty()) {
                return Optional.empty();
            }
            int before = problems.size();
            if (endpoint != null && !"https".equals(endpoint.getScheme())) {
                problems.add("DRILL_ETCD_ENDPOINT: '" + endpoint + "' is not an https:// URL, and "
                        + String.join(", ", set) + " are for etcd's TLS:"
                        + " give its https:// client URL (as etcdctl --endpoints)");
            }
            if (set.contains("DRILL_ETCD_CERT_FILE") != set.contains("DRILL_ETCD_KEY_FILE")) {
                problems.add(set.contains("DRILL_ETCD_CERT_FILE")
                        ? "DRILL_ETCD_KEY_FILE is not set: DRILL_ETCD_CERT_FILE needs its private key (etcdctl --key)"
                        : "DRILL_ETCD_CERT_FILE is not set: DRILL_ETCD_KEY_FILE needs its client certificate"
                                + " (etcdctl --cert)");
            }
            if (!set.contains("DRILL_ETCD_CA_FILE")) {
                problems.add("DRILL_ETCD_CA_FILE is not set: with a client certificate, give the CA that signed etcd's"
                        + " certificate too (etcdctl --cacert, as config.etcd.tls.ca-file)");
            }
            for (String name : set) {
                Path file = Path.of(env.get(name));
                if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                    problems.add(name + ": '" + file + "' is not a file this user may read");
                }
            }
            if (problems.size() > before) {
                return Optional.empty();
            }
            try {
                return Optional.of(etcdTlsContext(Path.of(env.get("DRILL_ETCD_CA_FILE")),
                        set.contains("DRILL_ETCD_CERT_FILE") ? Path.of(env.get("DRILL_ETCD_CERT_FILE")) : null,
                        set.contains("DRILL_ETCD_KEY_FILE") ? Path.of(env.get("DRILL_ETCD_KEY_FILE")) : null));
            } catch (IllegalArgumentException e) {
                // One line per problem, each naming its config.etcd.tls.* key: named here by the setting that set it.
                for (String line : e.getMessage().split("\n")) {
                    problems.add(line.replace("config.etcd.tls.ca-file", "DRILL_ETCD_CA_FILE")
                            .replace("config.etcd.tls.cert-file", "DRILL_ETCD_CERT_FILE")
                            .replace("config.etcd.tls.key-file", "DRILL_ETCD_KEY_FILE"));
                }
            } catch (IllegalStateException e) {
                problems.add(String.join(", ", set) + ": " + e.getMessage());
            }
            return Optional.empty();
        }

        private static URI uri(Map<String, String> env, String name, List<String> problems, boolean needed) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                if (needed) {
                    problems.add(name + " is not set: an http:// or https:// URL, e.g. http://127.0.0.1:8080");
                }
                return null;
            }
            Optional<URI> uri = httpUri(value);
            if (uri.isEmpty()) {
                problems.add(name + ": '" + value + "' is not an http:// or https:// URL");
                return null;
            }
            return uri.get();
        }

        private static int number(Map<String, String> env, String name, int fallback, int min, int max,
                List<String> problems) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                return fallback;
            }
            try {
                int number = Integer.parseInt(value.trim());
                if (number >= min && number <= max) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            problems.add(name + ": '" + value + "' is not a whole number from " + min + " to " + max
                    + " (default " + fallback + ")");
            return fallback;
        }
    }

    /** The etcd user's password: the first line of DRILL_ETCD_PASSWORD_FILE, as config.etcd.password-file. */
    static String etcdPassword(Path file) throws IOException {
        String password;
        try (java.io.BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            password = lines.readLine();
        } catch (IOException e) {
            throw new IOException("cannot read '" + file + "' (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); its first line is the etcd user's password", e);
        }
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("'" + file + "' holds no password (its first line is empty)");
        }
        return password;
    }

    /**
     * The TLS context the service makes of config.etcd.tls.* ({@code EtcdConfigSource.tlsContext} of servicekit-etcd,
     * in the users-service jar on the class path), so that the drill reads the PEM files exactly as the instances do.
     * Called by name: the jar's classes are Java 21 class files, and this file still compiles with a JDK 17 when no
     * TLS is asked for. {@code certificate} and {@code key} are both null or both set.
     *
     * @throws IllegalArgumentException one line per problem with the files, each starting with its config.etcd.tls.*
     *     key
     * @throws IllegalStateException when the jar's code cannot run here (an older JVM, another jar)
     */
    static SSLContext etcdTlsContext(Path ca, Path certificate, Path key) {
        try {
            Class<?> source = Class.forName("dev.servicekit.etcd.EtcdConfigSource");
            Object context = certificate == null
                    ? source.getMethod("tlsContext", Path.class).invoke(null, ca)
                    : source.getMethod("tlsContext", Path.class, Path.class, Path.class)
                            .invoke(null, ca, certificate, key);
            return (SSLContext) context;
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException(String.valueOf(e.getCause()), e);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("the TLS of etcd is read by the users-service jar's"
                    + " EtcdConfigSource.tlsContext, which cannot run here (" + e + "); run drill.sh with the JDK 21"
                    + " or newer the jar needs (DRILL_JAVA_HOME) and the jar of this version (DRILL_JAR)", e);
        }
    }

    static Optional<URI> httpUri(String text) {
        try {
            URI uri = new URI(text.trim().replaceAll("/+$", ""));
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (java.net.URISyntaxException e) {
            // not a URL
        }
        return Optional.empty();
    }

    static boolean loopback(URI uri) {
        try {
            return InetAddress.getByName(uri.getHost()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Running drills and reporting

    static int runDrills(List<String> drills, Settings settings) {
        Map<String, Boolean> results = new LinkedHashMap<>();
        for (String name : drills) {
            Drill drill = new Drill(name, settings);
            try {
                switch (name) {
                    case "kill-instance" -> drill.killInstance();
                    case "stop-database" -> drill.stopDatabase();
                    case "stop-etcd" -> drill.stopEtcd();
                    case "restore-backup" -> drill.restoreBackup();
                    default -> throw new IllegalArgumentException(name);
                }
            } catch (DrillAborted e) {
                drill.check(false, "the drill stopped early: " + e.getMessage());
            } catch (RuntimeException e) {
                drill.check(false, "the drill stopped early: " + e);
            } finally {
                drill.undoAfterAbort();
            }
            results.put(name, drill.passed());
            System.out.println("result " + name + ": " + (drill.passed() ? "PASS" : "FAIL"));
            System.out.println();
        }
        if (drills.size() > 1) {
            System.out.println("summary: " + results.entrySet().stream()
                    .map(e -> e.getKey() + " " + (e.getValue() ? "PASS" : "FAIL"))
                    .collect(Collectors.joining(", ")));
        }
        return results.containsValue(false) ? 1 : 0;
    }

    /** A step that could not be done (a command failed, a wait ran out); the drill reports it and fails. */
    static final class DrillAborted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DrillAborted(String message) {
            super(message);
        }
    }

    /** What the load's client saw for one request. */
    record Outcome(String method, int status, long startNanos, long endNanos, long createdId, String detail) {
        boolean good() {
            return status >= 200 && status < 300;
        }

        boolean failed() {
            return status < 0 || status >= 500;
        }
    }

    /** One run of one drill: its checks, its load, its report. */
    static final class Drill {
        final String name;
        final Settings settings;
        final HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        final String runId = Long.toString(System.currentTimeMillis(), 36) + "-" + Long.toString(
                new SecureRandom().nextInt(Integer.MAX_VALUE), 36);
        final long started = System.nanoTime();
        boolean passed = true;

        Drill(String name, Settings settings) {
            this.name = name;
            this.settings = settings;
            this.etcdHttp = settings.etcdTls()
                    .map(tls -> HttpClient.newBuilder().sslContext(tls))
                    .orElseGet(HttpClient::newBuilder)
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
        }

        boolean passed() {
            return passed;
        }

        private Runnable undo;
        private String undoWhat;

        /** Records how to end a fault the drill caused, in case the drill stops before it ends it. */
        void faultCaused(String what, Runnable end) {
            undoWhat = what;
            undo = end;
        }

        void faultEnded() {
            undo = null;
        }

        /** A drill that stopped early still starts what it stopped (a database, etcd, the fleet). */
        void undoAfterAbort() {
            if (undo == null) {
                return;
            }
            Runnable end = undo;
            undo = null;
            say("ending the fault the drill caused: " + undoWhat);
            try {
                end.run();
            } catch (RuntimeException e) {
                check(false, "could not " + undoWhat + ": " + e.getMessage() + "; do it by hand");
            }
        }

        void say(String line) {
            System.out.println("  " + line);
        }

        void check(boolean ok, String what) {
            passed &= ok;
            say("check " + (ok ? "ok" : "FAILED") + ": " + what);
        }

        // ---- HTTP

        HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
            return send(http, request);
        }

        HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) throws IOException {
            try {
                return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        HttpRequest.Builder api(String path) {
            return HttpRequest.newBuilder(URI.create(settings.url() + path))
                    .timeout(Duration.ofSeconds(15))
                    .header("Authorization", "Bearer " + settings.token());
        }

        boolean ready(Instance instance) {
            try {
                return send(HttpRequest.newBuilder(URI.create(instance.management() + "/health/ready"))
                                        .timeout(Duration.ofSeconds(3)))
                                .statusCode()
                        == 200;
            } catch (IOException e) {
                return false;
            }
        }

        /** True when the instance's management listener does not answer at all (the process is gone). */
        boolean unreachable(Instance instance) {
            try {
                send(HttpRequest.newBuilder(URI.create(instance.management() + "/health/live"))
                        .timeout(Duration.ofSeconds(2)));
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        JsonNode status(Instance instance) {
            try {
                HttpResponse<String> response = send(
                        HttpRequest.newBuilder(URI.create(instance.management() + "/admin/status"))
                                .timeout(Duration.ofSeconds(5))
                                .header("Authorization", "Bearer " + settings.token()));
                if (response.statusCode() != 200) {
                    throw new DrillAborted("GET " + instance.management() + "/admin/status of " + instance.name()
                            + " answered " + response.statusCode() + " (does DRILL_TOKEN have the admin scope?): "
                            + response.body());
                }
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new DrillAborted("GET " + instance.management() + "/admin/status of " + instance.name()
                        + " failed: " + e);
            }
        }

        /** The pid the instance reports, or -1 when it does not answer. */
        long currentPid(Instance instance) {
            try {
                return status(instance).path("pid").asLong(-1);
            } catch (DrillAborted e) {
                return -1;
            }
        }

        Optional<String> configHash(Instance instance) {
            try {
                return Optional.of(status(instance).path("config").path("hash").asText());
            } catch (DrillAborted e) {
                return Optional.empty();
            }
        }

        // ---- waiting, timing, commands

        long ms(long fromNanos, long toNanos) {
            return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
        }

        /** Polls until the condition holds; false after the drill's timeout. */
        boolean await(Duration within, BooleanSupplier condition) {
            long deadline = System.nanoTime() + within.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                pause(100);
            }
            return true;
        }

        void awaitOrAbort(String what, BooleanSupplier condition) {
            if (!await(settings.timeout(), condition)) {
                throw new DrillAborted("waited " + settings.timeout().toSeconds() + " s (DRILL_TIMEOUT) for " + what);
            }
        }

        /** Keeps a fault up for its length: a deliberate duration, not a wait for something. */
        void hold(long fromNanos, int seconds) {
            long until = fromNanos + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < until) {
                pause(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
            }
        }

        /** Runs an operator's command with sh -c, bounded by the drill's timeout; aborts the drill if it fails. */
        String run(String variable, Map<String, String> placeholders) {
            String command = settings.get(variable);
            for (Map.Entry<String, String> p : placeholders.entrySet()) {
                command = command.replace("{" + p.getKey() + "}", p.getValue());
            }
            return runCommand(variable, List.of("sh", "-c", command), command);
        }

        String runCommand(String label, List<String> command, String shown) {
            long start = System.nanoTime();
            try {
                Path output = Files.createTempFile("drill-command-", ".out");
                try {
                    Process process = new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(output.toFile())
                            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                            .start();
                    if (!process.waitFor(settings.timeout().toSeconds(), TimeUnit.SECONDS)) {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly();
                        throw new DrillAborted(label + " (" + shown + ") did not finish within "
                                + settings.timeout().toSeconds() + " s (DRILL_TIMEOUT)");
                    }
                    String text = Files.readString(output, StandardCharsets.UTF_8);
                    say("ran " + label + ": " + shown + " (exit " + process.exitValue() + ", "
                            + ms(start, System.nanoTime()) + " ms)");
                    if (process.exitValue() != 0) {
                        throw new DrillAborted(label + " (" + shown + ") exited with " + process.exitValue()
                                + "; its output:\n" + text.indent(6));
                    }
                    return text;
                } finally {
                    Files.deleteIfExists(output);
                }
            } catch (IOException e) {
                throw new DrillAborted(label + " (" + shown + ") could not run: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DrillAborted("interrupted running " + label);
            }
        }

        void allReadyOrAbort(String when) {
            awaitOrAbort("every instance to be ready " + when,
                    () -> settings.instances().stream().allMatch(this::ready));
        }

        // ---- the load and what it lost

        final class Load implements AutoCloseable {
            final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
            final AtomicBoolean running = new AtomicBoolean(true);
            final AtomicLong sequence = new AtomicLong();
            final ExecutorService threads = Executors.newFixedThreadPool(settings.clients());
            final List<Future<?>> clients = new ArrayList<>();
            final boolean postsOnly;

            Load(boolean postsOnly) {
                this.postsOnly = postsOnly;
                long interval = TimeUnit.SECONDS.toNanos(1) * settings.clients() / settings.rate();
                // Bounded: a drill that loses track of its load still stops it after 10 minutes.
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
                for (int i = 0; i < settings.clients(); i++) {
                    clients.add(threads.submit(() -> {
                        long next = System.nanoTime();
                        while (running.get() && System.nanoTime() < deadline) {
                            sendOne();
                            next += interval;
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                pause(TimeUnit.NANOSECONDS.toMillis(wait));
                            } else {
                                next = System.nanoTime();
                            }
                        }
                    }));
                }
            }

            private void sendOne() {
                long n = sequence.incrementAndGet();
                boolean post = postsOnly || n % 2 == 0;
                long start = System.nanoTime();
                try {
                    HttpResponse<String> response = post
                            ? send(api("/api/v1/users")
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Drill " + n
                                            + "\",\"email\":\"drill-" + runId + "-" + n + "@example.org\"}")))
                            : send(api("/api/v1/users?limit=5"));
                    long id = post && response.statusCode() == 201
                            ? JSON.readTree(response.body()).path("id").asLong(-1)
                            : -1;
                    String detail = response.statusCode() >= 500
                            ? response.statusCode() + " " + response.headers().firstValue("Content-Type").orElse("-")
                                    + " Retry-After=" + response.headers().firstValue("Retry-After").orElse("none")
                            : "";
                    outcomes.add(new Outcome(post ? "POST" : "GET", response.statusCode(), start, System.nanoTime(),
                            id, detail));
                } catch (IOException | RuntimeException e) {
                    outcomes.add(new Outcome(post ? "POST" : "GET", -1, start, System.nanoTime(), -1, e.toString()));
                }
            }

            void awaitMore(int count) {
                int target = outcomes.size() + count;
                awaitOrAbort(count + " more answers through " + settings.url(), () -> outcomes.size() >= target);
            }

            List<Outcome> stop() {
                running.set(false);
                for (Future<?> client : clients) {
                    try {
                        client.get(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new DrillAborted("a load client did not stop: " + e);
                    }
                }
                List<Outcome> all = new ArrayList<>(outcomes);
                all.sort(Comparator.comparingLong(Outcome::startNanos));
                return all;
            }

            @Override
            public void close() {
                running.set(false);
                threads.shutdownNow();
            }
        }

        void describeLoad(List<Outcome> outcomes) {
            Map<String, Long> byStatus = outcomes.stream()
                    .collect(Collectors.groupingBy(
                            o -> o.method() + " " + (o.status() < 0 ? "no answer" : Integer.toString(o.status())),
                            TreeMap::new,
                            Collectors.counting()));
            long slowest = outcomes.stream().mapToLong(o -> ms(o.startNanos(), o.endNanos())).max().orElse(0);
            say("load: " + settings.clients() + " clients through " + settings.url() + ", " + outcomes.size()
                    + " requests " + byStatus + ", slowest " + slowest + " ms");
        }

        Set<Long> acknowledged(List<Outcome> outcomes) {
            return outcomes.stream()
                    .filter(o -> o.createdId() >= 0)
                    .map(Outcome::createdId)
                    .collect(Collectors.toCollection(TreeSet::new));
        }

        /** GETs every id through the load balancer; the answer per id (404 = lost, -1 = no answer). */
        Map<Long, Integer> readBack(Set<Long> ids) {
            Map<Long, Integer> answers = new java.util.concurrent.ConcurrentHashMap<>();
            ExecutorService threads = Executors.newFixedThreadPool(settings.clients());
            try {
                List<Future<?>> reads = new ArrayList<>();
                for (long id : ids) {
                    reads.add(threads.submit(() -> {
                        int status = -1;
                        for (int attempt = 0; attempt < 3 && (status < 0 || status >= 500); attempt++) {
                            try {
                                status = send(api("/api/v1/users/" + id)).statusCode();
                            } catch (IOException e) {
                                status = -1;
                            }
                        }
                        answers.put(id, status);
                    }));
                }
                for (Future<?> read : reads) {
                    read.get(60, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                throw new DrillAborted("reading the users back failed: " + e);
            } finally {
                threads.shutdownNow();
            }
            return answers;
        }

        /** Prints the lost: line for the ids that must all be there, and checks nothing is missing. */
        void reportLost(Set<Long> ids, String what) {
            Map<Long, Integer> answers = readBack(ids);
            List<Long> lost = answers.entrySet().stream()
                    .filter(e -> e.getValue() == 404)
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
            List<Long> unreadable = answers.entrySet().stream()
                    .filter(e -> e.getValue() != 404 && e.getValue() != 200)
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
            say("lost: " + lost.size() + " of " + ids.size() + " " + what
                    + (lost.isEmpty() ? "" : ", ids " + abbreviate(lost))
                    + (unreadable.isEmpty() ? "" : "; " + unreadable.size() + " could not be read: " + abbreviate(unreadable)
                            + " " + unreadable.stream().map(answers::get).distinct().toList()));
            check(!ids.isEmpty(), "the load had users created to read back (" + ids.size() + ")");
            check(lost.isEmpty() && unreadable.isEmpty(), "every acknowledged user read back with GET /api/v1/users/{id}");
        }

        String abbreviate(List<Long> ids) {
            return ids.size() <= 20 ? ids.toString() : ids.subList(0, 20) + " and " + (ids.size() - 20) + " more";
        }

        /** The first answer that was good (2xx) and ended after {@code fromNanos}: milliseconds after it. */
        String firstGoodAnswer(List<Outcome> outcomes, long fromNanos) {
            return outcomes.stream()
                    .filter(o -> o.good() && o.endNanos() >= fromNanos)
                    .mapToLong(Outcome::endNanos)
                    .min()
                    .stream()
                    .mapToObj(end -> ms(fromNanos, end) + " ms")
                    .findFirst()
                    .orElse("none");
        }

        void noServerErrors(List<Outcome> outcomes) {
            List<Outcome> fivehundreds = outcomes.stream().filter(o -> o.status() == 500).toList();
            check(fivehundreds.isEmpty(), "no answer was a 500 (" + fivehundreds.size() + ")");
        }

        Instance victim() {
            String name = settings.get("DRILL_KILL_INSTANCE");
            return settings.instances().stream()
                    .filter(i -> name == null || name.isBlank() || i.name().equals(name))
                    .findFirst()
                    .orElseThrow();
        }

        void start(String what) {
            System.out.println("drill " + name + ": " + what + " (" + Instant.now() + ")");
            allReadyOrAbort("before the drill");
            check(true, "all " + settings.instances().size() + " instances ready before the fault "
                    + settings.instances().stream().map(Instance::name).toList());
        }

        // ---------------------------------------------------------------------------------------------------------
        // (1) kill -9 one instance under load

        void killInstance() {
            Instance victim = victim();
            start("kill -9 instance " + victim.name() + " under load through " + settings.url());
            long pid = status(victim).path("pid").asLong(-1);
            if (pid <= 0) {
                throw new DrillAborted("/admin/status of " + victim.name() + " has no pid");
            }
            try (Load load = new Load(true)) {
                load.awaitMore(50);
                long killStart = System.nanoTime();
                if (settings.get("DRILL_KILL_CMD", "").isBlank()) {
                    ProcessHandle process = ProcessHandle.of(pid)
                            .orElseThrow(() -> new DrillAborted("no process " + pid + " (" + victim.name()
                                    + ") on this host; set DRILL_KILL_CMD to kill it where it runs"));
                    process.destroyForcibly(); // SIGKILL
                    try {
                        process.onExit().get(settings.timeout().toSeconds(), TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new DrillAborted("process " + pid + " did not exit after SIGKILL: " + e);
                    }
                    say("fault: SIGKILL to pid " + pid + " (instance " + victim.name() + ")");
                } else {
                    run("DRILL_KILL_CMD", Map.of("pid", Long.toString(pid), "instance", victim.name()));
                    awaitOrAbort(victim.name() + " (pid " + pid + ") to be gone", () -> unreachable(victim)
                            || currentPid(victim) != pid);
                    say("fault: DRILL_KILL_CMD for pid " + pid + " (instance " + victim.name() + ")");
                }
                long gone = System.nanoTime();
                check(true, "instance " + victim.name() + " (pid " + pid + ") gone " + ms(killStart, gone)
                        + " ms after the kill");
                if (!settings.get("DRILL_RESTART_CMD", "").isBlank()) {
                    run("DRILL_RESTART_CMD", Map.of("instance", victim.name()));
                } else {
                    say("no DRILL_RESTART_CMD: waiting for the service manager to restart " + victim.name());
                }
                boolean back = await(settings.timeout(), () -> ready(victim));
                long readyAt = System.nanoTime();
                check(back, "instance " + victim.name() + " ready again" + (back ? "" : " within "
                        + settings.timeout().toSeconds() + " s (DRILL_TIMEOUT)"));
                load.awaitMore(50);
                List<Outcome> outcomes = load.stop();
                describeLoad(outcomes);
                List<Outcome> failed = outcomes.stream().filter(Outcome::failed).toList();
                List<Outcome> late = failed.stream().filter(o -> o.startNanos() > gone).toList();
                check(late.isEmpty(), failed.size() + " request(s) failed, all of them in flight when " + victim.name()
                        + " was killed (failed after it was gone: " + late.size()
                        + (late.isEmpty() ? "" : ", e.g. " + late.get(0).detail()) + ")");
                check(failed.size() <= settings.clients(), "at most one failed request per client ("
                        + failed.size() + " of at most " + settings.clients() + ")");
                noServerErrors(outcomes);
                reportLost(acknowledged(outcomes), "acknowledged creates (201)");
                say("recovery: first good answer " + firstGoodAnswer(outcomes, gone) + " after the kill; "
                        + victim.name() + " ready again " + (back ? ms(gone, readyAt) + " ms" : "never")
                        + " after the kill");
            }
        }

        // ---------------------------------------------------------------------------------------------------------
        // (2) stop PostgreSQL for N seconds under load

        void stopDatabase() {
            int down = settings.seconds("DRILL_DB_DOWN_SECONDS", 5);
            start("stop the database for " + down + " s under load through " + settings.url());
            try (Load load = new Load(false)) {
                load.awaitMore(50);
                long stopped = System.nanoTime();
                run("DRILL_DB_STOP_CMD", Map.of());
                faultCaused("start the database (DRILL_DB_START_CMD)", () -> run("DRILL_DB_START_CMD", Map.of()));
                say("fault: database stopped");
                boolean notReady = await(settings.timeout(),
                        () -> settings.instances().stream().noneMatch(this::ready));
                check(notReady, "every instance reported not ready (/health/ready 503) while the database was down"
                        + (notReady ? ", " + ms(stopped, System.nanoTime()) + " ms after the stop" : ""));
                hold(stopped, down);
                run("DRILL_DB_START_CMD", Map.of());
                faultEnded();
                long faultEnd = System.nanoTime();
                boolean back = await(settings.timeout(), () -> settings.instances().stream().allMatch(this::ready));
                long readyAt = System.nanoTime();
                check(back, "every instance ready again without a restart");
                load.awaitMore(50);
                List<Outcome> outcomes = load.stop();
                describeLoad(outcomes);
                List<Outcome> failed = outcomes.stream().filter(Outcome::failed).toList();
                check(failed.stream().anyMatch(o -> o.status() == 503),
                        "the outage was seen: " + failed.size() + " answer(s) of 5xx or none while it lasted");
                List<Outcome> wrong = failed.stream()
                        .filter(o -> o.status() != 503
                                || !o.detail().contains("application/problem+json")
                                || o.detail().contains("Retry-After=none"))
                        .toList();
                check(wrong.isEmpty(), "every failed request was a 503 problem+json with Retry-After, none a 500,"
                        + " 502, 504 or a broken connection (" + wrong.size() + " were not"
                        + (wrong.isEmpty() ? "" : ", e.g. " + wrong.get(0).status() + " " + wrong.get(0).detail()) + ")");
                reportLost(acknowledged(outcomes), "acknowledged creates (201)");
                say("recovery: first good answer " + firstGoodAnswer(outcomes, faultEnd)
                        + " after the database was started; all instances ready "
                        + (back ? ms(faultEnd, readyAt) + " ms" : "never") + " after it");
            }
        }

        // ---------------------------------------------------------------------------------------------------------
        // (3) stop etcd: the instances keep serving on their last configuration, and follow it again after

        void stopEtcd() {
            int down = settings.seconds("DRILL_ETCD_DOWN_SECONDS", 5);
            start("stop etcd for " + down + " s under load through " + settings.url());
            String key = settings.get("DRILL_ETCD_PREFIX", "/users-service/config/")
                    + settings.get("DRILL_ETCD_KEY", "auth.cache.max-entries");
            String value = settings.get("DRILL_ETCD_VALUE", "9999");
            Optional<String> before = etcdGet(key);
            if (before.isPresent() && before.get().equals(value)) {
                throw new DrillAborted("etcd already holds " + key + "=" + value + "; set DRILL_ETCD_VALUE to another"
                        + " valid value, so that the drill can see the change arrive");
            }
            Map<String, String> hashes = new LinkedHashMap<>();
            for (Instance instance : settings.instances()) {
                hashes.put(instance.name(), configHash(instance)
                        .orElseThrow(() -> new DrillAborted("no config.hash in /admin/status of " + instance.name())));
            }
            try (Load load = new Load(false)) {
                load.awaitMore(50);
                long stopped = System.nanoTime();
                run("DRILL_ETCD_STOP_CMD", Map.of());
                faultCaused("start etcd (DRILL_ETCD_START_CMD)", () -> run("DRILL_ETCD_START_CMD", Map.of()));
                say("fault: etcd stopped");
                boolean etcdDown = await(settings.timeout(), () -> etcdGet(key, true).isEmpty());
                check(etcdDown, "etcd does not answer at " + settings.get("DRILL_ETCD_ENDPOINT"));
                List<String> notReady = new ArrayList<>();
                List<String> changed = new ArrayList<>();
                long until = stopped + TimeUnit.SECONDS.toNanos(down);
                while (System.nanoTime() < until) {
                    for (Instance instance : settings.instances()) {
                        if (!ready(instance)) {
                            notReady.add(instance.name());
                        }
                        if (!configHash(instance).equals(Optional.of(hashes.get(instance.name())))) {
                            changed.add(instance.name());
                        }
                    }
                    pause(250);
                }
                check(notReady.isEmpty(), "every instance stayed ready while etcd was down"
                        + (notReady.isEmpty() ? "" : " (not ready: " + new TreeSet<>(notReady) + ")"));
                check(changed.isEmpty(), "every instance kept its last configuration (config.hash unchanged)"
                        + (changed.isEmpty() ? "" : " (changed: " + new TreeSet<>(changed) + ")"));
                run("DRILL_ETCD_START_CMD", Map.of());
                faultEnded();
                long faultEnd = System.nanoTime();
                boolean put = await(settings.timeout(), () -> etcdPut(key, value));
                if (!put) {
                    throw new DrillAborted("etcd did not take " + key + " within " + settings.timeout().toSeconds()
                            + " s after it was started: " + etcdFailure);
                }
                say("changed in etcd: " + key + "=" + value + " (was " + before.orElse("unset") + ")");
                faultCaused("undo the change in etcd (" + key + ")", () -> {
                    if (!(before.isPresent() ? etcdPut(key, before.get()) : etcdDelete(key))) {
                        throw new DrillAborted("etcd did not answer: " + etcdFailure);
                    }
                });
                boolean applied = await(settings.timeout(), () -> settings.instances().stream()
                        .allMatch(i -> configHash(i).filter(h -> !h.equals(hashes.get(i.name()))).isPresent()));
                long appliedAt = System.nanoTime();
                check(applied, "every instance applied the change from etcd after it was back (config.hash changed)");
                boolean undone = before.isPresent() ? etcdPut(key, before.get()) : etcdDelete(key);
                if (undone) {
                    faultEnded();
                }
                boolean restored = undone && await(settings.timeout(), () -> settings.instances().stream()
                        .allMatch(i -> configHash(i).equals(Optional.of(hashes.get(i.name())))));
                check(restored, "the change undone (" + key + (before.isPresent() ? " put back to " + before.get()
                        : " deleted") + ") and every instance back on its configuration hash");
                load.awaitMore(20);
                List<Outcome> outcomes = load.stop();
                describeLoad(outcomes);
                List<Outcome> failed = outcomes.stream().filter(o -> !o.good()).toList();
                check(failed.isEmpty(), "every request answered 2xx while etcd was down and after ("
                        + failed.size() + " did not" + (failed.isEmpty() ? "" : ", e.g. " + failed.get(0).status()
                                + " " + failed.get(0).detail()) + ")");
                reportLost(acknowledged(outcomes), "acknowledged creates (201)");
                say("recovery: first good answer " + firstGoodAnswer(outcomes, faultEnd)
                        + " after etcd was started; every instance applied a change from etcd "
                        + (applied ? ms(faultEnd, appliedAt) + " ms" : "never") + " after it was started");
            }
        }

        Optional<String> etcdGet(String key) {
            return etcdGet(key, false).orElseThrow(() -> new DrillAborted("etcd at "
                    + settings.get("DRILL_ETCD_ENDPOINT") + " did not give " + key + ": " + etcdFailure));
        }

        /** The key's value (empty when unset), or empty when etcd does not answer. */
        Optional<Optional<String>> etcdGet(String key, boolean quiet) {
            ObjectNode body = JSON.createObjectNode().put("key", b64(key));
            return etcd("/v3/kv/range", body).map(answer -> {
                JsonNode kvs = answer.path("kvs");
                return kvs.isArray() && !kvs.isEmpty()
                        ? Optional.of(new String(Base64.getDecoder().decode(kvs.get(0).path("value").asText("")),
                                StandardCharsets.UTF_8))
                        : Optional.<String>empty();
            });
        }

        boolean etcdPut(String key, String value) {
            return etcd("/v3/kv/put", JSON.createObjectNode().put("key", b64(key)).put("value", b64(value)))
                    .isPresent();
        }

        boolean etcdDelete(String key) {
            return etcd("/v3/kv/deleterange", JSON.createObjectNode().put("key", b64(key))).isPresent();
        }

        /** etcd's client: TLS from DRILL_ETCD_CA_FILE, DRILL_ETCD_CERT_FILE and DRILL_ETCD_KEY_FILE when set. */
        final HttpClient etcdHttp;
        /** The token of DRILL_ETCD_USERNAME: null until it authenticated, "" without a user or with auth off. */
        private String etcdToken;
        /** Why the last call to etcd did not succeed, with the setting to fix when one does. */
        private String etcdFailure = "";

        /**
         * A call to etcd's JSON gateway, with DRILL_ETCD_USERNAME's token when there is a user; a token etcd no longer
         * knows (it expired, or etcd restarted) is replaced by a new one and the call made once more. Empty when etcd
         * does not answer or refuses the call ({@link #etcdFailure} says why).
         *
         * @throws DrillAborted when etcd refuses the user's name or password: a wait for etcd cannot end well
         */
        Optional<JsonNode> etcd(String path, ObjectNode body) {
            try {
                for (boolean retried = false; ; retried = true) {
                    String token = etcdToken();
                    HttpRequest.Builder request = etcdRequest(path, body);
                    if (!token.isEmpty()) {
                        request.header("Authorization", token);
                    }
                    HttpResponse<String> response = send(etcdHttp, request);
                    if (response.statusCode() == 200) {
                        etcdFailure = "";
                        return Optional.of(JSON.readTree(response.body()));
                    }
                    String message = etcdMessage(response.body());
                    if (!retried && !token.isEmpty()
                            && (response.statusCode() == 401 || message.contains("invalid auth token"))) {
                        etcdToken = null;
                        continue;
                    }
                    etcdFailure = path + " answered HTTP " + response.statusCode() + " (" + message + ")"
                            + etcdHint(response.statusCode(), message);
                    return Optional.empty();
                }
            } catch (IOException e) {
                etcdFailure = etcdTrouble(e);
                return Optional.empty();
            }
        }

        HttpRequest.Builder etcdRequest(String path, ObjectNode body) throws IOException {
            return HttpRequest.newBuilder(URI.create(settings.get("DRILL_ETCD_ENDPOINT").replaceAll("/+$", "") + path))
                    .timeout(Duration.ofSeconds(3))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }

        /** DRILL_ETCD_USERNAME's token, authenticating when there is none; "" without a user or where auth is off. */
        String etcdToken() throws IOException {
            String user = settings.get("DRILL_ETCD_USERNAME", "");
            if (user.isEmpty()) {
                return "";
            }
            if (etcdToken != null) {
                return etcdToken;
            }
            String password = etcdPassword(Path.of(settings.get("DRILL_ETCD_PASSWORD_FILE")));
            HttpResponse<String> response = send(etcdHttp, etcdRequest("/v3/auth/authenticate",
                    JSON.createObjectNode().put("name", user).put("password", password)));
            String message = etcdMessage(response.body());
            if (response.statusCode() == 200 && !JSON.readTree(response.body()).path("token").asText("").isEmpty()) {
                etcdToken = JSON.readTree(response.body()).path("token").asText();
            } else if (message.contains("authentication is not enabled")) {
                etcdToken = "";
            } else if (message.contains("authentication failed")) {
                throw new DrillAborted("etcd refused user '" + user + "' (" + message + "); check DRILL_ETCD_USERNAME"
                        + " and the password on the first line of DRILL_ETCD_PASSWORD_FILE ("
                        + settings.get("DRILL_ETCD_PASSWORD_FILE") + ")");
            } else {
                throw new IOException("authenticating as '" + user + "' answered HTTP " + response.statusCode() + " ("
                        + message + ")");
            }
            return etcdToken;
        }

        /** What to do about etcd's refusal, when a setting fixes it. */
        String etcdHint(int status, String message) {
            String user = settings.get("DRILL_ETCD_USERNAME", "");
            if (message.contains("CommonName of client")) {
                return "; with authentication on, etcd 3.4's JSON gateway refuses a client certificate whose subject"
                        + " has a CommonName (CN): give DRILL_ETCD_CERT_FILE one without, e.g. subject /O=drills";
            }
            if (user.isEmpty() && (status == 401 || message.contains("user name is empty")
                    || message.contains("permission denied"))) {
                return "; etcd has authentication on: set DRILL_ETCD_USERNAME and DRILL_ETCD_PASSWORD_FILE (as the"
                        + " instances' config.etcd.username and config.etcd.password-file)";
            }
            if (message.contains("permission denied")) {
                return "; etcd user '" + user + "' needs a role with readwrite on DRILL_ETCD_PREFIX ("
                        + settings.get("DRILL_ETCD_PREFIX", "/users-service/config/") + "), or set another"
                        + " DRILL_ETCD_USERNAME";
            }
            if (message.contains("HTTP request to an HTTPS server")) {
                return "; etcd speaks TLS there: make DRILL_ETCD_ENDPOINT https:// and set DRILL_ETCD_CA_FILE";
            }
            if (status == 401) {
                return "; etcd refused the token of DRILL_ETCD_USERNAME '" + user + "' just after it authenticated";
            }
            return "";
        }

        /** Why etcd could not be reached, naming the DRILL_ETCD_* setting that fixes a failed TLS handshake. */
        String etcdTrouble(IOException e) {
            if (e instanceof java.net.ConnectException) {
                return "connection refused (is etcd running at " + settings.get("DRILL_ETCD_ENDPOINT") + "?)";
            }
            if (e instanceof java.net.http.HttpTimeoutException) {
                return "no answer within 3 s";
            }
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (!(cause instanceof SSLException)) {
                    continue;
                }
                String what = String.valueOf(cause.getMessage());
                if (what.contains("PKIX") || what.contains("certification path")) {
                    return "the TLS handshake failed: etcd's certificate is not trusted (" + what + "); set"
                            + " DRILL_ETCD_CA_FILE to the CA certificate that signed it (etcdctl --cacert)";
                }
                if (what.contains("bad_certificate") || what.contains("certificate_required")
                        || what.contains("unknown_ca")) {
                    return "the TLS handshake failed: etcd refused the client certificate or wants one (" + what
                            + "); set DRILL_ETCD_CERT_FILE and DRILL_ETCD_KEY_FILE to one signed by etcd's"
                            + " --trusted-ca-file (etcdctl --cert --key)";
                }
                if (what.contains("subject alternative") || what.contains("No name matching")) {
                    return "the TLS handshake failed: etcd's certificate does not name the host of"
                            + " DRILL_ETCD_ENDPOINT (" + what + "); use a host name it names";
                }
                return "the TLS handshake failed (" + what + "); check DRILL_ETCD_ENDPOINT, DRILL_ETCD_CA_FILE,"
                        + " DRILL_ETCD_CERT_FILE and DRILL_ETCD_KEY_FILE";
            }
            return e + (settings.get("DRILL_ETCD_ENDPOINT").startsWith("http:")
                    ? "; if etcd speaks TLS there, make DRILL_ETCD_ENDPOINT https:// and set DRILL_ETCD_CA_FILE" : "");
        }

        /** The message of etcd's JSON error, else the body as it is. */
        static String etcdMessage(String body) {
            try {
                JsonNode error = JSON.readTree(body);
                if (error.hasNonNull("message")) {
                    return error.path("message").asText();
                }
                if (error.hasNonNull("error")) {
                    return error.path("error").asText();
                }
            } catch (IOException | RuntimeException e) {
                // not JSON
            }
            return body.strip();
        }

        static String b64(String text) {
            return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }

        // ---------------------------------------------------------------------------------------------------------
        // (4) backup, lose and alter data, restore, verify

        void restoreBackup() {
            start("back up under load, delete and change users, restore, verify");
            Path dir;
            try {
                String configured = settings.get("DRILL_BACKUP_DIR", "");
                dir = configured.isBlank()
                        ? Files.createTempDirectory("users-drill-")
                        : Files.createTempDirectory(Path.of(configured), "users-drill-");
            } catch (IOException e) {
                throw new DrillAborted("cannot create a directory for the backup: " + e);
            }
            Path backup = dir.resolve("users-drill.backup");
            List<Outcome> outcomes;
            long backupStart;
            long backupEnd;
            try (Load load = new Load(true)) {
                load.awaitMore(50);
                backupStart = System.nanoTime();
                String printed = jar("backup", "--to", backup.toString());
                backupEnd = System.nanoTime();
                printed.lines().forEach(line -> say("| " + line));
                load.awaitMore(20);
                outcomes = load.stop();
            }
            describeLoad(outcomes);
            Set<Long> beforeBackup = outcomes.stream()
                    .filter(o -> o.createdId() >= 0 && o.endNanos() < backupStart)
                    .map(Outcome::createdId)
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<Long> afterBackup = outcomes.stream()
                    .filter(o -> o.createdId() >= 0 && o.startNanos() > backupEnd)
                    .map(Outcome::createdId)
                    .collect(Collectors.toCollection(TreeSet::new));
            say("backup: " + backup + " (" + ms(backupStart, backupEnd) + " ms); " + beforeBackup.size()
                    + " users acknowledged before it started, " + afterBackup.size() + " after it ended");
            if (beforeBackup.size() < 7) {
                throw new DrillAborted("too few users created before the backup (" + beforeBackup.size() + ")");
            }

            // Lose and alter data: delete five users, change one.
            List<Long> ids = new ArrayList<>(beforeBackup);
            List<Long> deleted = ids.subList(0, 5);
            long altered = ids.get(5);
            JsonNode original;
            String originalTag;
            try {
                for (long id : deleted) {
                    int status = send(api("/api/v1/users/" + id).DELETE()).statusCode();
                    if (status != 204) {
                        throw new DrillAborted("DELETE /api/v1/users/" + id + " answered " + status);
                    }
                }
                HttpResponse<String> got = send(api("/api/v1/users/" + altered));
                original = JSON.readTree(got.body());
                originalTag = got.headers().firstValue("ETag").orElse("");
                HttpResponse<String> put = send(api("/api/v1/users/" + altered)
                        .header("Content-Type", "application/json")
                        .header("If-Match", originalTag)
                        .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(JSON.createObjectNode()
                                .put("name", "Changed by the drill")
                                .put("email", original.path("email").asText())))));
                if (put.statusCode() != 200) {
                    throw new DrillAborted("PUT /api/v1/users/" + altered + " answered " + put.statusCode() + ": "
                            + put.body());
                }
            } catch (IOException e) {
                throw new DrillAborted("changing users through " + settings.url() + " failed: " + e);
            }
            say("fault: deleted users " + deleted + ", changed the name of user " + altered);

            run("DRILL_FLEET_STOP_CMD", Map.of());
            faultCaused("start the fleet (DRILL_FLEET_START_CMD)", () -> run("DRILL_FLEET_START_CMD", Map.of()));
            long restoreStart = System.nanoTime();
            String printed = jar("restore", "--from", backup.toString());
            long restoreEnd = System.nanoTime();
            printed.lines().forEach(line -> say("| " + line));
            run("DRILL_FLEET_START_CMD", Map.of());
            faultEnded();
            boolean back = await(settings.timeout(), () -> settings.instances().stream().allMatch(this::ready));
            long readyAt = System.nanoTime();
            check(back, "every instance ready after the restore");

            Map<Long, Integer> deletedNow = readBack(new TreeSet<>(deleted));
            check(deletedNow.values().stream().allMatch(s -> s == 200),
                    "the " + deleted.size() + " deleted users are back " + deletedNow);
            try {
                HttpResponse<String> got = send(api("/api/v1/users/" + altered));
                JsonNode now = JSON.readTree(got.body());
                check(got.statusCode() == 200
                                && now.path("name").equals(original.path("name"))
                                && got.headers().firstValue("ETag").orElse("").equals(originalTag),
                        "user " + altered + " has its name and version of the backup again ("
                                + now.path("name") + ", ETag " + got.headers().firstValue("ETag").orElse("none") + ")");
            } catch (IOException e) {
                check(false, "user " + altered + " could not be read: " + e);
            }
            if (!afterBackup.isEmpty()) {
                Map<Long, Integer> later = readBack(afterBackup);
                long gone = later.values().stream().filter(s -> s == 404).count();
                check(gone == afterBackup.size(), "the database is the backup's: the " + afterBackup.size()
                        + " users created after the backup are not in it (" + gone + " answered 404)");
            }
            reportLost(beforeBackup, "creates acknowledged before the backup started");
            say("recovery: restore took " + ms(restoreStart, restoreEnd) + " ms; all instances ready "
                    + (back ? ms(restoreStart, readyAt) + " ms" : "never") + " after the restore started"
                    + " (fleet stopped -> restore -> fleet started)");
            say("the backup stays in " + dir + "; drop the schema restore moved the old tables into once the"
                    + " fleet is good (see the 'replaced:' line above)");
        }

        /** Runs a users-service command with the operator's arguments (DRILL_SERVICE_ARGS); aborts when it fails. */
        String jar(String... args) {
            List<String> command = new ArrayList<>();
            command.add(settings.get("DRILL_JAVA",
                    ProcessHandle.current().info().command().orElse("java")));
            command.add("-jar");
            command.add(settings.get("DRILL_JAR"));
            command.addAll(List.of(args));
            String extra = settings.get("DRILL_SERVICE_ARGS", "").trim();
            if (!extra.isEmpty()) {
                command.addAll(List.of(extra.split("\\s+")));
            }
            return runCommand("users-service " + args[0], command, "users-service " + String.join(" ",
                    command.subList(3, command.size())));
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DrillAborted("interrupted");
        }
    }
}
