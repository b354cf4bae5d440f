package dev.servicekit.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}, package {@code chromium}) for tests, driven over the Chrome
 * DevTools Protocol on its loopback WebSocket (the JDK's {@link WebSocket}, Jackson for the JSON messages). One
 * browser with a fresh profile in the test's directory, one page (tab).
 *
 * <p>From the moment the page is attached, every console {@code error}/{@code assert} call, every uncaught exception
 * and every browser log entry of level {@code error} (a failed load, a Content-Security-Policy violation) is kept in
 * {@link #problems()}, so "the page loads with no console errors" is an assertion on an empty list.
 *
 * {@snippet :
 * try (HeadlessChromium chromium = HeadlessChromium.start(dir)) {
 *     chromium.headers(Map.of("Authorization", "Bearer " + token));
 *     chromium.navigate(URI.create("http://127.0.0.1:9090/"));
 *     JsonNode title = chromium.evaluate("document.title");
 *     chromium.screenshot(Path.of("target/page.png"));
 *     assertThat(chromium.problems()).isEmpty();
 * }
 * }
 *
 * <p>Not thread-safe apart from {@link #problems()}; every call waits at most {@value #TIMEOUT_SECONDS} seconds.
 * {@link #close()} ends the browser and its child processes (renderer, zygote, GPU) by their process handles.
 */
public final class HeadlessChromium implements AutoCloseable {

    /** Where Debian's {@code chromium} package installs the browser. */
    public static final Path EXECUTABLE = Path.of("/usr/bin/chromium");

    static final int TIMEOUT_SECONDS = 30;
    private static final Duration TIMEOUT = Duration.ofSeconds(TIMEOUT_SECONDS);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path output;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<JsonNode>> awaited = new ConcurrentHashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, Path output, URI page) {
        this.process = process;
        this.output = output;
        this.socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .connectTimeout(TIMEOUT)
                .buildAsync(page, new Receiver())
                .orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .join();
    }

    /** Whether the browser is installed; a test skips with a message saying so when it is not. */
    public static boolean available() {
        return Files.isExecutable(EXECUTABLE);
    }

    /**
     * Starts the browser on {@code about:blank} with a fresh profile under {@code dir}, a 1280×900 window, no
     * network of its own (no component updates, sync, QUIC or first-run requests), and attaches to its page with
     * the console, the log, the network and the page domains enabled.
     *
     * @param dir a directory of the test's (the profile and the browser's output go there)
     * @return the attached browser
     */
    public static HeadlessChromium start(Path dir) {
        return start(dir, List.of());
    }

    /**
     * As {@link #start(Path)}, with further command-line flags, for example
     * {@code --blink-settings=scriptEnabled=false}.
     */
    public static HeadlessChromium start(Path dir, List<String> flags) {
        Objects.requireNonNull(dir, "dir");
        if (!available()) {
            throw new IllegalStateException(EXECUTABLE + " is missing; install Debian's chromium package");
        }
        try {
            Path profile = Files.createTempDirectory(Files.createDirectories(dir), "chromium-profile");
            Path output = profile.resolveSibling(profile.getFileName() + ".log");
            List<String> command = new ArrayList<>(List.of(
                    EXECUTABLE.toString(),
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-extensions",
                    "--hide-scrollbars",
                    "--window-size=1280,900",
                    "--user-data-dir=" + profile,
                    "--remote-debugging-address=127.0.0.1",
                    "--remote-debugging-port=0"));
            command.addAll(flags);
            command.add("about:blank");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            HeadlessChromium chromium;
            try {
                // Chromium writes the port it chose, then the browser target's path, into this file.
                Path portFile = profile.resolve("DevToolsActivePort");
                int port = Poll.until(TIMEOUT, "Chromium writes " + portFile + " (its output: " + output + ")", () -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(
                                "Chromium exited with " + process.exitValue() + ": " + ServerFiles.read(output));
                    }
                    try {
                        List<String> lines = Files.readAllLines(portFile);
                        return lines.isEmpty() || lines.get(0).isBlank()
                                ? Optional.empty()
                                : Optional.of(Integer.parseInt(lines.get(0).strip()));
                    } catch (IOException e) {
                        return Optional.empty();
                    }
                });
                chromium = new HeadlessChromium(process, output, pageTarget(port));
            } catch (RuntimeException e) {
                end(process);
                throw e;
            }
            try {
                chromium.call("Runtime.enable", Map.of());
                chromium.call("Log.enable", Map.of());
                chromium.call("Network.enable", Map.of());
                chromium.call("Page.enable", Map.of());
                return chromium;
            } catch (RuntimeException e) {
                chromium.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + EXECUTABLE, e);
        }
    }

    /** The WebSocket of the browser's one page, from its {@code /json/list}. */
    private static URI pageTarget(int port) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        return Poll.until(TIMEOUT, "Chromium lists its page on port " + port, () -> {
            try {
                HttpResponse<String> list = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                                .timeout(TIMEOUT)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                for (JsonNode target : JSON.readTree(list.body())) {
                    if ("page".equals(target.path("type").asText())) {
                        return Optional.of(
                                URI.create(target.path("webSocketDebuggerUrl").asText()));
                    }
                }
                return Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        });
    }

    /**
     * Sends these headers with every request the page makes from now on (as a header-adding proxy would).
     *
     * @param headers name → value
     */
    public void headers(Map<String, String> headers) {
        call("Network.setExtraHTTPHeaders", Map.of("headers", Map.copyOf(headers)));
    }

    /**
     * Loads {@code url} and returns once its {@code load} event fired (the document, its script and style).
     *
     * @param url the page
     * @throws IllegalStateException if the navigation fails (the error text Chromium gives)
     */
    public void navigate(URI url) {
        CompletableFuture<JsonNode> loaded = new CompletableFuture<>();
        awaited.put("Page.loadEventFired", loaded);
        JsonNode result = call("Page.navigate", Map.of("url", url.toString()));
        if (result.hasNonNull("errorText")) {
            throw new IllegalStateException("Chromium could not load " + url + ": "
                    + result.path("errorText").asText());
        }
        await(loaded, "the load event of " + url);
    }

    /**
     * Evaluates a JavaScript expression in the page and returns its value (by value: JSON-able results only).
     *
     * @throws IllegalStateException if the expression throws
     */
    public JsonNode evaluate(String expression) {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("\"" + expression + "\" threw: " + result.path("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** The current DOM as HTML, as the browser built it (works with scripts disabled). */
    public String html() {
        JsonNode document = call("DOM.getDocument", Map.of("depth", 0));
        return call(
                        "DOM.getOuterHTML",
                        Map.of("nodeId", document.path("root").path("nodeId").asInt()))
                .path("outerHTML")
                .asText();
    }

    /**
     * Writes a PNG of the whole page (not only the window) to {@code file}.
     *
     * @return the file
     */
    public Path screenshot(Path file) {
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    /**
     * Console errors and assertions, uncaught exceptions and error log entries (failed loads, CSP violations) since
     * the start, each as one line of text. Thread-safe.
     */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /**
     * Sends one DevTools command and waits for its result.
     *
     * @param method for example {@code Page.reload}
     * @param params the command's parameters
     * @return the {@code result} object
     * @throws IllegalStateException if Chromium answers with an error, or does not answer in time
     */
    public JsonNode call(String method, Map<String, ?> params) {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        message.set("params", JSON.valueToTree(params));
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        synchronized (socket) {
            await(socket.sendText(message.toString(), true), "sending " + method);
        }
        JsonNode response = await(answer, method);
        if (response.has("error")) {
            throw new IllegalStateException(method + " failed: " + response.path("error"));
        }
        return response.path("result");
    }

    private <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Chromium did not answer " + what + " within " + TIMEOUT + "; its output: " + output, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Chromium failed " + what, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + what, e);
        }
    }

    private void received(String text) {
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (IOException e) {
            problems.add("unreadable DevTools message: " + text);
            return;
        }
        if (message.has("id")) {
            CompletableFuture<JsonNode> answer =
                    pending.remove(message.path("id").asInt());
            if (answer != null) {
                answer.complete(message);
            }
            return;
        }
        String method = message.path("method").asText();
        JsonNode params = message.path("params");
        switch (method) {
            case "Runtime.consoleAPICalled" -> {
                String type = params.path("type").asText();
                if (type.equals("error") || type.equals("assert")) {
                    problems.add("console." + type + ": " + params.path("args"));
                }
            }
            case "Runtime.exceptionThrown" -> problems.add("uncaught: " + params.path("exceptionDetails"));
            case "Log.entryAdded" -> {
                JsonNode entry = params.path("entry");
                if (entry.path("level").asText().equals("error")) {
                    problems.add("log " + entry.path("source").asText() + ": "
                            + entry.path("text").asText() + " "
                            + entry.path("url").asText(""));
                }
            }
            default -> {}
        }
        CompletableFuture<JsonNode> waiting = awaited.remove(method);
        if (waiting != null) {
            waiting.complete(params);
        }
    }

    /** Collects text frames into messages; answers are handed to {@link #received} in order. */
    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                received(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            IllegalStateException closed =
                    new IllegalStateException("Chromium closed the DevTools connection: " + statusCode + " " + reason);
            pending.values().forEach(answer -> answer.completeExceptionally(closed));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            pending.values().forEach(answer -> answer.completeExceptionally(error));
        }
    }

    /** Ends the browser and its child processes; idempotent. */
    @Override
    public void close() {
        try {
            // A browser that closes itself removes its singleton directory in /tmp; a signalled one may not.
            call("Browser.close", Map.of());
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            // Already gone, or not answering: the signals below end it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.abort();
        end(process);
    }

    private static void end(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        ChildProcesses.terminate(process);
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** The browser's own output (stdout and stderr), for a failure message. */
    public String output() {
        return ServerFiles.read(output);
    }
}
