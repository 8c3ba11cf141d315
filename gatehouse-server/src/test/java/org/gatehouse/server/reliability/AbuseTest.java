package org.gatehouse.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.Provider;
import java.security.Security;
import java.security.spec.AlgorithmParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.MacSpi;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 §6: abuse. No account or client enumeration through messages (bodies compared byte for
 * byte) or timing (the CPU-bound work, keyed hashes and SQL statements, is counted and must be the
 * same whether the guessed identifier exists or not: wall time is too noisy to assert on).
 * Rate limiting of guesses needs the limiter from main: those tests are written against its
 * documented behaviour and disabled here.
 */
class AbuseTest {
    static final Map<String, String> GRANT = Map.of("grant_type", "client_credentials");

    // ---- enumeration through messages -------------------------------------------------------------

    @Test
    void tokenEndpointAnswersAnUnknownClientADeletedClientAndAWrongSecretAlike() {
        TestServer s = TestServer.shared(Backend.H2);
        Flow.Client c = Flow.register(s);
        Flow.Client gone = Flow.register(s);
        assertThat(s.http.delete("/register/" + gone.id(), gone.rat()).status()).isEqualTo(204);
        Flow.Client rs = Flow.resourceServer(s);
        s.gatehouse().resourceServers.revoke(rs.id(), "test", org.gatehouse.server.audit.Actor.cli());
        List<Http.Response> rs4 = List.of(
                s.http.postForm("/token", c.id(), "ghs_" + "A".repeat(43), GRANT),
                s.http.postForm("/token", "unknownclient0000000000", "ghs_" + "A".repeat(43), GRANT),
                s.http.postForm("/token", gone.id(), gone.secret(), GRANT),
                s.http.postForm("/token", rs.id(), rs.secret(), GRANT));
        assertAllSame(rs4);
    }

    @Test
    void registrationManagementAnswersUnknownDeletedAndForeignAlike() {
        TestServer s = TestServer.shared(Backend.H2);
        Flow.Client c = Flow.register(s);
        Flow.Client other = Flow.register(s);
        Flow.Client gone = Flow.register(s);
        assertThat(s.http.delete("/register/" + gone.id(), gone.rat()).status()).isEqualTo(204);
        String guess = "ghr_" + "A".repeat(43);
        assertAllSame(List.of(
                s.http.get("/register/" + c.id(), guess),
                s.http.get("/register/unknownclient0000000000", guess),
                s.http.get("/register/" + gone.id(), gone.rat()),
                s.http.get("/register/" + c.id(), other.rat()),
                s.http.get("/register/" + other.id(), c.rat())));
        assertAllSame(List.of(
                s.http.delete("/register/" + c.id(), guess),
                s.http.delete("/register/unknownclient0000000000", guess),
                s.http.delete("/register/" + gone.id(), gone.rat())));
    }

    @Test
    void introspectionDoesNotTellAForeignTokenFromGarbage() {
        TestServer s = TestServer.shared(Backend.H2);
        Flow.Client a = Flow.register(s);
        Flow.Client b = Flow.register(s);
        String foreign = Flow.token(s, b);
        assertAllSame(List.of(Flow.introspect(s, a, foreign), Flow.introspect(s, a, "garbage"),
                Flow.introspect(s, a, foreign.substring(0, foreign.length() - 2) + "AA")));
    }

    @Test
    void anUnknownInitialAccessTokenAndAMalformedOneReadAlike() {
        TestServer s = TestServer.shared(Backend.H2);
        assertAllSame(List.of(
                s.http.postJson("/register", "ghi_" + "A".repeat(43), "{}"),
                s.http.postJson("/register", "ghi_short", "{}"),
                s.http.postJson("/register", "not-even-a-token", "{}")));
    }

    // ---- enumeration through timing: count the CPU-bound work ---------------------------------------------

    @Test
    void guessingDoesTheSameWorkForKnownAndUnknownIdentifiers() {
        Provider counting = new CountingProvider();
        Security.insertProviderAt(counting, 1);
        // No client cache (every request reads, however long between warm-up and measurement) and the key refresh
        // out of the way; the server's background threads ("gatehouse-…") are not counted either.
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_CLIENT_CACHE_TTL", "0", "GATEHOUSE_KEY_REFRESH", "10m"))) {
            AtomicLong statements = new AtomicLong();
            s.gatehouse().db.jdbi().setSqlLogger(new SqlLogger() {
                @Override
                public void logAfterExecution(StatementContext context) {
                    if (requestThread()) statements.incrementAndGet();
                }
            });
            Flow.Client c = Flow.register(s);
            Flow.Client gone = Flow.register(s);
            s.http.delete("/register/" + gone.id(), gone.rat());
            String secret = "ghs_" + "A".repeat(43);
            Work wrongSecret = work(statements, () -> s.http.postForm("/token", c.id(), secret, GRANT));
            Work unknownClient = work(statements, () -> s.http.postForm("/token", "unknownclient0000000000", secret, GRANT));
            Work deletedClient = work(statements, () -> s.http.postForm("/token", gone.id(), secret, GRANT));
            assertThat(wrongSecret.hmacs).as("keyed hashes for a wrong secret").isEqualTo(1);
            assertThat(unknownClient).isEqualTo(wrongSecret);
            assertThat(deletedClient).isEqualTo(wrongSecret);

            String rat = "ghr_" + "A".repeat(43);
            Work wrongRat = work(statements, () -> s.http.get("/register/" + c.id(), rat));
            Work unknownRatClient = work(statements, () -> s.http.get("/register/unknownclient0000000000", rat));
            assertThat(wrongRat.hmacs).isEqualTo(1);
            assertThat(unknownRatClient).isEqualTo(wrongRat);

            String revokedIat = s.iatToken(1);
            s.gatehouse().iats.revoke(s.gatehouse().iats.find(revokedIat).orElseThrow().id(), "t", false, org.gatehouse.server.audit.Actor.cli());
            Work unknownIat = work(statements, () -> s.http.postJson("/register", "ghi_" + "B".repeat(43), "{}"));
            Work knownRevokedIat = work(statements, () -> s.http.postJson("/register", revokedIat, "{}"));
            assertThat(unknownIat.hmacs).isEqualTo(1);
            assertThat(knownRevokedIat).isEqualTo(unknownIat);
        } finally {
            Security.removeProvider(counting.getName());
        }
    }

    /** Work counted for requests only: the server's own jobs (key refresh, last-seen flush, H2 housekeeping) run on "gatehouse-" threads. */
    private static boolean requestThread() {
        return !Thread.currentThread().getName().startsWith("gatehouse-");
    }

    record Work(long hmacs, long statements) {
    }

    private static Work work(AtomicLong statements, Supplier<Http.Response> request) {
        request.get(); // warm: thread-local MACs, prepared statements
        long h0 = CountingMac.COUNT.get();
        long s0 = statements.get();
        Http.Response r = request.get();
        assertThat(r.status()).isEqualTo(401);
        return new Work(CountingMac.COUNT.get() - h0, statements.get() - s0);
    }

    /** A JCA provider whose HmacSHA256 counts the MACs computed (and delegates to the JDK's). */
    static final class CountingProvider extends Provider {
        CountingProvider() {
            super("GatehouseCountingHmac", "1", "counts HMAC-SHA-256 computations in tests");
            put("Mac.HmacSHA256", CountingMac.class.getName());
        }
    }

    public static final class CountingMac extends MacSpi {
        static final AtomicLong COUNT = new AtomicLong();
        private final Mac inner;

        public CountingMac() throws GeneralSecurityException {
            inner = Mac.getInstance("HmacSHA256", "SunJCE");
        }

        @Override
        protected int engineGetMacLength() {
            return inner.getMacLength();
        }

        @Override
        protected void engineInit(Key key, AlgorithmParameterSpec params) throws java.security.InvalidKeyException,
                java.security.InvalidAlgorithmParameterException {
            inner.init(key, params);
        }

        @Override
        protected void engineUpdate(byte input) {
            inner.update(input);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            inner.update(input, offset, len);
        }

        @Override
        protected byte[] engineDoFinal() {
            if (requestThread()) COUNT.incrementAndGet();
            return inner.doFinal();
        }

        @Override
        protected void engineReset() {
            inner.reset();
        }
    }

    // ---- rate limits (main's GATEHOUSE_RATE_*; 429 "slow_down" with Retry-After) ------------------------

    @Test
    void guessingInitialAccessTokensIsRateLimitedAndAudited() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_RATE_AUTH_FAILURES_PER_ADDRESS", "10"))) {
            assertLimited(s, i -> s.http.postJson("/register", "ghi_guess" + i + "A".repeat(39), "{}"));
            assertAudited(s);
        }
    }

    @Test
    void guessingClientSecretsIsRateLimitedAndAudited() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_RATE_AUTH_FAILURES_PER_ADDRESS", "10"))) {
            Flow.Client c = Flow.register(s);
            assertLimited(s, i -> s.http.postForm("/token", c.id(), "ghs_guess" + i, GRANT));
            assertAudited(s);
        }
    }

    @Test
    void guessingRegistrationAccessTokensIsRateLimitedAndAudited() {
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_RATE_AUTH_FAILURES_PER_ADDRESS", "10"))) {
            Flow.Client c = Flow.register(s);
            assertLimited(s, i -> s.http.get("/register/" + c.id(), "ghr_guess" + i));
            assertAudited(s);
        }
    }

    // Sign-in brute force (the portal) is throttled per account and per address: see portal.PortalSecurityTest.

    /** 100 guesses from one address: some get 429 slow_down with a Retry-After, and none is served after. */
    private static void assertLimited(TestServer s, java.util.function.IntFunction<Http.Response> guess) {
        List<Http.Response> limited = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Http.Response r = guess.apply(i);
            assertThat(r.status()).isIn(400, 401, 429);
            if (r.status() == 429) limited.add(r);
        }
        assertThat(limited).isNotEmpty();
        for (Http.Response r : limited) {
            assertThat(r.str("error")).isEqualTo("slow_down");
            assertThat(Long.parseLong(r.header("Retry-After"))).isPositive();
        }
    }

    private static void assertAudited(TestServer s) {
        int events = s.gatehouse().db.withHandle(h -> h.createQuery(
                "SELECT COUNT(*) FROM audit_events WHERE action LIKE '%rate_limit%' OR action LIKE '%auth.fail%'").mapTo(Integer.class).one());
        assertThat(events).as("the limited guessing is in the audit log").isPositive();
    }

    private static void assertAllSame(List<Http.Response> rs) {
        Http.Response first = rs.get(0);
        for (Http.Response r : rs) {
            assertThat(r.status()).isEqualTo(first.status());
            assertThat(r.body()).isEqualTo(first.body());
            assertThat(r.header("WWW-Authenticate")).isEqualTo(first.header("WWW-Authenticate"));
        }
    }
}
