package org.gatehouse.server.oauth;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * RFC 7591 §3.1 bodies as bytes on the wire (json/Json on Jackson): a body that is not UTF-8, has a byte order mark,
 * is nested too deeply or carries something after the object is answered 400 invalid_client_metadata (§3.2.2),
 * never read with replacement characters or a 500. The parsing does not touch the database: H2 only.
 */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
class JsonBodyTest {
    private static TestServer s() {
        return TestServer.shared(Backend.H2);
    }

    @Test
    void aUtf8BodyRegistersWithItsCharactersIntact() throws IOException {
        Reply r = register(s().iatToken(1), "{\"client_name\":\"Caf\u00e9 \uD83D\uDE00\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.status).as(r.body).isEqualTo(201);
        assertThat(r.body).contains("\"client_name\":\"Caf\u00e9 \uD83D\uDE00\"");
    }

    @Test
    void badBodiesAreInvalidClientMetadata() throws IOException {
        String iat = s().iatToken(1);
        Map<String, byte[]> bad = Map.of(
                "Latin-1", "{\"client_name\":\"Caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1),
                "UTF-16", "{\"client_name\":\"x\"}".getBytes(StandardCharsets.UTF_16),
                "BOM", "\uFEFF{\"client_name\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                "deep", ("{\"a\":" + "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH) + "}").getBytes(StandardCharsets.UTF_8),
                "trailing", "{\"client_name\":\"x\"}{}".getBytes(StandardCharsets.UTF_8),
                "repeated", "{\"scope\":\"prefs:read\",\"scope\":\"prefs:write\"}".getBytes(StandardCharsets.UTF_8),
                "scalar", "\"client\"".getBytes(StandardCharsets.UTF_8),
                "long number", ("{\"x\":" + "9".repeat(Json.MAX_NUMBER_CHARS + 1) + "}").getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            Reply r = register(iat, e.getValue());
            assertThat(r.status).as(e.getKey() + ": " + r.body).isEqualTo(400);
            assertThat(r.body).as(e.getKey()).contains("\"error\":\"invalid_client_metadata\"").doesNotContain("Exception");
        }
        // none of them used the token's one registration
        assertThat(register(iat, "{}".getBytes(StandardCharsets.UTF_8)).status).isEqualTo(201);
    }

    private record Reply(int status, String body) {
    }

    /** A POST written byte for byte (the test client's helpers send strings as UTF-8). */
    private static Reply register(String iat, byte[] body) throws IOException {
        URI u = URI.create(s().issuer);
        try (Socket socket = new Socket(u.getHost(), u.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /register HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort() + "\r\n"
                    + "Content-Type: application/json\r\nAuthorization: Bearer " + iat + "\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int status = Integer.parseInt(text.substring(9, 12));
            return new Reply(status, text.substring(text.indexOf("\r\n\r\n") + 4));
        }
    }
}
