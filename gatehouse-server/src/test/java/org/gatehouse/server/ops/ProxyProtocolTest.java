package org.gatehouse.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 7: PROXY protocol v1 and v2 from the balancers named by GATEHOUSE_PROXY_PROTOCOL_FROM gives the
 * client's address (here seen in the audit log of a registration); a PROXY header from anyone else is refused;
 * connections without the header are served as before.
 */
class ProxyProtocolTest {
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @Test
    void aTrustedBalancersProxyHeaderGivesTheClientAddressAndAnyoneElsesIsRefused() throws Exception {
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_PROXY_PROTOCOL_FROM", "127.0.0.1/32"))) {
            int port = s.config.port;
            String v1 = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 " + port + "\r\n";
            String reply = exchange(port, v1.getBytes(StandardCharsets.US_ASCII), register(s));
            assertThat(reply).startsWith("HTTP/1.1 201");
            assertThat(lastRegistrationAddress(s)).isEqualTo("203.0.113.7");

            reply = exchange(port, v2(new byte[] {(byte) 198, 51, 100, 9}, port), register(s));
            assertThat(reply).startsWith("HTTP/1.1 201");
            assertThat(lastRegistrationAddress(s)).isEqualTo("198.51.100.9");

            // Without a header: served, with the socket's address.
            assertThat(exchange(port, new byte[0], register(s))).startsWith("HTTP/1.1 201");
            assertThat(lastRegistrationAddress(s)).isEqualTo("127.0.0.1");
        }
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_PROXY_PROTOCOL_FROM", "192.0.2.1"))) {
            int port = s.config.port;
            String v1 = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 " + port + "\r\n";
            String refused = exchange(port, v1.getBytes(StandardCharsets.US_ASCII), register(s));
            assertThat(refused).startsWith("HTTP/1.1 400").doesNotContain("Exception");
            assertThat(exchange(port, v2(new byte[] {(byte) 198, 51, 100, 9}, port), register(s))).startsWith("HTTP/1.1 400");
            assertThat(countRegistrations(s)).isZero();
            assertThat(exchange(port, new byte[0], register(s))).startsWith("HTTP/1.1 201");
        }
    }

    private static byte[] register(TestServer s) {
        String body = "{\"client_name\":\"behind a balancer\"}";
        return ("POST /register HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + s.iatToken(1)
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A PROXY v2 header: PROXY command, TCP over IPv4, source address and port, destination 127.0.0.1. */
    private static byte[] v2(byte[] source, int port) {
        ByteBuffer b = ByteBuffer.allocate(16 + 12);
        b.put(V2_SIGNATURE).put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        b.put(source).put(new byte[] {127, 0, 0, 1}).putShort((short) 40000).putShort((short) port);
        return b.array();
    }

    private static String exchange(int port, byte[] header, byte[] request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(header);
            all.write(request);
            out.write(all.toByteArray());
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String lastRegistrationAddress(TestServer s) {
        return s.gatehouse().db.withHandle(h -> h.createQuery("SELECT remote_addr FROM audit_events WHERE action = 'client.register'"
                + " ORDER BY id DESC FETCH FIRST 1 ROWS ONLY").mapTo(String.class).one());
    }

    private static int countRegistrations(TestServer s) {
        return s.gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE action = 'client.register'")
                .mapTo(Integer.class).one());
    }
}
