package dev.servicekit.testing;

import dev.servicekit.testing.HostileInput.HostileRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Builds one hostile request from a {@link Random}: a category picked by weight, then a well-formed skeleton
 * (method, path, headers, body) that the category breaks in one or a few places. Everything comes from the given
 * random, nothing from the clock or a counter, so the same seed gives the same bytes.
 *
 * <p>No generated text contains a Java class name, so an answer that echoes the request (an unknown field's name)
 * can never look like a leaked exception.
 */
final class RequestGenerator {

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE"};
    private static final String[] ODD_METHODS = {
        "PATCH",
        "TRACE",
        "CONNECT",
        "OPTIONS",
        "HEAD",
        "PROPFIND",
        "MKCOL",
        "QUERY",
        "BREW",
        "get",
        "Post",
        "G ET",
        "GET\u0000",
        "\u00c9T",
        "-",
        "*",
        "GET/",
        "X".repeat(300),
        "X".repeat(9000),
        "PRI",
        "M-SEARCH",
        "DELETE\t",
        ""
    };
    private static final String[] VERSIONS = {
        "HTTP/1.2",
        "HTTP/2.0",
        "HTTP/0.9",
        "HTTP/1",
        "HTTP/1.1.1",
        "http/1.1",
        "HTTP/ 1.1",
        "HTTP/1.x",
        "HTTP/9.9",
        "HTTPS/1.1",
        "HTTP\\1.1",
        "HTTP/01.1",
        "HTTP/1.10",
        "",
        "HTTP/1.1 extra",
        "HTTP/-1.1",
        "HTTP/1.1\u0000"
    };
    private static final String[] PATH_NOISE = {
        "%2e%2e/%2e%2e/etc/passwd",
        "..%2f..%2f",
        "%00",
        "%ff%fe",
        "%zz",
        "%",
        "%2",
        "%c0%af",
        "%e0%80%af",
        "%ed%a0%80",
        "%f8%88%80%80%80",
        "%2f",
        "%5c",
        "//",
        "/./",
        "/../",
        ";jsessionid=1",
        "%20",
        "+",
        "%0d%0a",
        "%u002e",
        "\u00e9",
        "\u00ff",
        "~",
        "%25",
        "%252e",
        "*",
        "?",
        "#frag",
        "?a=%",
        "?limit=",
        "?limit=-1",
        "?limit=0",
        "?limit=501",
        "?limit=99999999999999999999",
        "?limit=1e3",
        "?limit=abc",
        "?limit=1&limit=2",
        "?cursor=",
        "?cursor=%%%",
        "?cursor=AAAA",
        "?cursor=eyJ9",
        "?cursor=" + "A".repeat(5000),
        "?a=b&&&c",
        "?=x",
        "?%00=%00",
        "?limit=%ff",
        "?cursor=.."
    };
    private static final String[] ID_VALUES = {
        "0",
        "-1",
        "1",
        "01",
        "1.5",
        "1e9",
        "9223372036854775807",
        "9223372036854775808",
        "99999999999999999999999",
        "abc",
        "%00",
        "%ff",
        "null",
        "undefined",
        "NaN",
        "..",
        ".",
        "%2e%2e",
        "' OR 1=1 --",
        "%27%20OR%201%3D1",
        "00000000-0000-0000-0000-000000000000",
        "x".repeat(300),
        "1".repeat(5000),
        "%e2%80%ae",
        "%c3%28",
        "{id}",
        "%7bid%7d",
        "1;DROP",
        "0x10",
        " 1",
        "%201",
        "1%20",
        "\u00e9"
    };
    private static final String[] CONTENT_TYPES = {
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin1",
        "application/json; charset=utf-16",
        "application/json; charset=",
        "application/json;;;",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=",
        "application/problem+json",
        "application/jsonx",
        "*/*",
        "",
        "application/json, text/plain",
        "APPLICATION/JSON",
        "application/json; a=\"",
        "\u00ff\u00fe"
    };
    private static final String[] HEADER_NAMES = {
        "X-Request-Id",
        "Accept",
        "Accept-Encoding",
        "Accept-Language",
        "Content-Type",
        "If-Match",
        "If-None-Match",
        "Origin",
        "Cookie",
        "Range",
        "Expect",
        "Connection",
        "Upgrade",
        "Forwarded",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Forwarded-Host",
        "Access-Control-Request-Method",
        "User-Agent",
        "Referer",
        "TE",
        "Trailer",
        "Max-Forwards",
        "Authorization",
        "Host",
        "Content-Encoding",
        "Content-Length",
        "Transfer-Encoding"
    };
    private static final String[] HEADER_VALUES = {
        "",
        " ",
        "\u00ff\u00fe\u00fd",
        "a\u0000b",
        "*",
        "\"",
        "\"unterminated",
        "W/\"\"",
        "bytes=0-",
        "bytes=-1",
        "bytes=99999999999999999999-",
        "100-continue",
        "200-ok",
        "close, upgrade",
        "h2c",
        "websocket",
        "null",
        "http://evil.example",
        "for=\"[::1",
        "gzip;q=2",
        "deflate, br, zstd",
        "*/*;q=x",
        "text/html;q=0.5",
        "1.1.1.1, 2.2.2.2, , ,",
        "x".repeat(100),
        "ä",
        "\u00e2\u0080\u00ae",
        "a=b; c",
        "=",
        ",,,,",
        "-1",
        "9999999999999999999999",
        "chunked, gzip",
        "identity",
        "\t"
    };
    private static final String[] JSON_VALUES = {
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1",
        "-1",
        "1.0",
        "1e308",
        "1e309",
        "-1e309",
        "1E-400",
        "123456789012345678901234567890123456789012345678901234567890",
        "9223372036854775808",
        "0x10",
        "01",
        ".5",
        "5.",
        "+1",
        "NaN",
        "Infinity",
        "-Infinity",
        "\"\"",
        "\" \"",
        "\"a\"",
        "\"\\u0000\"",
        "\"a\\u0000b\"",
        "\"\\ud800\"",
        "\"\\udc00\\ud800\"",
        "\"\\x41\"",
        "\"\\u12\"",
        "\"\\\"",
        "'single'",
        "[]",
        "{}",
        "[null]",
        "[\"admin\"]",
        "[\"reader\",\"reader\"]",
        "[\"root\"]",
        "[1,2,3]",
        "[[]]",
        "{\"a\":1}",
        "\"ada@example.com\"",
        "\"not-an-email\"",
        "\"@\"",
        "\"a@b\"",
        "\"a@b.c\"",
        "\"\u202eexample.com@x.y\"",
        "\"<script>\"",
        "\"" + "a".repeat(300) + "\"",
        "\"correct horse battery\"",
        "\"short\"",
        "\"\\/\\b\\f\\n\\r\\t\"",
        "\"\u0000raw nul\"",
        "\"\u0001\u001f\"",
        "\"tab\there\""
    };
    private static final String[] GENERIC_FIELDS = {"name", "id", "value", "type", "items"};

    private final String host;
    private final Optional<String> token;
    private final List<String> paths;
    private final List<String> fields;

    RequestGenerator(String host, Optional<String> token, List<String> paths, List<String> fields) {
        this.host = host;
        this.token = token;
        this.paths = paths;
        this.fields = fields.isEmpty() ? List.of(GENERIC_FIELDS) : fields;
    }

    HostileRequest generate(Random r) {
        int pick = r.nextInt(100);
        if (pick < 18) {
            return framing(r);
        } else if (pick < 30) {
            return headers(r);
        } else if (pick < 38) {
            return methods(r);
        } else if (pick < 52) {
            return paths(r);
        } else if (pick < 58) {
            return utf8(r);
        } else if (pick < 85) {
            return json(r);
        } else {
            return tokens(r);
        }
    }

    // ---------------------------------------------------------------- categories

    private HostileRequest framing(Random r) {
        String path = path(r);
        String body = validishBody(r);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String auth = authHeader(r);
        String head;
        byte[] tail = b;
        switch (r.nextInt(20)) {
            case 0 -> { // request line without a version or with too many parts
                head = pickOf(
                                r,
                                "GET\r\n",
                                "GET " + path + "\r\n",
                                "GET  " + path + "  HTTP/1.1\r\n",
                                "GET " + path + " HTTP/1.1 HTTP/1.1\r\n",
                                " GET " + path + " HTTP/1.1\r\n",
                                "\r\n\r\nGET " + path + " HTTP/1.1\r\n",
                                "GET\t" + path + "\tHTTP/1.1\r\n",
                                "\r\n")
                        + "Host: " + host + "\r\n\r\n";
                tail = new byte[0];
            }
            case 1 -> { // bare LF everywhere
                head = "POST " + path + " HTTP/1.1\nHost: " + host + "\n" + auth.replace("\r\n", "\n")
                        + "Content-Type: application/json\nContent-Length: " + b.length + "\n\n";
            }
            case 2 -> { // missing final CRLF, headers run into the body
                head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n";
            }
            case 3 -> { // an invalid version
                head = "GET " + path + " " + pickOf(r, VERSIONS) + "\r\nHost: " + host + "\r\n" + auth + "\r\n";
                tail = new byte[0];
            }
            case 4 -> { // Content-Length and Transfer-Encoding together
                head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nContent-Length: " + (b.length + r.nextInt(5))
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n";
                tail = concat(chunk(b), "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            case 5 -> { // two Content-Lengths that disagree
                head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\nContent-Length: "
                        + (b.length + 1 + r.nextInt(10)) + "\r\n\r\n";
            }
            case 6 -> { // Content-Length that is not a number
                head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nContent-Length: "
                        + pickOf(
                                r,
                                "-1",
                                "abc",
                                "1.5",
                                "+5",
                                "0x10",
                                "99999999999999999999",
                                " ",
                                "",
                                "5, 5",
                                "9223372036854775807",
                                "2147483648",
                                "1 2")
                        + "\r\n\r\n";
            }
            case 7 -> { // a bad chunk size
                head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                tail = concat(
                        (pickOf(
                                                r,
                                                "zz",
                                                "-1",
                                                "ffffffffffffffffffff",
                                                "7fffffff",
                                                "",
                                                " 5",
                                                "5 ",
                                                "5;ext=\"",
                                                "0x5",
                                                "1" + "0".repeat(50))
                                        + "\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1),
                        b);
            }
            case 8 -> { // chunks without the last chunk, or a chunk longer than its size
                head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                tail = r.nextBoolean()
                        ? chunk(b)
                        : concat(
                                ("3\r\n").getBytes(StandardCharsets.ISO_8859_1),
                                b,
                                "\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            case 9 -> { // an unknown or stacked transfer coding
                head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nTransfer-Encoding: "
                        + pickOf(
                                r,
                                "gzip",
                                "chunked, chunked",
                                "identity",
                                "xchunked",
                                "chunked\u0000",
                                " chunked",
                                "gzip, chunked",
                                "CHUNKED")
                        + "\r\n\r\n";
                tail = concat(chunk(b), "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            case 10 -> { // truncated body
                head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nContent-Length: " + (b.length + 1 + r.nextInt(1000))
                        + "\r\n\r\n";
            }
            case 11 -> { // a huge Content-Length and a small body
                head = "PUT " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nContent-Length: " + (1L << (20 + r.nextInt(20)))
                        + "\r\n\r\n";
            }
            case 12 -> { // a header line without a colon, with a space before the colon, folded
                head = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + pickOf(
                                r,
                                "NoColon\r\n",
                                "X-Space : 1\r\n",
                                "X-Fold: a\r\n  b\r\n",
                                ": empty-name\r\n",
                                "X-Bad\u0000Name: 1\r\n",
                                "X(bad): 1\r\n",
                                "X-Lf: a\nb\r\n",
                                "X-Cr: a\rb\r\n",
                                " Leading: space\r\n",
                                "X-Long-Name-" + "n".repeat(9000) + ": 1\r\n")
                        + "\r\n";
                tail = new byte[0];
            }
            case 13 -> { // no Host, or two
                head = "GET " + path + " HTTP/1.1\r\n" + auth
                        + pickOf(
                                r,
                                "",
                                "Host: a\r\nHost: b\r\n",
                                "Host:\r\n",
                                "Host: \u00ff\r\n",
                                "Host: " + "h".repeat(3000) + "\r\n",
                                "Host: [::1\r\n",
                                "Host: a:b:c\r\n")
                        + "\r\n";
                tail = new byte[0];
            }
            case 14 -> { // absolute-form and asterisk-form targets
                head = pickOf(
                                r,
                                "GET http://" + host + path,
                                "GET http://evil.example" + path,
                                "GET *",
                                "OPTIONS *",
                                "GET " + host + path,
                                "GET //" + host + path,
                                "CONNECT " + host,
                                "GET " + path.substring(1),
                                "GET ?x")
                        + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n";
                tail = new byte[0];
            }
            case 15 -> { // pipelined: a valid request followed by garbage
                head = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n";
                tail = randomBytes(r, 1 + r.nextInt(200));
            }
            case 16 -> { // random bytes only
                head = "";
                tail = randomBytes(r, 1 + r.nextInt(2000));
            }
            case 17 -> { // a 100-continue that never sends its body
                head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                        + "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + b.length
                        + "\r\n\r\n";
                tail = new byte[0];
            }
            case 18 -> { // the HTTP/2 preface on an HTTP/1 port
                head = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
                tail = randomBytes(r, r.nextInt(64));
            }
            default -> { // HTTP/1.0 with a body and keep-alive
                head = "POST " + path + " HTTP/1.0\r\nConnection: keep-alive\r\n" + auth
                        + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n";
            }
        }
        return new HostileRequest("framing", concat(head.getBytes(StandardCharsets.ISO_8859_1), tail));
    }

    private HostileRequest headers(Random r) {
        String method = pickOf(r, METHODS);
        List<String> lines = new ArrayList<>();
        lines.add("Host: " + host);
        lines.add(authHeader(r).strip());
        switch (r.nextInt(6)) {
            case 0 -> { // one oversized header
                lines.add(pickOf(r, HEADER_NAMES) + ": " + "v".repeat(1 << (8 + r.nextInt(10))));
            }
            case 1 -> { // many headers
                int n = 50 + r.nextInt(3000);
                for (int i = 0; i < n; i++) {
                    lines.add("X-H-" + i + ": " + i);
                }
            }
            case 2 -> { // the same header repeated, with clashing values
                String name = pickOf(r, HEADER_NAMES);
                int n = 2 + r.nextInt(r.nextBoolean() ? 5 : 500);
                for (int i = 0; i < n; i++) {
                    lines.add(name + ": " + pickOf(r, HEADER_VALUES));
                }
            }
            case 3 -> { // odd values for known headers
                for (int i = 0; i < 1 + r.nextInt(6); i++) {
                    lines.add(pickOf(r, HEADER_NAMES) + ": " + pickOf(r, HEADER_VALUES));
                }
            }
            case 4 -> { // request ids
                lines.add("X-Request-Id: "
                        + pickOf(
                                r,
                                "",
                                "x".repeat(5000),
                                "a b",
                                "a\u0000b",
                                "\u00e9\u00e9",
                                "../../",
                                "${jndi:ldap://x}",
                                "%n%n%s",
                                "<script>",
                                "a\tb",
                                "0".repeat(200)));
            }
            default -> { // a huge total of ordinary headers
                for (int i = 0; i < 10 + r.nextInt(20); i++) {
                    lines.add("Cookie: c" + i + "=" + "z".repeat(1000 + r.nextInt(4000)));
                }
            }
        }
        String body = method.equals("POST") || method.equals("PUT") ? validishBody(r) : "";
        if (!body.isEmpty()) {
            lines.add("Content-Type: application/json");
            lines.add("Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length);
        }
        StringBuilder s = new StringBuilder(method + " " + path(r) + " HTTP/1.1\r\n");
        for (String line : lines) {
            if (!line.isEmpty()) {
                s.append(line).append("\r\n");
            }
        }
        s.append("\r\n");
        return new HostileRequest(
                "headers",
                concat(s.toString().getBytes(StandardCharsets.ISO_8859_1), body.getBytes(StandardCharsets.UTF_8)));
    }

    private HostileRequest methods(Random r) {
        String method = pickOf(r, ODD_METHODS);
        boolean withBody = r.nextBoolean();
        String body = withBody ? validishBody(r) : "";
        return new HostileRequest("methods", request(method, path(r), authHeader(r), body, "application/json"));
    }

    private HostileRequest paths(Random r) {
        String path;
        switch (r.nextInt(5)) {
            case 0 -> path = path(r) + pickOf(r, PATH_NOISE);
            case 1 -> path = "/" + pickOf(r, PATH_NOISE) + path(r);
            case 2 -> path = path(r) + "/" + "a".repeat(1 << (6 + r.nextInt(11)));
            case 3 -> path = path(r) + "/x".repeat(1 + r.nextInt(3000));
            default -> {
                StringBuilder p = new StringBuilder(path(r));
                for (int i = 0; i < 1 + r.nextInt(30); i++) {
                    p.append('%').append(String.format("%02x", r.nextInt(256)));
                }
                path = p.toString();
            }
        }
        String method = pickOf(r, METHODS);
        String body = method.equals("POST") || method.equals("PUT") ? validishBody(r) : "";
        return new HostileRequest("paths", request(method, path, authHeader(r), body, "application/json"));
    }

    private HostileRequest utf8(Random r) {
        byte[] bad = pickOf(
                r,
                new byte[] {(byte) 0xc3, 0x28},
                new byte[] {(byte) 0xa0, (byte) 0xa1},
                new byte[] {(byte) 0xe2, 0x28, (byte) 0xa1},
                new byte[] {(byte) 0xf0, 0x28, (byte) 0x8c, (byte) 0xbc},
                new byte[] {(byte) 0xc0, (byte) 0xaf},
                new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                new byte[] {(byte) 0xff, (byte) 0xfe},
                new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
                new byte[] {(byte) 0xe2, (byte) 0x82});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String path = path(r);
        switch (r.nextInt(4)) {
            case 0 -> { // in the path
                write(out, "GET " + path + "/");
                out.writeBytes(bad);
                write(out, " HTTP/1.1\r\nHost: " + host + "\r\n" + authHeader(r) + "\r\n");
            }
            case 1 -> { // in a header value
                write(
                        out,
                        "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + authHeader(r)
                                + pickOf(r, "X-Request-Id", "Accept", "If-Match", "Origin", "Content-Type") + ": a");
                out.writeBytes(bad);
                write(out, "\r\n\r\n");
            }
            default -> { // in a JSON string of the body, or as the whole body
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                if (r.nextBoolean()) {
                    write(body, "{\"" + pickOf(r, fields) + "\":\"a");
                    body.writeBytes(bad);
                    write(body, "b\"" + (r.nextBoolean() ? "," + restOfObject(r) : "") + "}");
                } else {
                    body.writeBytes(bad);
                    body.writeBytes(randomBytes(r, r.nextInt(50)));
                }
                write(
                        out,
                        pickOf(r, "POST", "PUT") + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                                + authHeader(r) + "Content-Type: application/json\r\nContent-Length: " + body.size()
                                + "\r\n\r\n");
                out.writeBytes(body.toByteArray());
            }
        }
        return new HostileRequest("utf8", out.toByteArray());
    }

    private HostileRequest json(Random r) {
        String body = switch (r.nextInt(16)) {
            case 0 -> nested(r, 1 + r.nextInt(r.nextBoolean() ? 100 : 20_000));
            case 1 ->
                "{\"" + pickOf(r, fields) + "\":"
                        + pickOf(r, "1", "-", "0.") + "1234567890".repeat(1 + r.nextInt(2000))
                        + pickOf(r, "", "e99999", "e-99999", ".5e+400")
                        + "}";
            case 2 -> { // duplicate keys
                String f = pickOf(r, fields);
                yield "{" + restOfObject(r) + ",\"" + f + "\":" + pickOf(r, JSON_VALUES) + ",\"" + f + "\":"
                        + pickOf(r, JSON_VALUES) + "}";
            }
            case 3, 4, 5 -> { // wrong types and edge values in real fields
                StringBuilder s = new StringBuilder("{");
                for (String f : fields) {
                    if (r.nextInt(4) == 0) {
                        continue;
                    }
                    if (s.length() > 1) {
                        s.append(',');
                    }
                    s.append('"')
                            .append(f)
                            .append("\":")
                            .append(r.nextInt(3) == 0 ? goodValue(r, f) : pickOf(r, JSON_VALUES));
                }
                yield s.append('}').toString();
            }
            case 6 -> "{\"" + pickOf(r, fields) + "\":\"" + "a".repeat(pickOf(r, 300, 70_000, 1_100_000)) + "\"}";
            case 7 -> { // unterminated
                String valid = validBody(r);
                yield valid.substring(0, r.nextInt(valid.length()));
            }
            case 8 ->
                pickOf(
                        r,
                        "",
                        " ",
                        "null",
                        "true",
                        "0",
                        "\"x\"",
                        "[]",
                        "[{}]",
                        "{}",
                        "{{}}",
                        "{,}",
                        "{\"a\"}",
                        "{\"a\":}",
                        "{:1}",
                        "{\"a\":1,}",
                        "[1,]",
                        "{\"a\" 1}",
                        "{'a':1}",
                        "{a:1}",
                        "\u0000",
                        "{\"a\":1}{\"b\":2}",
                        "{\"a\":1} trailing",
                        "/* c */{}",
                        "{}//",
                        "\ufeff{}",
                        "{\"\\u0000\":1}",
                        "{\"\":1}",
                        "NaN",
                        "{\"a\":NaN}",
                        "{\"a\":.1}",
                        "{\"a\":-}",
                        "{\"a\":tru}",
                        "{\"a\":nul}",
                        "\"\\ud800\"",
                        "[" + "1,".repeat(10_000) + "1]");
            case 9 -> { // NUL bytes, raw and escaped
                String valid = validBody(r);
                int at = r.nextInt(valid.length());
                yield valid.substring(0, at)
                        + pickOf(r, "\u0000", "\\u0000", "\u0000\u0000\u0000")
                        + valid.substring(at);
            }
            case 10 -> { // unknown and odd-named fields
                yield "{" + restOfObject(r) + ",\""
                        + pickOf(
                                r,
                                "__proto__",
                                "constructor",
                                "$where",
                                "@type",
                                "",
                                " ",
                                "\\u0000",
                                "id",
                                "createdAt",
                                "passwordHash",
                                "x".repeat(5000),
                                "a.b",
                                "password ")
                        + "\":" + pickOf(r, JSON_VALUES) + "}";
            }
            case 11 -> { // many keys
                StringBuilder s = new StringBuilder("{");
                int n = 10 + r.nextInt(20_000);
                for (int i = 0; i < n; i++) {
                    s.append(i == 0 ? "" : ",")
                            .append("\"k")
                            .append(i)
                            .append("\":")
                            .append(i);
                }
                yield s.append('}').toString();
            }
            case 12 -> "[" + validBody(r) + "," + validBody(r) + "]";
            case 13 -> { // a byte flipped
                char[] chars = validBody(r).toCharArray();
                chars[r.nextInt(chars.length)] = (char) r.nextInt(128);
                yield new String(chars);
            }
            default -> validBody(r);
        };
        String method = pickOf(r, "POST", "PUT", "POST", "PUT", "PATCH", "DELETE", "GET");
        String contentType = r.nextInt(5) == 0 ? pickOf(r, CONTENT_TYPES) : "application/json";
        return new HostileRequest("json", request(method, path(r), authHeader(r), body, contentType));
    }

    private HostileRequest tokens(Random r) {
        String good = token.orElse("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
        String[] parts = (good + "..").split("\\.", -1);
        String header = parts[0];
        String payload = parts[1];
        String signature = parts[2];
        String value = switch (r.nextInt(20)) {
            case 0 -> "Bearer " + b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + ".";
            case 1 ->
                "Bearer "
                        + b64("{\"alg\":\""
                                + pickOf(
                                        r,
                                        "HS512",
                                        "RS256",
                                        "ES256",
                                        "PS256",
                                        "EdDSA",
                                        "None",
                                        "nOnE",
                                        "HS256 ",
                                        "",
                                        "x".repeat(500))
                                + "\"}")
                        + "." + payload + "." + signature;
            case 2 -> "Bearer " + header + "." + payload + "." + flip(r, signature);
            case 3 -> "Bearer " + good.substring(0, r.nextInt(Math.max(1, good.length())));
            case 4 ->
                "Bearer " + header + "." + b64("{\"sub\":\"x\",\"scope\":\"users:read users:write admin\"}") + "."
                        + signature;
            case 5 ->
                "Bearer "
                        + pickOf(
                                r,
                                "a",
                                "a.b",
                                "a.b.c",
                                "...",
                                ".",
                                "a..c",
                                "====.====.====",
                                "!!!.@@@.###",
                                "eyJ.eyJ.eyJ",
                                header + "." + payload,
                                header + "." + payload + "." + signature + ".extra");
            case 6 -> "Bearer " + "A".repeat(1 << (10 + r.nextInt(8)));
            case 7 ->
                pickOf(
                        r,
                        "Bearer",
                        "Bearer ",
                        "bearer " + good,
                        "BEARER " + good,
                        "Bearer  " + good,
                        "Basic " + b64("user:pass"),
                        "Basic",
                        "Token " + good,
                        good,
                        "Bearer\t" + good,
                        "Bearer " + good + " extra",
                        "Digest x=y",
                        "Bearer " + good + "\u0000");
            case 8 ->
                "Bearer "
                        + b64("{\"alg\":\"HS256\",\"kid\":\""
                                + pickOf(r, "../../../../etc/passwd", "' OR 1=1", "", "x".repeat(3000)) + "\"}")
                        + "." + payload + "." + signature;
            case 9 ->
                "Bearer "
                        + b64("{\"alg\":\"HS256\",\"jku\":\"http://127.0.0.1:1/jwks\",\"x5u\":\"http://127.0.0.1:1\"}")
                        + "." + payload + "." + signature;
            case 10 ->
                "Bearer " + header + "."
                        + b64(pickOf(
                                r,
                                "{\"exp\":\"tomorrow\"}",
                                "{\"exp\":1e400}",
                                "{\"nbf\":-1,\"exp\":99999999999999999999}",
                                "{\"scope\":123}",
                                "{\"scope\":[\"admin\"]}",
                                "{\"scp\":{\"a\":1}}",
                                "{\"iss\":null,\"aud\":[[]]}",
                                "[]",
                                "null",
                                "{",
                                "\u0000",
                                "{\"sub\":\"" + "s".repeat(5000) + "\"}"))
                        + "." + signature;
            case 11 -> "Bearer " + header.replace('A', '*') + "." + payload.replace('e', '%') + "." + signature;
            case 12 ->
                "Bearer " + b64("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"b64\":false}") + "." + payload + "."
                        + signature;
            case 13 -> "Bearer " + header + "=" + "." + payload + "==" + "." + signature + "===";
            case 14 -> "Bearer " + new String(randomPrintable(r, 10 + r.nextInt(300)));
            case 15 ->
                "Bearer " + b64("{\"alg\":\"HS256\"}") + "." + b64("{\"sub\":\"x\"}") + "."
                        + b64(new String(randomPrintable(r, 32)));
            case 16 -> "Bearer " + header + "." + payload + "." + signature.toUpperCase(java.util.Locale.ROOT);
            case 17 -> "Bearer " + header + "\u00ff." + payload + "." + signature;
            default ->
                "Bearer " + b64("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"jwk\":{\"kty\":\"oct\",\"k\":\"AAAA\"}}") + "."
                        + payload + "." + signature;
        };
        String method = pickOf(r, METHODS);
        String body = method.equals("POST") || method.equals("PUT") ? validishBody(r) : "";
        String auth = r.nextInt(10) == 0
                ? "Authorization: " + value + "\r\nAuthorization: Bearer " + good + "\r\n"
                : "Authorization: " + value + "\r\n";
        return new HostileRequest("tokens", request(method, path(r), auth, body, "application/json"));
    }

    // ---------------------------------------------------------------- parts

    private byte[] request(String method, String path, String auth, String body, String contentType) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder s = new StringBuilder()
                .append(method)
                .append(' ')
                .append(path)
                .append(" HTTP/1.1\r\nHost: ")
                .append(host)
                .append("\r\n")
                .append(auth);
        if (!body.isEmpty()) {
            s.append("Content-Type: ")
                    .append(contentType)
                    .append("\r\nContent-Length: ")
                    .append(b.length)
                    .append("\r\n");
        }
        s.append("\r\n");
        return concat(s.toString().getBytes(StandardCharsets.UTF_8), b);
    }

    /** A path from the list, a template filled with an odd or ordinary id. */
    private String path(Random r) {
        String p = pickOf(r, paths);
        while (p.contains("{")) {
            int open = p.indexOf('{');
            int close = p.indexOf('}', open);
            if (close < 0) {
                break;
            }
            String value = r.nextInt(3) == 0 ? Integer.toString(1 + r.nextInt(50)) : pickOf(r, ID_VALUES);
            p = p.substring(0, open) + value.replace(" ", "%20") + p.substring(close + 1);
        }
        return p;
    }

    /** The valid token mostly, so requests reach the handlers; sometimes none, sometimes a broken one. */
    private String authHeader(Random r) {
        if (token.isEmpty()) {
            return "";
        }
        int pick = r.nextInt(10);
        if (pick < 8) {
            return "Authorization: Bearer " + token.get() + "\r\n";
        }
        return pick == 8 ? "" : "Authorization: Bearer x" + token.get() + "\r\n";
    }

    private String validBody(Random r) {
        StringBuilder s = new StringBuilder("{");
        for (String f : fields) {
            if (s.length() > 1) {
                s.append(',');
            }
            s.append('"').append(f).append("\":").append(goodValue(r, f));
        }
        return s.append('}').toString();
    }

    private String validishBody(Random r) {
        return r.nextBoolean() ? validBody(r) : "{" + restOfObject(r) + "}";
    }

    private String restOfObject(Random r) {
        StringBuilder s = new StringBuilder();
        for (String f : fields) {
            if (r.nextBoolean()) {
                s.append(s.isEmpty() ? "" : ",")
                        .append('"')
                        .append(f)
                        .append("\":")
                        .append(goodValue(r, f));
            }
        }
        return s.isEmpty() ? "\"" + fields.get(0) + "\":\"x\"" : s.toString();
    }

    /** A plausible value for a field named like the reference app's, so other fields pass and one breaks. */
    private static String goodValue(Random r, String field) {
        return switch (field) {
            case "email" -> "\"h" + r.nextInt(1_000_000) + "@example.com\"";
            case "roles" -> pickOf(r, "[\"reader\"]", "[\"writer\"]", "[\"reader\",\"writer\"]");
            case "password" -> "\"correct horse battery " + r.nextInt(1000) + "\"";
            case "id", "count", "limit" -> Integer.toString(r.nextInt(100));
            default -> "\"Hostile " + r.nextInt(1000) + "\"";
        };
    }

    private static String nested(Random r, int depth) {
        String open = r.nextBoolean() ? "[" : "{\"a\":";
        String close = open.equals("[") ? "]" : "}";
        StringBuilder s = new StringBuilder();
        s.append(open.repeat(depth)).append("1");
        if (r.nextInt(4) != 0) {
            s.append(close.repeat(depth));
        }
        return s.toString();
    }

    private static byte[] chunk(byte[] data) {
        return concat(
                (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1),
                data,
                "\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String flip(Random r, String s) {
        if (s.isEmpty()) {
            return "x";
        }
        char[] c = s.toCharArray();
        int at = r.nextInt(c.length);
        c[at] = c[at] == 'A' ? 'B' : 'A';
        return new String(c);
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static char[] randomPrintable(Random r, int n) {
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = (char) (33 + r.nextInt(94));
        }
        return c;
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @SafeVarargs
    private static <T> T pickOf(Random r, T... values) {
        return values[r.nextInt(values.length)];
    }

    private static <T> T pickOf(Random r, List<T> values) {
        return values.get(r.nextInt(values.size()));
    }
}
