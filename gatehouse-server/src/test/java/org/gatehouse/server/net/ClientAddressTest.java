package org.gatehouse.server.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** X-Forwarded-For as ClientAddress reads it, without a server (ForwardedForTest checks it over HTTP). */
class ClientAddressTest {
    private final ClientAddress behindProxies = new ClientAddress(Cidr.parseList("10.0.0.0/8, fd00::/8"));

    @Test
    void withoutTrustedProxiesTheHeaderIsNeverRead() {
        ClientAddress none = new ClientAddress(List.of());
        assertThat(none.resolve("192.0.2.1", List.of("203.0.113.7"))).isEqualTo("192.0.2.1");
    }

    @Test
    void aPeerThatIsNotATrustedProxyIsTheClient() {
        assertThat(behindProxies.resolve("192.0.2.1", List.of("203.0.113.7"))).isEqualTo("192.0.2.1");
        assertThat(behindProxies.resolve("10.0.0.1", null)).isEqualTo("10.0.0.1");
        assertThat(behindProxies.resolve("10.0.0.1", List.of())).isEqualTo("10.0.0.1");
    }

    @Test
    void theHeaderIsReadFromTheRightSkippingTrustedProxies() {
        assertThat(behindProxies.resolve("10.0.0.1", List.of("203.0.113.7"))).isEqualTo("203.0.113.7");
        // the client's own (forged) entry on the left is never reached
        assertThat(behindProxies.resolve("10.0.0.1", List.of("198.51.100.1, 203.0.113.7, 10.0.0.2"))).isEqualTo("203.0.113.7");
        assertThat(behindProxies.resolve("fd00::1", List.of("2001:db8::7"))).isEqualTo("2001:db8::7");
        // every hop trusted: the leftmost one
        assertThat(behindProxies.resolve("10.0.0.1", List.of("10.0.0.3, 10.0.0.2"))).isEqualTo("10.0.0.3");
    }

    @Test
    void allLinesCountInOrderAsOneList() {
        // RFC 9110 §5.3: a proxy that appends a line of its own leaves the forged first line on the left
        assertThat(behindProxies.resolve("10.0.0.1", List.of("198.51.100.1", "203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(behindProxies.resolve("10.0.0.1", List.of("203.0.113.7", "10.0.0.2"))).isEqualTo("203.0.113.7");
    }

    @Test
    void aMalformedOrEmptyEntryStopsAtTheLastTrustedAddress() {
        assertThat(behindProxies.resolve("10.0.0.1", List.of("203.0.113.7, not-an-address"))).isEqualTo("10.0.0.1");
        assertThat(behindProxies.resolve("10.0.0.1", List.of("203.0.113.7, "))).isEqualTo("10.0.0.1");
        assertThat(behindProxies.resolve("10.0.0.1", List.of("not-an-address, 203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(behindProxies.resolve("10.0.0.1", List.of("203.0.113.0/24"))).isEqualTo("10.0.0.1");
        assertThat(behindProxies.resolve("10.0.0.1", List.of("10.0.0.2, 203.0.113.7:443"))).isEqualTo("10.0.0.1");
    }

    @Test
    void anIpv4MappedPeerIsTheIpv4ProxyItMaps() {
        assertThat(behindProxies.resolve("::ffff:10.0.0.1", List.of("203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(behindProxies.resolve("::ffff:192.0.2.1", List.of("203.0.113.7"))).isEqualTo("::ffff:192.0.2.1");
    }
}
