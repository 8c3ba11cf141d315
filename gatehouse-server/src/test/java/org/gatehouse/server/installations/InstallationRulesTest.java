package org.gatehouse.server.installations;

import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.domain.InstallationStatus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.domain.InstallationRecord;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** Issue 4 rules that need a server configured on purpose: clones, addresses, rate limits, stale clean-up. */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
@BothBackends
class InstallationRulesTest {
    @Parameter
    String backend;

    private static String body(String machine) {
        return "{\"installation_id\":\"" + machine + "\"}";
    }

    private static Map<String, String> grant() {
        return Map.of("grant_type", "client_credentials");
    }

    @Test
    void rapidReRegistrationIsFlaggedAsAPossibleClone() {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_CLONE_THRESHOLD", "2"))) {
            String machine = Flow.installationId();
            String iat = s.iatToken(10);
            Flow.register(s, iat, body(machine));
            Flow.register(s, iat, body(machine));
            assertThat(s.gatehouse().installations.find(machine).get(0).flagged()).isFalse();
            Flow.register(s, iat, body(machine));
            InstallationRecord inst = s.gatehouse().installations.find(machine).get(0);
            assertThat(inst.flagged()).isTrue();
            assertThat(inst.flagReason()).isEqualTo("possible cloned image");
            assertThat(inst.activeClients()).isEqualTo(1);
            int events = s.gatehouse().db.withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM audit_events WHERE action = 'installation.flagged' AND subject = :id")
                    .bind("id", inst.id()).mapTo(Integer.class).one());
            assertThat(events).isEqualTo(1);
            Map<String, String> env = new HashMap<>(s.backend.env());
            env.put("GATEHOUSE_ISSUER", s.issuer);
            Cli.Result list = Cli.run(env, "installations", "list", "--flagged", "--json");
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out().strip().lines()).hasSize(1).first().asString().contains(inst.id()).contains("\"flagged\":true")
                    .contains("possible cloned image");
        }
    }

    @Test
    void cloneBlockingRefusesAndStillRecordsTheFlag() {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_CLONE_THRESHOLD", "1", "GATEHOUSE_CLONE_ACTION", "block"))) {
            String machine = Flow.installationId();
            String iat = s.iatToken(10);
            Flow.Client first = Flow.register(s, iat, body(machine));
            Http.Response blocked = s.http.postJson("/register", iat, body(machine));
            assertThat(blocked.status()).isEqualTo(400);
            assertThat(blocked.str("error")).isEqualTo("invalid_client_metadata");
            assertThat(blocked.str("error_description")).contains("cloned image");
            InstallationRecord inst = s.gatehouse().installations.find(machine).get(0);
            assertThat(inst.flagged()).isTrue();
            assertThat(inst.registrations()).isEqualTo(1);
            Flow.token(s, first);
        }
    }

    @Test
    void aRegistrationWritesOneAuditEventThatNamesTheInstallationAndSaysWhetherItIsNew() throws Exception {
        try (TestServer s = TestServer.start(backend, Map.of())) {
            var iat = s.iat(new IatService.Spec("one event", 5, Duration.ofDays(1), null, null, null, "allow", null));
            Http.Response first = s.http.postJson("/register", iat.token(), body("machine-one-event"));
            assertThat(first.status()).as(first.body()).isEqualTo(201);
            Http.Response again = s.http.postJson("/register", iat.token(), body("machine-one-event"));
            assertThat(again.status()).as(again.body()).isEqualTo(201);
            List<Map<String, Object>> events = s.gatehouse().db.withHandle(h -> h.createQuery(
                    "SELECT action, subject, details FROM audit_events WHERE actor = :actor ORDER BY id")
                    .bind("actor", "iat:" + iat.record().id()).mapToMap().list());
            // One event per registration (issue 18): the installation's creation is told by client.register itself.
            assertThat(events).extracting(e -> e.get("action")).containsExactly("client.register", "client.register");
            assertThat(events).extracting(e -> e.get("subject")).containsExactly(first.str("client_id"), again.str("client_id"));
            Map<String, Object> created = Json.parseObject((String) events.get(0).get("details"));
            Map<String, Object> known = Json.parseObject((String) events.get(1).get("details"));
            assertThat(created.get("installation")).isEqualTo(known.get("installation")).isNotNull();
            assertThat(created.get("installation_created")).isEqualTo(true);
            assertThat(created.get("installation_id")).isEqualTo("machine-one-event");
            assertThat(known).doesNotContainKey("installation_created");
        }
    }

    @Test
    void clientAddressRangesApplyToRegistrationAndTokenRequests() {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32"))) {
            var lan = s.iat(new IatService.Spec("lan", 5, Duration.ofDays(1), null, null, List.of("10.1.0.0/16", "2001:db8::/32"), null, null));
            // Directly from 127.0.0.1: outside the ranges.
            Http.Response direct = s.http.postJson("/register", lan.token(), "{}");
            assertThat(direct.status()).isEqualTo(401);
            assertThat(direct.str("error")).isEqualTo("invalid_token");
            // Through the trusted proxy on 127.0.0.1, from 10.1.2.3: inside.
            Http.Response proxied = s.http.postRaw("/register", "application/json", "{}",
                    Map.of("Authorization", "Bearer " + lan.token(), "X-Forwarded-For", "203.0.113.9, 10.1.2.3"));
            assertThat(proxied.status()).as(proxied.body()).isEqualTo(201);
            String id = proxied.str("client_id");
            String secret = proxied.str("client_secret");
            Http.Response outside = s.http.postForm("/token", id, secret, grant());
            assertThat(outside.status()).isEqualTo(400);
            assertThat(outside.str("error")).isEqualTo("unauthorized_client");
            Http.Response inside = s.http.postRaw("/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                    Map.of("Authorization", Http.basic(id, secret), "X-Forwarded-For", "2001:db8::7"));
            assertThat(inside.status()).as(inside.body()).isEqualTo(200);
            String audited = s.gatehouse().db.withHandle(h -> h.createQuery(
                    "SELECT remote_addr FROM audit_events WHERE action = 'client.register' AND subject = :id")
                    .bind("id", id).mapTo(String.class).one());
            assertThat(audited).isEqualTo("10.1.2.3");
        }
    }

    @Test
    void forwardedForIsIgnoredWithoutTrustedProxies() {
        try (TestServer s = TestServer.start(backend, Map.of())) {
            var lan = s.iat(new IatService.Spec("lan", 5, Duration.ofDays(1), null, null, List.of("10.1.0.0/16"), null, null));
            Http.Response spoofed = s.http.postRaw("/register", "application/json", "{}",
                    Map.of("Authorization", "Bearer " + lan.token(), "X-Forwarded-For", "10.1.2.3"));
            assertThat(spoofed.status()).isEqualTo(401);
        }
    }

    @Test
    void rateLimitsAnswer429WithRetryAfter() {
        // One a minute: a permit comes back only after 60 s, far more than a stall between these requests.
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_RATE_REGISTER_PER_ADDRESS", "1",
                "GATEHOUSE_RATE_TOKEN_PER_CLIENT", "1"))) {
            String iat = s.iatToken(10);
            Flow.Client c = Flow.register(s, iat, "{}");
            Http.Response limited = s.http.postJson("/register", iat, "{}");
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.str("error")).isEqualTo("slow_down");
            assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
            // Guessing tokens from one address hits the same limit.
            assertThat(s.http.postJson("/register", "ghi_guess", "{}").status()).isEqualTo(429);
            assertThat(s.gatehouse().iats.find(iat).orElseThrow().registrations()).isEqualTo(1);

            Flow.token(s, c);
            Http.Response slow = s.http.postForm("/token", c.id(), c.secret(), grant());
            assertThat(slow.status()).isEqualTo(429);
            assertThat(slow.header("Retry-After")).isNotBlank();
        }
    }

    @Test
    void staleInstallationsAreMarkedThenRevokedAndMayComeBack() {
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_STALE_AFTER", "30d", "GATEHOUSE_STALE_REVOKE_AFTER", "60d"))) {
            String iat = s.iatToken(10);
            String oldMachine = Flow.installationId();
            Flow.Client old = Flow.register(s, iat, body(oldMachine));
            Flow.Client fresh = Flow.register(s, iat, body(Flow.installationId()));
            long longAgo = System.currentTimeMillis() - Duration.ofDays(40).toMillis();
            s.gatehouse().db.withHandle(h -> h.execute("UPDATE installations SET last_registered_at = ? WHERE installation_id = ?",
                    longAgo, oldMachine));

            var dry = s.gatehouse().installations.cleanup(true, org.gatehouse.server.audit.Actor.cli(), p -> { });
            assertThat(dry.markedStale()).isEqualTo(1);
            assertThat(s.gatehouse().installations.find(oldMachine).get(0).status()).isEqualTo(InstallationStatus.ACTIVE);

            var real = s.gatehouse().installations.cleanup(false, org.gatehouse.server.audit.Actor.cli(), p -> { });
            assertThat(real.markedStale()).isEqualTo(1);
            assertThat(s.gatehouse().installations.find(oldMachine).get(0).status()).isEqualTo(InstallationStatus.STALE);
            Flow.token(s, old); // stale, not revoked

            long staleLongAgo = System.currentTimeMillis() - Duration.ofDays(61).toMillis();
            s.gatehouse().db.withHandle(h -> h.execute("UPDATE installations SET stale_at = ? WHERE installation_id = ?",
                    staleLongAgo, oldMachine));
            var again = s.gatehouse().installations.cleanup(false, org.gatehouse.server.audit.Actor.cli(), p -> { });
            assertThat(again.revoked()).isEqualTo(1);
            assertThat(s.http.postForm("/token", old.id(), old.secret(), grant()).status()).isEqualTo(401);
            Flow.token(s, fresh);
            // An installation revoked for staleness may register again (a machine back from a long holiday).
            Flow.Client back = Flow.register(s, iat, body(oldMachine));
            Flow.token(s, back);
            assertThat(s.gatehouse().installations.find(oldMachine).get(0).status()).isEqualTo(InstallationStatus.ACTIVE);
        }
    }

    @Test
    void lastSeenIsFlushedOnShutdown() throws Exception {
        String machine = Flow.installationId();
        TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_LAST_SEEN_FLUSH", "1h"));
        Map<String, String> env;
        try {
            Flow.Client c = Flow.register(s, s.iatToken(1), body(machine));
            Flow.token(s, c);
            Flow.token(s, c);
            env = new HashMap<>(s.backend.env());
            env.put("GATEHOUSE_CONFIG", "/dev/null");
        } finally {
            s.closeKeepingData();
        }
        try (Gatehouse g = Gatehouse.open(Config.load(env))) {
            assertThat(g.installations.find(machine).get(0).tokenCount()).isEqualTo(2);
        } finally {
            s.backend.close();
        }
    }

    @Test
    void maintenanceRunsOnceAcrossNodesAndPurgesExpiredData() throws Exception {
        // Two nodes' services on one database, without servers: no scheduled job can take the due run first.
        try (Backend b = Backend.create(backend)) {
            Map<String, String> env = new HashMap<>(b.env());
            env.put("GATEHOUSE_CONFIG", "/dev/null");
            env.put("GATEHOUSE_MAINTENANCE_INTERVAL", "1h");
            try (Gatehouse one = Gatehouse.open(Config.load(env), Database.SchemaPolicy.MIGRATE); Gatehouse other = Gatehouse.open(Config.load(env))) {
                one.db.withHandle(h -> {
                    h.execute("UPDATE settings SET setting_value = '0' WHERE name = 'job.maintenance'");
                    h.execute("INSERT INTO revoked_tokens (jti, client_id, expires_at, revoked_at) VALUES ('old-jti', 'x', 1, 1)");
                    h.execute("INSERT INTO audit_events (occurred_at, actor, action) VALUES (1, 'test', 'ancient')");
                    return null;
                });
                ExecutorService pool = Executors.newFixedThreadPool(2);
                try {
                    List<Callable<Boolean>> nodes = List.of(() -> one.maintenance.runIfDue().isPresent(),
                            () -> other.maintenance.runIfDue().isPresent());
                    int ran = 0;
                    for (Future<Boolean> f : pool.invokeAll(nodes)) if (f.get()) ran++;
                    assertThat(ran).isEqualTo(1);
                } finally {
                    pool.shutdownNow();
                }
                assertThat(other.maintenance.runIfDue()).isEmpty();
                int left = one.db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM revoked_tokens WHERE jti = 'old-jti'")
                        .mapTo(Integer.class).one() + h.createQuery("SELECT COUNT(*) FROM audit_events WHERE action = 'ancient'")
                        .mapTo(Integer.class).one());
                assertThat(left).isZero();
            }
        }
    }

    /** The CLI's --json output; on a parse failure the message shows what it printed. */
    private static Map<String, Object> parseJson(Cli.Result r) {
        try {
            return Json.parseObject(r.out().strip());
        } catch (Json.JsonException e) {
            throw new AssertionError("not JSON on stdout: [" + r.out() + "], stderr: [" + r.err() + "]", e);
        }
    }

    @Test
    void cliListsShowsAndRevokesInstallations() throws Exception {
        TestServer s = TestServer.shared(backend);
        var iat = s.iat(2, null);
        String machine = Flow.installationId();
        Flow.Client c = Flow.register(s, iat.token(), "{\"installation_id\":\"" + machine + "\",\"software_id\":\"morphic\"}");
        String ref = s.gatehouse().installations.find(machine).get(0).id();
        Map<String, String> env = new HashMap<>(s.backend.env());
        env.put("GATEHOUSE_ISSUER", s.issuer);
        Cli.Result list = Cli.run(env, "installations", "list", "--token", iat.record().id());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains(ref).contains("morphic").contains(machine);
        Cli.Result show = Cli.run(env, "installations", "show", "--json", "--", machine);
        assertThat(show.exit()).as(show.err()).isZero();
        Map<String, Object> shown = parseJson(show);
        assertThat(shown).containsEntry("id", ref).containsEntry("status", "active");
        assertThat(shown.get("credentials").toString()).contains(c.id());
        Cli.Result revoke = Cli.run(env, "installations", "revoke", ref, "--reason", "decommissioned");
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        assertThat(s.http.postForm("/token", c.id(), c.secret(), grant()).status()).isEqualTo(401);
        Cli.Result revoked = Cli.run(env, "installations", "list", "--token", iat.record().id(), "--status", "revoked", "--json");
        assertThat(revoked.out()).contains(ref).contains("decommissioned");
        Cli.Result active = Cli.run(env, "installations", "list", "--token", iat.record().id(), "--status", "active", "--json");
        assertThat(active.exit()).as(active.err()).isZero();
        assertThat(active.out()).doesNotContain(ref);
        Cli.Result badStatus = Cli.run(env, "installations", "list", "--status", "stale");
        assertThat(badStatus.exit()).isEqualTo(2);
        assertThat(badStatus.err().strip()).isEqualTo("gatehouse: --status must be active or revoked");
        Cli.Result dry = Cli.run(env, "installations", "cleanup", "--dry-run", "--json");
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("\"dry_run\":true").contains("\"would_mark_stale\":0");
    }
    /** Issue 19 item 5: show names the owner and the tokens (not only acc_… and iat_… ids) and prints no "null". */
    @Test
    void cliShowPrintsNamesAndNoNulls() throws Exception {
        TestServer s = TestServer.shared(backend);
        String email = "owner-" + org.gatehouse.server.crypto.Secrets.randomId(6).toLowerCase().replaceAll("[^a-z0-9]", "x") + "@example.org";
        var account = new org.gatehouse.server.domain.AccountRecord("acc_" + org.gatehouse.server.crypto.Secrets.randomId(9), email,
                org.gatehouse.server.domain.AccountRole.ISSUER, org.gatehouse.server.domain.AccountStatus.ACTIVE, "unused", null, 0, System.currentTimeMillis(), "test", null, null);
        s.gatehouse().db.inTransaction(h -> {
            new org.gatehouse.server.store.AccountStore().insertAccount(h, account);
            return null;
        });
        var iat = s.iat(new IatService.Spec("Library PCs, 2nd floor", 2, Duration.ofDays(1), null, null, null, null, account.id()));
        String machine = Flow.installationId();
        Flow.register(s, iat.token(), "{\"installation_id\":\"" + machine + "\"}"); // no client_name, no software
        Map<String, String> env = new HashMap<>(s.backend.env());
        env.put("GATEHOUSE_ISSUER", s.issuer);

        Cli.Result text = Cli.run(env, "installations", "show", "--", machine);
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains(email).contains("\"Library PCs, 2nd floor\" (" + iat.record().id() + ")")
                .doesNotContain("null").doesNotContain(account.id());
        Cli.Result json = Cli.run(env, "installations", "show", "--json", "--", machine);
        assertThat(json.exit()).as(json.err()).isZero();
        assertThat(json.out()).doesNotContain("null");
        assertThat(parseJson(json)).containsEntry("owner_name", email).containsEntry("last_token_label", "Library PCs, 2nd floor");
    }

    /**
     * An installation id is base64url (RFC 4648 §5): about one in 64 starts with '-', and an operator pastes it as it
     * is. After "--" (POSIX: the end of the options) the CLI takes it as the id, however it looks ("-h…", "--json…");
     * without it the refusal says so.
     */
    @Test
    void cliTakesIdsThatLookLikeOptionsAfterTheEndOfOptions() throws Exception {
        TestServer s = TestServer.shared(backend);
        Map<String, String> env = new HashMap<>(s.backend.env());
        env.put("GATEHOUSE_ISSUER", s.issuer);
        for (String prefix : List.of("-", "-h", "-V", "--", "--json")) {
            String machine = prefix + Flow.installationId().substring(prefix.length());
            Flow.register(s, s.iatToken(1), "{\"installation_id\":\"" + machine + "\"}");
            Cli.Result text = Cli.run(env, "installations", "show", "--", machine);
            assertThat(text.exit()).as(machine + ": " + text.err()).isZero();
            assertThat(text.out()).as(machine).contains("inst_");
            Cli.Result json = Cli.run(env, "installations", "show", "--json", "--", machine);
            assertThat(json.exit()).as(machine + ": " + json.err()).isZero();
        }
        Cli.Result refused = Cli.run(env, "installations", "show", "-q" + Flow.installationId().substring(2));
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("goes after '--'");
    }
}
