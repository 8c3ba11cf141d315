package org.gatehouse.server.statements;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.domain.PublisherRecord;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** A publisher whose JWKS is at a URL: caching, key rotation, refetch on an unknown kid, rate limit. */
@BothBackends
class JwksUrlTest {
    @Parameter
    String backend;

    @Test
    void keyRotationAtThePublishersUrlIsPickedUpOnAnUnknownKid() throws Exception {
        JWK a = Statements.key("ES256");
        JWK b = Statements.key("EdDSA");
        try (JwksServer jwks = new JwksServer(Statements.jwks(a));
             // No minimum time between refetches here; the rate limit has a test of its own below.
             TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_STATEMENT_JWKS_REFRESH", "0s", ALLOW, "true"))) {
            String name = "org.example.url." + Secrets.randomId(4);
            s.gatehouse().publishers.add(name, null, jwks.url(), null, Actor.cli());
            String iat = Statements.tokenRequiring(s, null, null, name);
            Statements.Publisher withA = new Statements.Publisher(name, a);
            Statements.Publisher withB = new Statements.Publisher(name, b);

            Flow.register(s, iat, Statements.body(withA.sign("app", "1", null), null));
            int afterFirst = jwks.fetches.get();
            Flow.register(s, iat, Statements.body(withA.sign("app", "1", null), null));
            assertThat(jwks.fetches.get()).as("cached").isEqualTo(afterFirst);

            // Not yet published: refetched once, still unknown: refused.
            Http.Response early = s.http.postJson("/register", iat, Statements.body(withB.sign("app", "2", null), null));
            assertThat(early.str("error")).as(early.body()).isEqualTo("invalid_software_statement");
            // The publisher rotates to key b: the unknown kid triggers a refetch.
            jwks.jwks.set(Statements.jwks(b));
            Flow.Client c = Flow.register(s, iat, Statements.body(withB.sign("app", "2", null), null));
            assertThat(c.info()).containsEntry("software_version", "2");
            // Key a is gone from the refetched set.
            Http.Response old = s.http.postJson("/register", iat, Statements.body(withA.sign("app", "1", null), null));
            assertThat(old.str("error")).as(old.body()).isEqualTo("invalid_software_statement");
        }
    }

    @Test
    void refetchesOnUnknownKidsAreRateLimitedAndCacheExpires() throws Exception {
        JWK a = Statements.key("ES256");
        try (JwksServer jwks = new JwksServer(Statements.jwks(a))) {
            AtomicLong now = new AtomicLong(Instant.parse("2026-11-28T00:00:00Z").toEpochMilli());
            Clock clock = new Clock() {
                @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
                @Override public Clock withZone(java.time.ZoneId z) { return this; }
                @Override public Instant instant() { return Instant.ofEpochMilli(now.get()); }
            };
            PublisherKeys keys = new PublisherKeys(new JwksFetcher(true), clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            PublisherRecord p = new PublisherRecord("pub_x", "x", null, jwks.url(), null, 0, "test");
            assertThat(keys.keys(p).getKeyByKeyId(a.getKeyID())).isNotNull();
            assertThat(keys.keys(p).getKeys()).hasSize(1);
            assertThat(jwks.fetches.get()).isEqualTo(1);
            // Statements with made-up key ids: at most one refetch per 30 s.
            for (int i = 0; i < 20; i++) keys.refreshed(p);
            assertThat(jwks.fetches.get()).isEqualTo(1);
            now.addAndGet(31_000);
            assertThat(keys.refreshed(p)).isPresent();
            keys.refreshed(p);
            assertThat(jwks.fetches.get()).isEqualTo(2);
            // After the cache lifetime the keys are fetched again; when that fails the old keys are kept.
            now.addAndGet(Duration.ofMinutes(11).toMillis());
            jwks.jwks.set("not json");
            assertThat(keys.keys(p).getKeyByKeyId(a.getKeyID())).isNotNull();
            assertThat(jwks.fetches.get()).isEqualTo(3);
        }
    }

    @Test
    void anUnreachableOrUnusableUrlIsRefusedWhenThePublisherIsAdded() throws Exception {
        try (TestServer s = TestServer.start(backend, Map.of(ALLOW, "true"));
             JwksServer jwks = new JwksServer("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}")) {
            assertThatThrownBy(() -> s.gatehouse().publishers.add("org.bad." + Secrets.randomId(4), null, jwks.url(), null, Actor.cli()))
                    .hasMessageContaining("cannot use the JWKS");
            assertThatThrownBy(() -> s.gatehouse().publishers.add("org.gone." + Secrets.randomId(4), null, "http://127.0.0.1:9/jwks.json", null, Actor.cli()))
                    .hasMessageContaining("cannot use the JWKS");
        }
    }

    /** Issue 12 item 10: without the test setting, a JWKS URL is https to a public address, or refused before any connection. */
    @Test
    void loopbackPrivateAndPlainHttpUrlsAreRefusedWithoutBeingContacted() throws Exception {
        TestServer s = TestServer.shared(backend);
        try (JwksServer jwks = new JwksServer(Statements.jwks(Statements.key("ES256")))) {
            int p = jwks.port();
            assertThatThrownBy(() -> s.gatehouse().publishers.add("org.local." + Secrets.randomId(4), null, jwks.url(), null, Actor.cli()))
                    .isInstanceOf(org.gatehouse.server.errors.InvalidInput.class).hasMessageContaining("https");
            for (String url : java.util.List.of("https://127.0.0.1:" + p + "/jwks.json", "https://localhost:" + p + "/jwks.json",
                    "https://[::1]:" + p + "/jwks.json", "https://2130706433:" + p + "/jwks.json", "https://[::ffff:127.0.0.1]:" + p + "/jwks.json",
                    "https://0.0.0.0:" + p + "/jwks.json", "https://10.1.2.3/jwks.json", "https://172.16.0.1/jwks.json",
                    "https://192.168.1.1/jwks.json", "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/jwks.json",
                    "https://224.0.0.1/jwks.json", "https://[fe80::1]/jwks.json", "https://[fd00::1]/jwks.json",
                    "https://[2002:7f00:1::]/jwks.json", "https://[64:ff9b::7f00:1]/jwks.json")) {
                assertThatThrownBy(() -> s.gatehouse().publishers.add("org.ssrf." + Secrets.randomId(4), null, url, null, Actor.cli()))
                        .as(url).isInstanceOf(org.gatehouse.server.errors.InvalidInput.class)
                        .hasMessage("cannot use the JWKS at " + url + ": " + JwksFetcher.REFUSED);
            }
            // Even allowed for tests, plain http goes to loopback only.
            JwksFetcher forTests = new JwksFetcher(true);
            for (String url : java.util.List.of("http://10.1.2.3/jwks.json", "http://192.168.1.1/jwks.json", "https://10.1.2.3/jwks.json")) {
                assertThatThrownBy(() -> forTests.fetch(url)).as(url).hasMessage(JwksFetcher.REFUSED);
            }
            assertThat(jwks.fetches.get()).as("nothing reached the loopback server").isZero();
        }
    }

    /** Issue 12 item 10: a failed fetch answers with fixed words: no status code, no redirect, nothing of the body. */
    @Test
    void failedFetchesEchoNothingOfTheAnswer() throws Exception {
        JwksFetcher forTests = new JwksFetcher(true);
        try (JwksServer other = new JwksServer("Unsupported database file version or invalid file header 90048-240")) {
            for (int status : new int[] {303, 302, 404, 500}) {
                other.status.set(status);
                assertThatThrownBy(() -> forTests.fetch(other.url())).as("HTTP %d", status).hasMessage(JwksFetcher.FAILED);
            }
            other.status.set(200);
            PublisherKeys keys = new PublisherKeys(forTests, Clock.systemUTC(), Duration.ofMinutes(10), Duration.ofSeconds(30));
            assertThatThrownBy(() -> keys.fetchNow(other.url())).hasMessageNotContaining("90048").hasMessageNotContaining("Unsupported");
        }
        assertThatThrownBy(() -> forTests.fetch("http://127.0.0.1:9/jwks.json")).hasMessage(JwksFetcher.FAILED);
    }

    private static final String ALLOW = "GATEHOUSE_STATEMENT_JWKS_ALLOW_HTTP_LOOPBACK";
}
