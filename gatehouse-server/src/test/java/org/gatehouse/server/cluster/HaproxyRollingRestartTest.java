package org.gatehouse.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.DebianTool;
import org.gatehouse.server.testing.Node;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 8: the documented HAProxy configuration (ops/haproxy/gatehouse-tls-terminating.cfg, Debian's
 * haproxy) in front of two nodes on one PostgreSQL database. Both nodes are restarted one after the other, as
 * docs/operations.md says (SIGTERM, wait for the exit, start, wait for /health/ready, wait for HAProxy to mark
 * it UP), with Gatehouse's default drain settings, while clients ask for tokens without pause: none fails.
 * The ACLs serve the OAuth endpoints to everyone and the portal, admin API, health and metrics only internally.
 */
@Slow
class HaproxyRollingRestartTest {
    private static final Path CONFIG = Path.of("..", "ops", "haproxy", "gatehouse-tls-terminating.cfg");
    private static final long WAIT_MS = 120_000;

    @TempDir
    Path dir;

    @Test
    void aRollingRestartBehindHaproxyWithDefaultSettingsLosesNoRequest() throws Exception {
        Path haproxy = DebianTool.require("/usr/sbin/haproxy", "haproxy");
        try (Backend b = Backend.create(Backend.POSTGRES)) {
            int lbPort = Node.freePort();
            int statsPort = Node.freePort();
            String issuer = "https://127.0.0.1:" + lbPort;
            Map<String, String> env = new HashMap<>(b.env());
            env.put("GATEHOUSE_MASTER_KEY", MasterKey.generateText());
            env.put("GATEHOUSE_ISSUER", issuer);
            env.put("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1");
            env.put("GATEHOUSE_KEY_REFRESH", "1s");
            for (String limit : new String[] {"REGISTER_PER_TOKEN", "REGISTER_PER_ADDRESS", "TOKEN_PER_CLIENT", "AUTH_FAILURES_PER_ADDRESS"}) {
                env.put("GATEHOUSE_RATE_" + limit, "0");
            }
            // Deliberately no GATEHOUSE_SHUTDOWN_DELAY or _TIMEOUT: the defaults must do.
            int[] ports = {Node.freePort(), Node.freePort()};
            List<Node> nodes = new ArrayList<>();
            Process lb = null;
            try {
                for (int port : ports) nodes.add(Node.start(env, port));
                for (Node n : nodes) awaitReady(n);
                String iat;
                try (Gatehouse g = Gatehouse.open(Config.load(env))) {
                    iat = g.iats.create(org.gatehouse.server.iat.IatService.Spec.of("lb test", 10, Duration.ofDays(1), null), Actor.cli()).token();
                }

                Path pem = selfSignedPem();
                Path lbLog = dir.resolve("haproxy.log");
                ProcessBuilder pb = new ProcessBuilder(haproxy.toString(), "-db", "-f", CONFIG.toString());
                pb.environment().put("GATEHOUSE_LB_BIND", "127.0.0.1:" + lbPort);
                pb.environment().put("GATEHOUSE_LB_CERT", pem.toString());
                pb.environment().put("GATEHOUSE_LB_INTERNAL", "192.0.2.0/24"); // the test's 127.0.0.1 is a public client
                pb.environment().put("GATEHOUSE_LB_STATS", "127.0.0.1:" + statsPort);
                pb.environment().put("GATEHOUSE_NODE1", "127.0.0.1:" + ports[0]);
                pb.environment().put("GATEHOUSE_NODE2", "127.0.0.1:" + ports[1]);
                lb = pb.redirectErrorStream(true).redirectOutput(lbLog.toFile()).start();
                HttpClient client = HttpClient.newBuilder().sslContext(trusting(pem)).connectTimeout(Duration.ofSeconds(10)).build();
                HttpClient plain = HttpClient.newHttpClient();
                String stats = "http://127.0.0.1:" + statsPort + "/stats;csv";
                awaitUp(plain, stats, "node1", lb, lbLog);
                awaitUp(plain, stats, "node2", lb, lbLog);

                // The ACLs: OAuth endpoints for everyone, the rest only from the internal networks.
                assertThat(get(client, issuer + "/jwks").statusCode()).isEqualTo(200);
                assertThat(get(client, issuer + "/.well-known/oauth-authorization-server").statusCode()).isEqualTo(200);
                for (String internal : new String[] {"/metrics", "/health/ready", "/api/v1/keys", "/admin", "/"}) {
                    HttpResponse<String> denied = get(client, issuer + internal);
                    assertThat(denied.statusCode()).as(internal).isEqualTo(403);
                    assertThat(denied.body()).as(internal).contains("access_denied");
                }

                HttpResponse<String> reg = client.send(HttpRequest.newBuilder(URI.create(issuer + "/register"))
                        .header("Authorization", "Bearer " + iat).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"client_name\":\"lb test\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(reg.statusCode()).as(reg.body()).isEqualTo(201);
                String id = field(reg.body(), "client_id");
                String secret = field(reg.body(), "client_secret");
                String basic = "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));

                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger ok = new AtomicInteger();
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                List<Thread> loops = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    Thread loop = new Thread(() -> {
                        while (!stop.get()) {
                            try {
                                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(issuer + "/token"))
                                        .header("Authorization", basic).header("Content-Type", "application/x-www-form-urlencoded")
                                        .timeout(Duration.ofSeconds(60))
                                        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() == 200) ok.incrementAndGet();
                                else failures.add(r.statusCode() + " " + r.body());
                            } catch (Exception e) {
                                failures.add(e.toString());
                            }
                        }
                    }, "token-loop-" + t);
                    loop.start();
                    loops.add(loop);
                }
                try {
                    for (int i = 0; i < nodes.size(); i++) {
                        int before = ok.get();
                        awaitCount(ok, before + 20);
                        // The documented rolling restart: SIGTERM, wait for the exit, start, wait until ready and UP.
                        assertThat(nodes.get(i).stop()).isZero();
                        Node restarted = Node.start(env, ports[i]);
                        nodes.set(i, restarted);
                        awaitReady(restarted);
                        awaitUp(plain, stats, "node" + (i + 1), lb, lbLog);
                    }
                    awaitCount(ok, ok.get() + 20);
                } finally {
                    stop.set(true);
                    for (Thread loop : loops) loop.join(TimeUnit.SECONDS.toMillis(90));
                }
                System.out.printf("haproxy rolling restart: %d tokens, %d failed%n", ok.get(), failures.size());
                assertThat(failures).as("failed requests during the rolling restart").isEmpty();
            } finally {
                if (lb != null) {
                    lb.destroy();
                    lb.waitFor(30, TimeUnit.SECONDS);
                }
                for (Node n : nodes) n.close();
            }
        }
    }

    /**
     * The pass-through example (ops/haproxy/gatehouse-tls-passthrough.cfg): the node serves HTTPS itself and reads the
     * PROXY v2 header HAProxy sends, so a registration made from 127.0.0.2 through the balancer (on 127.0.0.1) is
     * recorded with 127.0.0.2.
     */
    @Test
    void aTlsPassThroughBalancerPassesTheClientAddressWithTheProxyProtocol() throws Exception {
        Path haproxy = DebianTool.require("/usr/sbin/haproxy", "haproxy");
        Path pem = selfSignedPem();
        int lbPort = Node.freePort();
        try (org.gatehouse.server.testing.TestServer s = org.gatehouse.server.testing.TestServer.start(Backend.H2, Map.of(
                "GATEHOUSE_TLS_CERT", dir.resolve("cert.pem").toString(), "GATEHOUSE_TLS_KEY", dir.resolve("key.pem").toString(),
                "GATEHOUSE_PROXY_PROTOCOL_FROM", "127.0.0.1", "GATEHOUSE_ISSUER", "https://127.0.0.1:" + lbPort))) {
            Path lbLog = dir.resolve("haproxy-passthrough.log");
            ProcessBuilder pb = new ProcessBuilder(haproxy.toString(), "-db", "-f",
                    Path.of("..", "ops", "haproxy", "gatehouse-tls-passthrough.cfg").toString());
            pb.environment().put("GATEHOUSE_LB_BIND", "127.0.0.1:" + lbPort);
            pb.environment().put("GATEHOUSE_NODE1", "127.0.0.1:" + s.config.port);
            pb.environment().put("GATEHOUSE_NODE2", "127.0.0.1:" + s.config.port);
            Process lb = pb.redirectErrorStream(true).redirectOutput(lbLog.toFile()).start();
            try {
                javax.net.ssl.SSLSocketFactory tls = trusting(pem).getSocketFactory();
                java.net.InetAddress client = java.net.InetAddress.getByName("127.0.0.2");
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
                String reply = "";
                // Until HAProxy's checks have marked the node up, it closes the connection without an answer.
                while (!reply.startsWith("HTTP/1.1 201")) {
                    assertThat(lb.isAlive()).as(() -> "haproxy runs: " + read(lbLog)).isTrue();
                    assertThat(System.nanoTime()).as("a registration through the balancer, last reply: " + reply).isLessThan(deadline);
                    Node.pause();
                    String body = "{\"client_name\":\"behind a pass-through balancer\"}";
                    String request = "POST /register HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + s.iatToken(1)
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
                    try (java.net.Socket socket = tls.createSocket(java.net.InetAddress.getLoopbackAddress(), lbPort, client, 0)) {
                        socket.setSoTimeout(60_000);
                        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                        socket.getOutputStream().flush();
                        reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    } catch (java.io.IOException e) {
                        reply = e.toString();
                    }
                }
                String recorded = s.gatehouse().db.withHandle(h -> h.createQuery("SELECT remote_addr FROM audit_events"
                        + " WHERE action = 'client.register' ORDER BY id DESC FETCH FIRST 1 ROWS ONLY").mapTo(String.class).one());
                assertThat(recorded).isEqualTo("127.0.0.2");
            } finally {
                lb.destroy();
                lb.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitReady(Node n) {
        n.awaitUp(WAIT_MS);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (n.http.get("/health/ready").status() != 200) {
            assertThat(System.nanoTime()).as("node ready").isLessThan(deadline);
            Node.pause();
        }
    }

    /** Waits until HAProxy's stats say the server is UP (what an operator's script checks before the next node). */
    private static void awaitUp(HttpClient plain, String stats, String server, Process lb, Path lbLog) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (true) {
            assertThat(lb.isAlive()).as(() -> "haproxy runs: " + read(lbLog)).isTrue();
            try {
                String csv = get(plain, stats).body();
                for (String line : csv.split("\n")) {
                    String[] f = line.split(",");
                    if (f.length > 17 && f[0].equals("gatehouse_nodes") && f[1].equals(server) && f[17].equals("UP")) return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            assertThat(System.nanoTime()).as(server + " UP in haproxy").isLessThan(deadline);
            Node.pause();
        }
    }

    private static void awaitCount(AtomicInteger ok, int atLeast) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (ok.get() < atLeast) {
            assertThat(System.nanoTime()).as("tokens keep coming").isLessThan(deadline);
            Node.pause();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static String field(String json, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        assertThat(m.find()).as(json).isTrue();
        return m.group(1);
    }

    /** A self-signed certificate and key for 127.0.0.1, in one PEM file as HAProxy's "crt" wants. */
    private Path selfSignedPem() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        Path pem = dir.resolve("haproxy.pem");
        Files.writeString(pem, Files.readString(cert) + Files.readString(key));
        return pem;
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        String text = Files.readString(pem);
        String certPem = text.substring(text.indexOf("-----BEGIN CERTIFICATE-----"), text.indexOf("-----END CERTIFICATE-----") + 25);
        ks.setCertificateEntry("lb", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
