package org.gatehouse.server.ops;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.Node;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS from PEM files (a self-signed certificate made here with keytool), reloaded without a restart. */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
class TlsTest {
    @TempDir
    Path dir;

    record Pem(X509Certificate cert, String certPem, String keyPem) {
    }

    @Test
    void servesHttpsAndPicksUpARenewedCertificateWithoutRestart() throws Exception {
        Pem first = selfSigned("first");
        Pem second = selfSigned("second");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, first.certPem());
        Files.writeString(key, first.keyPem());
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_TLS_CERT", cert.toString(),
                "GATEHOUSE_TLS_KEY", key.toString(), "GATEHOUSE_TLS_RELOAD", "1s"))) {
            URI live = URI.create("https://127.0.0.1:" + s.config.port + "/health/live");
            HttpResponse<String> r = client(first, second).send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(first.cert());
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + s.config.port + "/health/live")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);

            // A renewal: the key first, then the certificate, each replaced atomically, as certbot hooks do.
            replace(key, second.keyPem());
            replace(cert, second.certPem());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Certificate presented;
            do {
                assertThat(System.nanoTime()).as("the renewed certificate is served").isLessThan(deadline);
                Node.pause();
                // A new client each time: a new connection, so a new handshake.
                presented = client(first, second).send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.ofString())
                        .sslSession().orElseThrow().getPeerCertificates()[0];
            } while (!presented.equals(second.cert()));
            // Issue 16 item 7: /metrics tells when the certificate being served expires.
            URI metrics = URI.create("https://127.0.0.1:" + s.config.port + "/metrics");
            Map<String, Double> scraped = Node.parseMetrics(client(first, second).send(HttpRequest.newBuilder(metrics).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(scraped.get("gatehouse_tls_certificate_expiry_timestamp_seconds"))
                    .isEqualTo(second.cert().getNotAfter().getTime() / 1000.0);
        }
    }

    @Test
    void aKeyInAnotherFormatIsRefusedWithTheCommandThatConvertsIt() throws Exception {
        Pem p = selfSigned("pkcs1");
        Path cert = dir.resolve("c.pem");
        Path key = dir.resolve("k.pem");
        Files.writeString(cert, p.certPem());
        Files.writeString(key, p.keyPem().replace("PRIVATE KEY", "EC PRIVATE KEY"));
        Cli.Result r = Cli.run(Map.of("GATEHOUSE_DATA_DIR", dir.resolve("data").toString(), "GATEHOUSE_PORT", Integer.toString(Node.freePort()),
                "GATEHOUSE_TLS_CERT", cert.toString(), "GATEHOUSE_TLS_KEY", key.toString()), "serve");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("gatehouse: cannot use GATEHOUSE_TLS_CERT").contains("openssl pkcs8 -topk8").doesNotContain("\n");
    }

    @Test
    void plainHttpBeyondLoopbackNeedsATlsProxyToBeDeclared() {
        Map<String, String> env = new HashMap<>(Map.of("GATEHOUSE_CONFIG", "/dev/null", "GATEHOUSE_BIND", "0.0.0.0"));
        assertThatThrownBy(() -> Config.load(env).requireTransportSecurity()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("refusing to serve plain HTTP on 0.0.0.0").hasMessageContaining("GATEHOUSE_BEHIND_TLS_PROXY=true");
        env.put("GATEHOUSE_BEHIND_TLS_PROXY", "true");
        Config.load(env).requireTransportSecurity();
        env.remove("GATEHOUSE_BEHIND_TLS_PROXY");
        env.put("GATEHOUSE_ISSUER", "https://gatehouse.example.org");
        Config.load(env).requireTransportSecurity();
        Config.load(Map.of("GATEHOUSE_CONFIG", "/dev/null")).requireTransportSecurity(); // the laptop default: loopback
        assertThatThrownBy(() -> Config.load(Map.of("GATEHOUSE_CONFIG", "/dev/null", "GATEHOUSE_TLS_CERT", "/x.pem")))
                .hasMessageContaining("must be set together");
    }

    @Test
    void theServeCommandRefusesWithOneLine() {
        Cli.Result r = Cli.run(Map.of("GATEHOUSE_DATA_DIR", dir.resolve("data").toString(), "GATEHOUSE_BIND", "0.0.0.0",
                "GATEHOUSE_PORT", Integer.toString(Node.freePort())), "serve");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("gatehouse: refusing to serve plain HTTP").doesNotContain("\n");
    }

    private static void replace(Path target, String content) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "new", ".pem");
        Files.writeString(tmp, content);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static HttpClient client(Pem... trusted) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        for (int i = 0; i < trusted.length; i++) ts.setCertificateEntry("c" + i, trusted[i].cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A self-signed EC certificate for 127.0.0.1 made by the JDK's keytool, as PEM. */
    private Pem selfSigned(String name) throws Exception {
        Path ks = dir.resolve(name + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "gh", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + name, "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit").redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        X509Certificate cert = (X509Certificate) store.getCertificate("gh");
        byte[] key = store.getKey("gh", "changeit".toCharArray()).getEncoded();
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        return new Pem(cert,
                "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n",
                "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(key) + "\n-----END PRIVATE KEY-----\n");
    }

}
