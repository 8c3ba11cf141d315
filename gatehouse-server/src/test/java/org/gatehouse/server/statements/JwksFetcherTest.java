package org.gatehouse.server.statements;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.gatehouse.server.testing.Threads;
import org.junit.jupiter.api.Test;

/** The JWKS fetch's SSRF guards that need no server setup: resolve-then-connect and the overall deadline. */
class JwksFetcherTest {
    private static final String JWKS = "{\"keys\":[]}";

    private static InetAddress ip(String s) throws java.net.UnknownHostException {
        return InetAddress.getByName(s); // a literal: no lookup
    }

    /**
     * DNS rebinding: the name is resolved once and checked; the connection goes to that address. A
     * second lookup (which a rebinding name server would answer with an internal address, here
     * 10.0.0.1) never happens, and the host name, which the system cannot resolve, is never looked up
     * by the HTTP client.
     */
    @Test
    void connectsToTheAddressItCheckedWithoutASecondLookup() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        JwksFetcher f = new JwksFetcher(true, host -> {
            assertThat(host).isEqualTo("jwks.rebinding.invalid");
            return new InetAddress[] {lookups.incrementAndGet() == 1 ? ip("127.0.0.1") : ip("10.0.0.1")};
        }, JwksFetcher.DEADLINE);
        try (JwksServer server = new JwksServer(JWKS)) {
            assertThat(f.fetch("http://jwks.rebinding.invalid:" + server.port() + "/jwks.json")).isEqualTo(JWKS);
            assertThat(server.fetches).hasValue(1);
        }
        assertThat(lookups).hasValue(1);
    }

    @Test
    void aDocumentOverTheSizeLimitIsRefused() throws Exception {
        JwksFetcher f = new JwksFetcher(true);
        try (JwksServer server = new JwksServer("{\"keys\":[],\"pad\":\"" + "x".repeat(JwksFetcher.MAX_BYTES) + "\"}")) {
            assertThatThrownBy(() -> f.fetch(server.url())).hasMessage("the JWKS is larger than " + JwksFetcher.MAX_BYTES + " bytes");
        }
    }

    @Test
    void anyAddressThatIsNotAllowedRefusesTheWholeName() throws Exception {
        JwksFetcher strict = new JwksFetcher(false, host -> new InetAddress[] {ip("93.184.216.34"), ip("10.1.2.3")}, JwksFetcher.DEADLINE);
        assertThatThrownBy(() -> strict.destination(URI.create("https://mixed.example/jwks.json"))).hasMessage(JwksFetcher.REFUSED);
        JwksFetcher publicOnly = new JwksFetcher(false, host -> new InetAddress[] {ip("93.184.216.34")}, JwksFetcher.DEADLINE);
        assertThat(publicOnly.destination(URI.create("https://public.example/jwks.json"))).containsExactly(ip("93.184.216.34"));
        JwksFetcher nothing = new JwksFetcher(false, host -> new InetAddress[0], JwksFetcher.DEADLINE);
        assertThatThrownBy(() -> nothing.destination(URI.create("https://none.example/jwks.json"))).hasMessage(JwksFetcher.FAILED);
    }

    /**
     * A server that answers 200 at once and then drips its body a byte at a time, forever: each read
     * gets a byte, so only a deadline on the whole exchange ends it. The fetch must fail with the fixed
     * message; it must not hold its thread for as long as the server keeps dripping.
     */
    @Test
    void aServerThatDripsItsAnswerIsCutOffAtTheDeadline() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger dripped = new AtomicInteger();
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Future<?> server = Threads.EACH_ITS_OWN.submit(() -> {
                try (Socket s = ss.accept(); OutputStream out = s.getOutputStream()) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    while (stop.getCount() > 0) {
                        out.write("1\r\n \r\n".getBytes(StandardCharsets.US_ASCII)); // one byte of body per chunk
                        out.flush();
                        dripped.incrementAndGet();
                        LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // the drip's pace, not a wait for anything
                    }
                } catch (IOException closedByTheClient) {
                    // what a deadline looks like from here
                }
                return null;
            });
            JwksFetcher f = new JwksFetcher(true, host -> new InetAddress[] {InetAddress.getLoopbackAddress()}, Duration.ofSeconds(1));
            Future<Throwable> fetch = Threads.EACH_ITS_OWN.submit(() -> {
                try {
                    f.fetch("http://127.0.0.1:" + ss.getLocalPort() + "/jwks.json");
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            try {
                // A guard against a hang, not a timing assertion: without an overall deadline this never ends.
                Throwable t = fetch.get(120, TimeUnit.SECONDS);
                assertThat(t).isInstanceOf(IOException.class).hasMessage(JwksFetcher.FAILED);
                assertThat(dripped.get()).isPositive();
            } finally {
                stop.countDown();
                fetch.cancel(true);
            }
            server.get(120, TimeUnit.SECONDS);
        }
    }
}
