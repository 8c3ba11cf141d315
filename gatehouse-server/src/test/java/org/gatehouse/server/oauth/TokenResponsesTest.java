package org.gatehouse.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.gatehouse.server.logging.LogFormat;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.KeyBound;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 18 Must 2: every observable answer of {@code /token}, byte for byte on the wire (status line, every header,
 * the body), plus the access log lines and the grant metrics they leave, for a success of each kind and each class
 * of error, compared with {@code token-responses.golden.txt}. The golden file was written from main before the
 * bare Jetty handler for POST /token existed (run with -Dgatehouse.test.record=true to rewrite it); the same
 * sequence gives the same text with the handler on (the default) and off (GATEHOUSE_TOKEN_FAST_PATH=false).
 * Masked: Date, generated request ids (their shape is checked), access tokens (they are signed JWTs), the
 * Content-Length of bodies that carry a token (checked against the body), times and retry-after seconds.
 */
@Slow // four test servers, ≈ 100 exchanges: over the quick set's ≈ 4 s per class
class TokenResponsesTest {
    private static final Path GOLDEN = Path.of("src/test/resources/org/gatehouse/server/oauth/token-responses.golden.txt");
    /** Long scope tokens: a token response long enough (over 1,500 bytes) for Javalin to gzip it when asked. */
    private static final String LONG_SCOPES = String.join(" ", java.util.stream.IntStream.range(0, 12)
            .mapToObj(i -> "scope-" + i + "-" + "x".repeat(60)).toList());

    @Test
    void everyAnswerOfTheTokenEndpointIsAsRecorded() throws Exception {
        String actual = run(Map.of());
        Files.writeString(Path.of("target/token-responses.actual.txt"), actual);
        if (Boolean.getBoolean("gatehouse.test.record")) {
            Files.writeString(GOLDEN, actual);
        }
        assertThat(actual).isEqualTo(Files.readString(GOLDEN));
    }

    /** The same answers when POST /token goes through Javalin like every other request. */
    @Test
    void theSameThroughJavalin() throws Exception {
        String actual = run(Map.of("GATEHOUSE_TOKEN_FAST_PATH", "false"));
        Files.writeString(Path.of("target/token-responses.javalin.txt"), actual);
        assertThat(actual).isEqualTo(Files.readString(GOLDEN));
    }

    static String run(Map<String, String> extraEnv) throws Exception {
        StringBuilder out = new StringBuilder();
        Logger access = (Logger) LoggerFactory.getLogger(LogFormat.ACCESS_LOGGER);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        access.addAppender(log);
        try {
            Map<String, String> env = new java.util.HashMap<>(extraEnv);
            env.put("GATEHOUSE_ACCESS_LOG", "true");
            env.put("GATEHOUSE_SCOPES", "prefs:read prefs:write " + LONG_SCOPES);
            try (TestServer s = TestServer.start("h2", env)) {
                plain(s, out);
            }
            out.append("######## access log\n");
            for (ILoggingEvent e : log.list) {
                out.append(e.getFormattedMessage().replaceAll(" [0-9.]+ms$", " <t>ms")).append('\n');
            }
            log.list.clear();
            env.put("GATEHOUSE_RATE_AUTH_FAILURES_PER_ADDRESS", "1");
            env.put("GATEHOUSE_RATE_TOKEN_PER_CLIENT", "1");
            env.put("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32");
            try (TestServer s = TestServer.start("h2", env)) {
                limited(s, out);
            }
            out.append("######## access log\n");
            for (ILoggingEvent e : log.list) {
                out.append(e.getFormattedMessage().replaceAll(" [0-9.]+ms$", " <t>ms")).append('\n');
            }
        } finally {
            access.detachAppender(log);
        }
        return out.toString();
    }

    private static void plain(TestServer s, StringBuilder out) throws Exception {
        Flow.Client basic = Flow.register(s, s.iat(1, "prefs:read").token(),
                "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        Flow.Client post = Flow.register(s, s.iat(1, "prefs:read prefs:write").token(),
                "{\"token_endpoint_auth_method\":\"client_secret_post\",\"installation_id\":\"" + Flow.installationId() + "\"}");
        Flow.Client wide = Flow.register(s, s.iat(1, "prefs:read " + LONG_SCOPES).token(),
                "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        KeyBound k = KeyBound.es256();
        Flow.Client keyed = Flow.register(s, s.iat(1, "prefs:read").token(), k.metadata(""));
        Flow.Client rs = Flow.resourceServer(s);
        String auth = "Authorization: " + Http.basic(basic.id(), basic.secret());
        String form = "Content-Type: application/x-www-form-urlencoded";
        String rid = "X-Request-Id: req-1";
        String ok = "grant_type=client_credentials";
        String tokenUrl = s.issuer + "/token";
        Map<String, String> ids = Map.of(basic.id(), "<basic>", post.id(), "<post>", wide.id(), "<wide>", keyed.id(), "<keyed>",
                rs.id(), "<rs>", s.issuer, "<issuer>");

        send(s, out, ids, "basic", "POST /token", List.of(auth, form, rid), ok);
        send(s, out, ids, "basic, scope, generated request id", "POST /token", List.of(auth, form), ok + "&scope=prefs%3Aread");
        send(s, out, ids, "client_secret_post", "POST /token", List.of(form, rid),
                ok + "&client_id=" + post.id() + "&client_secret=" + post.secret() + "&scope=prefs:write");
        send(s, out, ids, "private_key_jwt", "POST /token", List.of(form, rid),
                Http.form(KeyBound.grant(k.assertion(keyed.id(), s.issuer))));
        send(s, out, ids, "DPoP", "POST /token", List.of(auth, form, rid, "DPoP: " + k.proof("POST", tokenUrl)), ok);
        send(s, out, ids, "two DPoP headers", "POST /token",
                List.of(auth, form, rid, "DPoP: " + k.proof("POST", tokenUrl), "DPoP: " + k.proof("POST", tokenUrl)), ok);
        send(s, out, ids, "bad DPoP", "POST /token", List.of(auth, form, rid, "DPoP: not.a.proof"), ok);
        send(s, out, ids, "DPoP for another URL", "POST /token", List.of(auth, form, rid, "DPoP: " + k.proof("POST", s.issuer + "/x")), ok);
        send(s, out, ids, "no grant_type", "POST /token", List.of(auth, form, rid), "scope=prefs%3Aread");
        send(s, out, ids, "unsupported grant_type", "POST /token", List.of(auth, form, rid), "grant_type=password");
        send(s, out, ids, "unsupported grant_type, bad secret", "POST /token",
                List.of("Authorization: " + Http.basic(basic.id(), "ghs_wrong"), form, rid), "grant_type=password");
        send(s, out, ids, "bad secret", "POST /token", List.of("Authorization: " + Http.basic(basic.id(), "ghs_wrong"), form, rid), ok);
        send(s, out, ids, "unknown client", "POST /token", List.of("Authorization: " + Http.basic("nobody", "ghs_wrong"), form, rid), ok);
        send(s, out, ids, "no credentials", "POST /token", List.of(form, rid), ok);
        send(s, out, ids, "Bearer instead of Basic", "POST /token", List.of("Authorization: Bearer abc", form, rid), ok);
        send(s, out, ids, "malformed Basic", "POST /token", List.of("Authorization: Basic !!!", form, rid), ok);
        send(s, out, ids, "two authentication methods", "POST /token", List.of(auth, form, rid),
                ok + "&client_id=" + basic.id() + "&client_secret=" + basic.secret());
        send(s, out, ids, "repeated parameter", "POST /token", List.of(auth, form, rid), ok + "&" + ok);
        send(s, out, ids, "malformed escape", "POST /token", List.of(auth, form, rid), ok + "&scope=%zz");
        send(s, out, ids, "plus and escapes (general parser)", "POST /token", List.of(auth, form, rid),
                ok + "&scope=prefs%3Aread+prefs%3Aread");
        send(s, out, ids, "empty parameter", "POST /token", List.of(auth, form, rid), ok + "&scope=&&");
        send(s, out, ids, "unknown scope", "POST /token", List.of(auth, form, rid), ok + "&scope=admin");
        send(s, out, ids, "scope not granted", "POST /token", List.of(auth, form, rid), ok + "&scope=prefs%3Awrite");
        send(s, out, ids, "unknown resource", "POST /token", List.of(auth, form, rid), ok + "&resource=https%3A%2F%2Fother.example");
        send(s, out, ids, "resource server credentials", "POST /token",
                List.of("Authorization: " + Http.basic(rs.id(), rs.secret()), form, rid), ok);
        send(s, out, ids, "JSON body", "POST /token", List.of(auth, "Content-Type: application/json", rid), "{\"grant_type\":\"client_credentials\"}");
        send(s, out, ids, "no Content-Type", "POST /token", List.of(auth, rid), ok);
        send(s, out, ids, "Content-Type with charset UTF-8", "POST /token",
                List.of(auth, "Content-Type: application/x-www-form-urlencoded; charset=UTF-8", rid), ok);
        send(s, out, ids, "Content-Type in capitals", "POST /token", List.of(auth, "Content-Type: APPLICATION/X-WWW-FORM-URLENCODED", rid), ok);
        send(s, out, ids, "Content-Type with charset ISO-8859-1", "POST /token",
                List.of(auth, "Content-Type: application/x-www-form-urlencoded;charset=ISO-8859-1", rid), ok + "&x=\u00e9");
        send(s, out, ids, "Content-Type with a bad charset", "POST /token",
                List.of(auth, "Content-Type: application/x-www-form-urlencoded; charset=nope", rid), ok);
        send(s, out, ids, "body too large", "POST /token", List.of(auth, form, rid), ok + "&x=" + "a".repeat(70_000));
        send(s, out, ids, "empty body", "POST /token", List.of(auth, form, rid), "");
        sendChunked(s, out, ids, "chunked body", List.of(auth, form, rid, "Transfer-Encoding: chunked"), ok);
        send(s, out, ids, "Expect: 100-continue", "POST /token", List.of(auth, form, rid, "Expect: 100-continue"), ok);
        send(s, out, ids, "query string", "POST /token?a=b", List.of(auth, form, rid), ok);
        send(s, out, ids, "trailing slash", "POST /token/", List.of(auth, form, rid), ok);
        send(s, out, ids, "method override", "POST /token", List.of(auth, form, rid, "X-HTTP-Method-Override: GET"), ok);
        send(s, out, ids, "GET", "GET /token", List.of(auth, rid), null);
        send(s, out, ids, "HEAD", "HEAD /token", List.of(auth, rid), null);
        send(s, out, ids, "OPTIONS", "OPTIONS /token", List.of(auth, rid), null);
        send(s, out, ids, "PUT", "PUT /token", List.of(auth, form, rid), ok);
        send(s, out, ids, "malformed request id", "POST /token", List.of(auth, form, "X-Request-Id: a b!"), ok);
        send(s, out, ids, "X-Forwarded-For from an untrusted peer", "POST /token",
                List.of(auth, form, rid, "X-Forwarded-For: 203.0.113.9"), ok);
        send(s, out, ids, "Accept-Encoding gzip, small answer", "POST /token", List.of(auth, form, rid, "Accept-Encoding: gzip"), ok);
        String wideAuth = "Authorization: " + Http.basic(wide.id(), wide.secret());
        send(s, out, ids, "large answer", "POST /token", List.of(wideAuth, form, rid), ok);
        send(s, out, ids, "large answer, Accept-Encoding gzip", "POST /token", List.of(wideAuth, form, rid, "Accept-Encoding: deflate, gzip"), ok);
        send(s, out, ids, "large answer, Accept-Encoding gzip;q=1", "POST /token", List.of(wideAuth, form, rid, "Accept-Encoding: gzip;q=1"), ok);
        send(s, out, ids, "HTTP/1.0", "POST /token", List.of(auth, form, rid), ok, "HTTP/1.0");
        metrics(s, out);
    }

    private static void limited(TestServer s, StringBuilder out) throws Exception {
        Flow.Client c = Flow.register(s, s.iat(1, "prefs:read").token(), "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        Flow.Client d = Flow.register(s, s.iat(1, "prefs:read").token(), "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        Map<String, String> ids = Map.of(c.id(), "<c>", d.id(), "<d>", s.issuer, "<issuer>");
        String form = "Content-Type: application/x-www-form-urlencoded";
        String rid = "X-Request-Id: req-2";
        String ok = "grant_type=client_credentials";
        String authC = "Authorization: " + Http.basic(c.id(), c.secret());
        String authD = "Authorization: " + Http.basic(d.id(), d.secret());
        send(s, out, ids, "limited: first grant", "POST /token", List.of(authC, form, rid, "X-Forwarded-For: 203.0.113.7"), ok);
        send(s, out, ids, "limited: second grant of the client", "POST /token", List.of(authC, form, rid, "X-Forwarded-For: 203.0.113.7"), ok);
        send(s, out, ids, "limited: a failed authentication", "POST /token",
                List.of("Authorization: " + Http.basic(d.id(), "ghs_wrong"), form, rid, "X-Forwarded-For: 198.51.100.1, 203.0.113.8"), ok);
        send(s, out, ids, "limited: the address waits, good credentials", "POST /token",
                List.of(authD, form, rid, "X-Forwarded-For: 203.0.113.8"), ok);
        send(s, out, ids, "limited: the address waits, a bad form", "POST /token",
                List.of(authD, "Content-Type: text/plain", rid, "X-Forwarded-For: 203.0.113.8"), ok);
        send(s, out, ids, "limited: another address", "POST /token", List.of(authD, form, rid, "X-Forwarded-For: 203.0.113.9"), ok);
        metrics(s, out);
    }

    private static void metrics(TestServer s, StringBuilder out) {
        Http.Response r = s.http.get("/metrics");
        out.append("######## metrics\n");
        for (String line : r.body().split("\n")) {
            if (!line.contains("operation=\"grant\"")) continue;
            if (line.startsWith("gatehouse_request_duration_seconds") && !line.startsWith("gatehouse_request_duration_seconds_count")) continue;
            out.append(line).append('\n');
        }
    }

    private static void send(TestServer s, StringBuilder out, Map<String, String> ids, String name, String requestLine,
                             List<String> headers, String body) throws IOException {
        send(s, out, ids, name, requestLine, headers, body, "HTTP/1.1");
    }

    private static void send(TestServer s, StringBuilder out, Map<String, String> ids, String name, String requestLine,
                             List<String> headers, String body, String version) throws IOException {
        byte[] b = body == null ? null : body.getBytes(name.contains("ISO-8859-1") ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(requestLine).append(' ').append(version).append("\r\n");
        head.append("Host: 127.0.0.1\r\n");
        for (String h : headers) head.append(h).append("\r\n");
        if (b != null) head.append("Content-Length: ").append(b.length).append("\r\n");
        head.append("\r\n");
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        boolean expect = headers.stream().anyMatch(h -> h.startsWith("Expect:"));
        exchange(s, out, ids, name, req.toByteArray(), b, expect, requestLine.startsWith("HEAD"));
    }

    private static void sendChunked(TestServer s, StringBuilder out, Map<String, String> ids, String name, List<String> headers,
                                    String body) throws IOException {
        StringBuilder head = new StringBuilder("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) head.append(h).append("\r\n");
        head.append("\r\n");
        int half = body.length() / 2;
        head.append(Integer.toHexString(half)).append("\r\n").append(body, 0, half).append("\r\n");
        head.append(Integer.toHexString(body.length() - half)).append("\r\n").append(body.substring(half)).append("\r\n0\r\n\r\n");
        exchange(s, out, ids, name, head.toString().getBytes(StandardCharsets.ISO_8859_1), null, false, false);
    }

    /** One request on a new connection; the response, normalised, appended to out. */
    private static void exchange(TestServer s, StringBuilder out, Map<String, String> ids, String name, byte[] head, byte[] body,
                                 boolean expectContinue, boolean headRequest) throws IOException {
        URI base = URI.create(s.issuer);
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream o = socket.getOutputStream();
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            // Head and body in one write (but for Expect: 100-continue): whether Jetty saw a body it was not asked to
            // read when it answers (a 429 before the form is read) would otherwise depend on timing (Connection: close).
            o.write(expectContinue || body == null ? head : concat(head, body));
            o.flush();
            out.append("======== ").append(name).append('\n');
            if (expectContinue) {
                List<String> interim = readHead(in);
                out.append(interim.get(0)).append('\n');
                interim.stream().skip(1).sorted().forEach(h -> out.append("  ").append(h).append('\n'));
            }
            if (expectContinue && body != null) {
                o.write(body);
                o.flush();
            }
            List<String> lines = readHead(in);
            out.append(lines.get(0)).append('\n');
            long length = -1;
            boolean chunked = false;
            boolean gzip = false;
            for (String h : lines.subList(1, lines.size())) {
                String lower = h.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) length = Long.parseLong(h.substring(15).trim());
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
                if (lower.startsWith("content-encoding:") && lower.contains("gzip")) gzip = true;
            }
            byte[] content = headRequest ? new byte[0] : chunked ? readChunked(in) : length >= 0 ? in.readNBytes((int) length) : in.readAllBytes();
            if (length >= 0 && !headRequest) assertThat(content).as(name + ": Content-Length").hasSize((int) length);
            String text = new String(gzip ? new GZIPInputStream(new java.io.ByteArrayInputStream(content)).readAllBytes() : content,
                    StandardCharsets.UTF_8);
            boolean carriesToken = text.contains("\"access_token\"");
            List<String> shown = new ArrayList<>();
            for (String h : lines.subList(1, lines.size())) {
                String lower = h.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("date:")) {
                    h = h.substring(0, 5) + " <date>";
                } else if (lower.startsWith("x-request-id:") && !h.endsWith("req-1") && !h.endsWith("req-2")) {
                    assertThat(h.substring(13).trim()).as(name + ": a generated request id").matches("[A-Za-z0-9_-]{16}");
                    h = h.substring(0, 13) + " <generated>";
                } else if (lower.startsWith("content-length:") && (carriesToken || gzip)) {
                    h = h.substring(0, 15) + " <n>";
                } else if (lower.startsWith("retry-after:")) {
                    h = h.substring(0, 12) + " <s>";
                }
                shown.add(h);
            }
            shown.stream().sorted().forEach(h -> out.append("  ").append(h).append('\n'));
            out.append(mask(text, ids)).append('\n');
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static final Pattern TOKEN = Pattern.compile("\"access_token\":\"([A-Za-z0-9_\\-.]+)\"");

    private static String mask(String body, Map<String, String> ids) {
        Matcher m = TOKEN.matcher(body);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String jwt = m.group(1);
            String[] parts = jwt.split("\\.");
            assertThat(parts).as("a signed JWT").hasSize(3);
            // The claims with their changing values masked: which claims a token carries is part of the answer.
            String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                    .replaceAll("\"(exp|iat|nbf)\":[0-9]+", "\"$1\":<t>")
                    .replaceAll("\"(jti|installation_id|jkt)\":\"[^\"]+\"", "\"$1\":\"<v>\"");
            for (Map.Entry<String, String> e : ids.entrySet()) claims = claims.replace(e.getKey(), e.getValue());
            m.appendReplacement(sb, Matcher.quoteReplacement("\"access_token\":\"<jwt " + claims.replace("\"", "'") + ">\""));
        }
        m.appendTail(sb);
        String s = sb.toString().replaceAll("retry after [0-9]+ s", "retry after <s> s");
        for (Map.Entry<String, String> e : ids.entrySet()) s = s.replace(e.getKey(), e.getValue());
        return s;
    }

    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) throw new IOException("connection closed in the head: " + lines);
            if (c == '\n') {
                String l = line.toString();
                line.setLength(0);
                if (l.endsWith("\r")) l = l.substring(0, l.length() - 1);
                if (l.isEmpty()) return lines;
                lines.add(l);
            } else {
                line.append((char) c);
            }
        }
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            StringBuilder size = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) throw new IOException("eof in chunk size");
                if (c != '\r') size.append((char) c);
            }
            int n = Integer.parseInt(size.toString().split(";")[0].trim(), 16);
            if (n == 0) {
                readHead(in); // trailers up to the empty line (none expected)
                return b.toByteArray();
            }
            b.writeBytes(in.readNBytes(n));
            in.read();
            in.read();
        }
    }
}
