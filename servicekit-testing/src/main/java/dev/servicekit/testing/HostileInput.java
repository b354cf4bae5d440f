package dev.servicekit.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * A black-box hostile-input run against any HTTP/1.1 service: a seeded, bounded number of malformed requests
 * written as raw bytes over {@link Socket}s (broken framing, oversized and repeated headers, odd methods,
 * percent-encoded and overlong paths, invalid UTF-8, JSON edge cases, malformed bearer tokens), each answer read
 * as far as its status line, headers and a capped body. It fails on any status of 500 or more, on a body (or
 * header) that shows a Java stack trace or exception class name, on an answer that is not HTTP at all, and on a
 * service that is not healthy afterwards ({@code GET /health/ready} on the management listener is 200 and one
 * normal authenticated {@code GET} is 2xx).
 *
 * <p>Request {@code i} is built from {@code new Random(seed + i * GOLDEN)} alone, so a run is reproducible
 * whatever the threads' interleaving, and a finding names the index and seed that make its request again
 * ({@link #request(long, int)}). A closed connection, a reset or a read timeout is an outcome (the server may
 * refuse to answer garbage), never a 5xx. Every request goes on its own connection, which the client half-closes
 * after writing, so a truncated body ends at the server instead of waiting out the read timeout.
 *
 * {@snippet :
 * HostileInput.Report report = HostileInput.builder(URI.create("http://127.0.0.1:8080"))
 *         .management(URI.create("http://127.0.0.1:9090"))
 *         .token(token)
 *         .paths(List.of("/api/v1/users", "/api/v1/users/{id}", "/api/v1/auth/token"))
 *         .jsonFields(List.of("name", "email", "roles", "password"))
 *         .seed(18)
 *         .requests(10_000)
 *         .build()
 *         .run();
 * report.assertPassed();
 * }
 *
 * <p>Threading: {@link #run()} blocks; it uses {@code concurrency} platform threads of its own and stops issuing
 * requests at the deadline (the report says how many it sent). Loopback only by intent; nothing stops another host.
 */
public final class HostileInput {

    /** Mixes the seed and the index into one {@link Random} seed per request. */
    static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /**
     * A stack trace or an exception class name: {@code java.lang.IllegalStateException}, {@code \tat }, {@code
     * Caused by:}, or a bare {@code SomethingException:} at the start of a line (how a trace's first line reads).
     */
    public static final Pattern LEAK =
            Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+\\.[A-Z]\\w*(Exception|Error)\\b"
                    + "|\\tat [\\w$.]+\\(|\\bat [a-z][\\w$]*(\\.[\\w$]+)+\\([\\w$]+\\.java:\\d+\\)"
                    + "|Caused by: |(?m)^[A-Z]\\w*(Exception|Error): ");

    private final URI api;
    private final Optional<URI> management;
    private final Optional<String> token;
    private final List<String> paths;
    private final List<String> jsonFields;
    private final long seed;
    private final int requests;
    private final int concurrency;
    private final Duration deadline;
    private final Duration readTimeout;
    private final int bodyCap;
    private final int sampleSize;
    private final String healthPath;
    private final String probePath;
    private final RequestGenerator generator;

    private HostileInput(Builder b) {
        this.api = b.api;
        this.management = Optional.ofNullable(b.management);
        this.token = Optional.ofNullable(b.token);
        this.paths = List.copyOf(b.paths);
        this.jsonFields = List.copyOf(b.jsonFields);
        this.seed = b.seed;
        this.requests = b.requests;
        this.concurrency = b.concurrency;
        this.deadline = b.deadline;
        this.readTimeout = b.readTimeout;
        this.bodyCap = b.bodyCap;
        this.sampleSize = b.sampleSize;
        this.healthPath = b.healthPath;
        this.probePath = b.probePath == null ? firstConcretePath(paths) : b.probePath;
        this.generator = new RequestGenerator(hostHeader(api), token, paths, jsonFields);
    }

    /** A run against the API at {@code api} ({@code http://host:port}, no path); see {@link Builder} for the rest. */
    public static Builder builder(URI api) {
        return new Builder(api);
    }

    /** The bytes of request {@code index} of a run with {@code seed}, to replay one finding by hand. */
    public byte[] request(long seed, int index) {
        return generator.generate(new Random(seed + index * GOLDEN)).bytes();
    }

    /**
     * Sends the requests (until the count or the deadline), then checks the service's health, and returns what it
     * saw. It does not throw on findings; {@link Report#assertPassed()} does.
     */
    public Report run() {
        long started = System.nanoTime();
        long stopAt = started + deadline.toNanos();
        AtomicInteger next = new AtomicInteger();
        Tally tally = new Tally(sampleSize);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "hostile-input");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                workers.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < requests && System.nanoTime() < stopAt) {
                        HostileRequest request = generator.generate(new Random(seed + i * GOLDEN));
                        tally.record(i, request, exchange(request));
                    }
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the hostile-input run", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a hostile-input worker failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        List<String> health = healthProblems();
        return tally.report(seed, requests, took, health);
    }

    private Outcome exchange(HostileRequest request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(api.getHost(), api.getPort()), (int) readTimeout.toMillis());
            socket.setSoTimeout((int) readTimeout.toMillis());
            // Close with a reset, not FIN: 10^5 connections in TIME_WAIT would use up the client's ports.
            socket.setSoLinger(true, 0);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.bytes());
                out.flush();
                socket.shutdownOutput();
            } catch (IOException e) {
                // The server may close a connection in the middle of a huge request after it answered: read that.
            }
            return ResponseReader.read(socket.getInputStream(), bodyCap);
        } catch (ConnectException e) {
            return Outcome.other(Outcome.Kind.REFUSED, e.toString());
        } catch (SocketTimeoutException e) {
            return Outcome.other(Outcome.Kind.TIMEOUT, "");
        } catch (IOException e) {
            return Outcome.other(Outcome.Kind.CLOSED, e.toString());
        }
    }

    private List<String> healthProblems() {
        List<String> problems = new ArrayList<>();
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        management.ifPresent(m -> {
            String answer = get(client, m.resolve(healthPath), Optional.empty());
            if (!answer.startsWith("200")) {
                problems.add("GET " + healthPath + " on the management listener answered " + answer);
            }
        });
        String answer = get(client, api.resolve(probePath), token);
        if (!answer.startsWith("2")) {
            problems.add("GET " + probePath + (token.isPresent() ? " with the token" : "") + " answered " + answer);
        }
        return problems;
    }

    private static String get(HttpClient client, URI uri, Optional<String> token) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + abbreviate(response.body(), 200);
        } catch (IOException e) {
            return "no answer (" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "no answer (interrupted)";
        }
    }

    private static String firstConcretePath(List<String> paths) {
        return paths.stream().filter(p -> !p.contains("{")).findFirst().orElse("/");
    }

    private static String hostHeader(URI api) {
        return api.getHost() + ":" + api.getPort();
    }

    static String abbreviate(String text, int max) {
        String oneLine = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "…(" + text.length() + " chars)";
    }

    /** Runs from the command line; {@code --help} lists the options. Exit 0: passed, 1: findings, 64: usage. */
    public static void main(String[] args) {
        System.exit(Cli.run(args, System.out, System.err));
    }

    /** What to run against and how much. */
    public static final class Builder {
        private final URI api;
        private URI management;
        private String token;
        private List<String> paths = List.of("/");
        private List<String> jsonFields = List.of();
        private long seed = 1;
        private int requests = 10_000;
        private int concurrency = 4;
        private Duration deadline = Duration.ofMinutes(2);
        private Duration readTimeout = Duration.ofSeconds(5);
        private int bodyCap = 64 * 1024;
        private int sampleSize = 40;
        private String healthPath = "/health/ready";
        private String probePath;

        private Builder(URI api) {
            Objects.requireNonNull(api, "api");
            if (!"http".equals(api.getScheme()) || api.getPort() < 0) {
                throw new IllegalArgumentException(
                        "the API URL \"" + api + "\" must be http://host:port (raw sockets speak plain HTTP only)");
            }
            this.api = api;
        }

        /** The management listener ({@code http://host:port}); without it the health check is the probe only. */
        public Builder management(URI value) {
            this.management = Objects.requireNonNull(value, "management");
            return this;
        }

        /** A valid bearer token: most requests carry it so they reach the handlers, the rest a broken one. */
        public Builder token(String value) {
            this.token = Objects.requireNonNull(value, "token").strip();
            return this;
        }

        /**
         * Paths to aim at: concrete ones ({@code /api/v1/users/42}) and templates whose {@code {name}} parts are
         * filled with hostile values. Default {@code /}.
         */
        public Builder paths(List<String> value) {
            if (value.isEmpty()) {
                throw new IllegalArgumentException("paths must not be empty");
            }
            this.paths = List.copyOf(value);
            return this;
        }

        /** The JSON body's field names, so bodies reach the validation of real fields; default generic names. */
        public Builder jsonFields(List<String> value) {
            this.jsonFields = List.copyOf(value);
            return this;
        }

        /** The seed; the same seed and count send the same requests. Default 1. */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** How many requests (default 10 000). */
        public Builder requests(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("requests must be at least 1, not " + value);
            }
            this.requests = value;
            return this;
        }

        /** Connections at once (default 4). */
        public Builder concurrency(int value) {
            if (value < 1 || value > 64) {
                throw new IllegalArgumentException("concurrency must be 1..64, not " + value);
            }
            this.concurrency = value;
            return this;
        }

        /** When to stop issuing requests (default 2 minutes); the health check comes after it. */
        public Builder deadline(Duration value) {
            this.deadline = Objects.requireNonNull(value, "deadline");
            return this;
        }

        /** How long to wait for an answer before counting a timeout (default 5 s). */
        public Builder readTimeout(Duration value) {
            this.readTimeout = Objects.requireNonNull(value, "readTimeout");
            return this;
        }

        /** The path of the readiness check on the management listener (default {@code /health/ready}). */
        public Builder healthPath(String value) {
            this.healthPath = Objects.requireNonNull(value, "healthPath");
            return this;
        }

        /** The normal request that must still work afterwards (default the first concrete path). */
        public Builder probePath(String value) {
            this.probePath = Objects.requireNonNull(value, "probePath");
            return this;
        }

        /** How many answers the report keeps as samples (default 40); counts cover all. */
        public Builder sampleSize(int value) {
            this.sampleSize = value;
            return this;
        }

        /** The run. */
        public HostileInput build() {
            return new HostileInput(this);
        }
    }

    /** One generated request: its category (for the counts) and its bytes. */
    record HostileRequest(String category, byte[] bytes) {
        String preview() {
            return abbreviate(new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.ISO_8859_1), 300);
        }
    }

    /** What came back: an HTTP answer, or a connection outcome. */
    record Outcome(Kind kind, int status, String head, String body) {
        enum Kind {
            ANSWER,
            CLOSED,
            TIMEOUT,
            REFUSED,
            NOT_HTTP
        }

        static Outcome answer(int status, String head, String body) {
            return new Outcome(Kind.ANSWER, status, head, body);
        }

        static Outcome other(Kind kind, String detail) {
            return new Outcome(kind, 0, detail, "");
        }

        String label() {
            return kind == Kind.ANSWER ? Integer.toString(status) : kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A request that broke a rule, with what it was and what came back. */
    public record Finding(int index, String category, String rule, String request, String answer) {
        @Override
        public String toString() {
            return "#" + index + " [" + category + "] " + rule + "\n    request: " + request + "\n    answer:  "
                    + answer;
        }
    }

    /** An answer kept for the report. */
    public record Sample(int index, String category, String outcome, String request, String answer) {}

    /**
     * What a run saw.
     *
     * @param seed      the seed
     * @param requested the count asked for
     * @param sent      how many were sent (fewer when the deadline came first)
     * @param took      how long the requests took (not the health check)
     * @param outcomes  answers by status ({@code "200"}, {@code "400"}, …) and {@code closed}, {@code timeout},
     *                  {@code refused}, {@code not_http}
     * @param categories requests by category
     * @param findings  every broken rule (all of them, not a sample)
     * @param samples   a bounded sample of answers, the first few of every outcome
     * @param health    problems of the health check afterwards; empty when healthy
     */
    public record Report(
            long seed,
            int requested,
            int sent,
            Duration took,
            Map<String, Long> outcomes,
            Map<String, Long> categories,
            List<Finding> findings,
            List<Sample> samples,
            List<String> health) {

        /** No finding and healthy afterwards. */
        public boolean passed() {
            return findings.isEmpty() && health.isEmpty();
        }

        /** Answers of 500 or more. */
        public long serverErrors() {
            return outcomes.entrySet().stream()
                    .filter(e -> e.getKey().matches("\\d+") && Integer.parseInt(e.getKey()) >= 500)
                    .mapToLong(Map.Entry::getValue)
                    .sum();
        }

        /** The run in a few lines: counts, outcomes, the first findings and the health check. */
        public String summary() {
            StringBuilder s = new StringBuilder();
            s.append("hostile input: seed ")
                    .append(seed)
                    .append(", ")
                    .append(sent)
                    .append(" of ")
                    .append(requested)
                    .append(" requests in ")
                    .append(took.toMillis())
                    .append(" ms\n");
            s.append("  outcomes:   ").append(outcomes).append('\n');
            s.append("  categories: ").append(categories).append('\n');
            s.append("  findings:   ").append(findings.size()).append('\n');
            findings.stream().limit(20).forEach(f -> s.append("  ").append(f).append('\n'));
            s.append("  afterwards: ")
                    .append(health.isEmpty() ? "healthy" : String.join("; ", health))
                    .append('\n');
            s.append(passed() ? "PASSED" : "FAILED");
            return s.toString();
        }

        /** Throws an {@link AssertionError} with the {@link #summary()} unless {@link #passed()}. */
        public void assertPassed() {
            if (!passed()) {
                throw new AssertionError(summary());
            }
        }
    }

    /** Counts, findings and samples, shared by the workers. */
    private static final class Tally {
        private final int sampleSize;
        private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        private final Map<String, LongAdder> categories = new ConcurrentHashMap<>();
        private final List<Finding> findings = Collections.synchronizedList(new ArrayList<>());
        private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        private final Map<String, AtomicInteger> samplesPerOutcome = new ConcurrentHashMap<>();
        private final LongAdder sent = new LongAdder();

        Tally(int sampleSize) {
            this.sampleSize = sampleSize;
        }

        void record(int index, HostileRequest request, Outcome outcome) {
            sent.increment();
            outcomes.computeIfAbsent(outcome.label(), k -> new LongAdder()).increment();
            categories.computeIfAbsent(request.category(), k -> new LongAdder()).increment();
            String answer = outcome.kind() == Outcome.Kind.ANSWER || outcome.kind() == Outcome.Kind.NOT_HTTP
                    ? abbreviate(outcome.head() + "\n\n" + outcome.body(), 600)
                    : outcome.label() + " " + outcome.head();
            if (outcome.kind() == Outcome.Kind.ANSWER && outcome.status() >= 500) {
                findings.add(new Finding(
                        index,
                        request.category(),
                        "status " + outcome.status() + " (>= 500)",
                        request.preview(),
                        answer));
            }
            if (outcome.kind() == Outcome.Kind.NOT_HTTP) {
                findings.add(new Finding(
                        index, request.category(), "an answer that is not HTTP/1.x", request.preview(), answer));
            }
            var leak = LEAK.matcher(outcome.head() + "\n" + outcome.body());
            if (outcome.kind() != Outcome.Kind.CLOSED && outcome.kind() != Outcome.Kind.REFUSED && leak.find()) {
                findings.add(new Finding(
                        index,
                        request.category(),
                        "a stack trace or exception class in the answer (\"" + leak.group() + "\")",
                        request.preview(),
                        answer));
            }
            int n = samplesPerOutcome
                    .computeIfAbsent(outcome.label(), k -> new AtomicInteger())
                    .getAndIncrement();
            if (n < 3 && samples.size() < sampleSize) {
                samples.add(new Sample(index, request.category(), outcome.label(), request.preview(), answer));
            }
        }

        Report report(long seed, int requested, Duration took, List<String> health) {
            List<Finding> sortedFindings;
            synchronized (findings) {
                sortedFindings = findings.stream()
                        .sorted(java.util.Comparator.comparingInt(Finding::index))
                        .toList();
            }
            List<Sample> sortedSamples;
            synchronized (samples) {
                sortedSamples = samples.stream()
                        .sorted(java.util.Comparator.comparingInt(Sample::index))
                        .toList();
            }
            return new Report(
                    seed,
                    requested,
                    (int) sent.sum(),
                    took,
                    counts(outcomes),
                    counts(categories),
                    sortedFindings,
                    sortedSamples,
                    List.copyOf(health));
        }

        private static Map<String, Long> counts(Map<String, LongAdder> adders) {
            Map<String, Long> sorted = new TreeMap<>();
            adders.forEach((k, v) -> sorted.put(k, v.sum()));
            return Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
        }
    }

    /**
     * Reads one answer: the status line and headers (at most 64 KiB), then the body by {@code Content-Length},
     * chunks or until the server closes, at most {@code cap} bytes. Only as much HTTP as it takes to know where an
     * answer ends; anything odd is reported, not repaired.
     */
    static final class ResponseReader {
        private static final int HEAD_CAP = 64 * 1024;

        private ResponseReader() {}

        static Outcome read(InputStream in, int cap) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int state = 0;
            while (state < 4) {
                int b = in.read();
                if (b < 0) {
                    if (head.size() == 0) {
                        return Outcome.other(Outcome.Kind.CLOSED, "closed without an answer");
                    }
                    break;
                }
                head.write(b);
                state = switch (state) {
                    case 0, 2 -> b == '\r' ? state + 1 : (b == '\n' && state == 2 ? 4 : (b == '\n' ? 2 : 0));
                    case 1, 3 -> b == '\n' ? state + 1 : 0;
                    default -> 0;
                };
                if (head.size() > HEAD_CAP) {
                    break;
                }
            }
            String headText = head.toString(StandardCharsets.ISO_8859_1);
            var statusLine = Pattern.compile("^HTTP/1\\.[01] (\\d{3})[ \\r\\n]").matcher(headText);
            if (!statusLine.find()) {
                return new Outcome(Outcome.Kind.NOT_HTTP, 0, headText, "");
            }
            int status = Integer.parseInt(statusLine.group(1));
            String lower = headText.toLowerCase(java.util.Locale.ROOT);
            byte[] body;
            var length = Pattern.compile("\\ncontent-length:\\s*(\\d{1,12})").matcher(lower);
            try {
                if (lower.contains("\ntransfer-encoding:") && lower.contains("chunked")) {
                    body = chunked(in, cap);
                } else if (length.find()) {
                    body = in.readNBytes((int) Math.min(Long.parseLong(length.group(1)), cap));
                } else if (status == 204 || status == 304 || status / 100 == 1) {
                    body = new byte[0];
                } else {
                    body = in.readNBytes(cap);
                }
            } catch (SocketTimeoutException e) {
                body = "(the body did not arrive before the read timeout)".getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = ("(the connection ended in the body: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
            return Outcome.answer(status, headText.strip(), new String(body, StandardCharsets.UTF_8));
        }

        private static byte[] chunked(InputStream in, int cap) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (body.size() < cap) {
                String sizeLine = line(in);
                String hex = sizeLine.split(";", 2)[0].strip();
                if (hex.isEmpty() || hex.length() > 8 || !hex.matches("[0-9a-fA-F]+")) {
                    body.write(("(bad chunk size \"" + sizeLine + "\")").getBytes(StandardCharsets.UTF_8));
                    break;
                }
                int size = Integer.parseInt(hex, 16);
                if (size == 0) {
                    break;
                }
                body.write(in.readNBytes(Math.min(size, cap - body.size())));
                line(in);
            }
            return body.toByteArray();
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder s = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n' && s.length() < 1024) {
                if (b != '\r') {
                    s.append((char) b);
                }
            }
            return s.toString();
        }
    }

    /** The command line of {@link #main}. */
    static final class Cli {
        private Cli() {}

        static int run(String[] args, PrintStream out, PrintStream err) {
            URI api = null;
            Builder builder;
            List<String> paths = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            Map<String, String> options = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (name.equals("--help") || name.equals("-h")) {
                    out.println(usage());
                    return 0;
                }
                if (!name.startsWith("--") || i + 1 >= args.length) {
                    problems.add("\"" + name + "\" is not an option with a value");
                    continue;
                }
                String value = args[++i];
                if (name.equals("--path")) {
                    paths.add(value);
                } else {
                    options.put(name, value);
                }
            }
            try {
                api = URI.create(options.getOrDefault("--api", ""));
                builder = builder(api);
            } catch (IllegalArgumentException e) {
                err.println("hostile-input: --api: " + e.getMessage() + "\n" + usage());
                return 64;
            }
            for (Map.Entry<String, String> option : options.entrySet()) {
                String value = option.getValue();
                try {
                    switch (option.getKey()) {
                        case "--api" -> {}
                        case "--management" -> builder.management(URI.create(value));
                        case "--token-file" -> builder.token(Files.readString(Path.of(value)));
                        case "--json-fields" -> builder.jsonFields(List.of(value.split(",")));
                        case "--seed" -> builder.seed(Long.parseLong(value));
                        case "--requests" -> builder.requests(Integer.parseInt(value));
                        case "--concurrency" -> builder.concurrency(Integer.parseInt(value));
                        case "--deadline-seconds" -> builder.deadline(Duration.ofSeconds(Long.parseLong(value)));
                        case "--probe" -> builder.probePath(value);
                        default -> problems.add("unknown option \"" + option.getKey() + "\"");
                    }
                } catch (IOException | RuntimeException e) {
                    problems.add(option.getKey() + " \"" + value + "\": " + e.getMessage());
                }
            }
            if (!paths.isEmpty()) {
                builder.paths(paths);
            }
            if (!problems.isEmpty()) {
                err.println("hostile-input: " + String.join("; ", problems) + "\n" + usage());
                return 64;
            }
            Report report = builder.build().run();
            out.println(report.summary());
            if (!report.findings().isEmpty()) {
                out.println("samples:");
                report.samples()
                        .forEach(s -> out.println("  #" + s.index() + " [" + s.category() + "] " + s.outcome()
                                + "\n    request: " + s.request() + "\n    answer:  " + s.answer()));
            }
            return report.passed() ? 0 : 1;
        }

        static String usage() {
            return """
                    usage: HostileInput --api http://127.0.0.1:8080 [--management http://127.0.0.1:9090]
                                        [--token-file FILE] [--path /api/v1/users/{id}]... [--json-fields a,b,c]
                                        [--seed N] [--requests N] [--concurrency N] [--deadline-seconds N] [--probe PATH]""";
        }
    }
}
