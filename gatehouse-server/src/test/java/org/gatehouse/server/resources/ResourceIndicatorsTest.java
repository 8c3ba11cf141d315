package org.gatehouse.server.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** RFC 8707 resource indicators through resource servers (issue 19 item 1). */
@BothBackends
class ResourceIndicatorsTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    /** A fresh audience URI, so that tests sharing a server do not collide (audiences are unique). */
    private static String uri(String name) {
        return "https://" + name + ".example.org/api/" + Secrets.randomId(8);
    }

    private Flow.Client resourceServer(String audience, String scope) {
        var c = s().gatehouse().resourceServers.create("API " + audience, "client_secret_basic", audience, scope, Actor.cli());
        return new Flow.Client(c.client().clientId(), c.secret(), null, Map.of());
    }

    private Http.Response token(Flow.Client c, String... params) {
        StringBuilder body = new StringBuilder("grant_type=client_credentials");
        for (int i = 0; i < params.length; i += 2) body.append('&').append(params[i]).append('=').append(java.net.URLEncoder.encode(params[i + 1], java.nio.charset.StandardCharsets.UTF_8));
        return s().http.postRaw("/token", "application/x-www-form-urlencoded", body.toString(), Map.of("Authorization", Http.basic(c.id(), c.secret())));
    }

    private static Object aud(Http.Response r) throws Exception {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> aud = SignedJWT.parse(r.str("access_token")).getJWTClaimsSet().getAudience();
        return aud.size() == 1 ? aud.get(0) : aud;
    }

    @Test
    void theResourceBecomesTheAudienceAndNarrowsTheScope() throws Exception {
        String a = uri("prefs-read"), b = uri("prefs-write"), any = uri("any-scope");
        resourceServer(a, "prefs:read");
        resourceServer(b, "prefs:write");
        resourceServer(any, null);
        Flow.Client c = Flow.register(s(), s().iat(1, "prefs:read prefs:write").token(), "{}");

        Http.Response none = token(c);
        assertThat(aud(none)).isEqualTo(s().issuer); // GATEHOUSE_AUDIENCE, as before
        assertThat(none.str("scope")).isEqualTo("prefs:read prefs:write");

        Http.Response forA = token(c, "resource", a);
        assertThat(aud(forA)).isEqualTo(a);
        assertThat(forA.str("scope")).isEqualTo("prefs:read");

        Http.Response forBoth = token(c, "resource", a, "resource", b);
        assertThat(aud(forBoth)).isEqualTo(List.of(a, b));
        assertThat(forBoth.str("scope")).isEqualTo("prefs:read prefs:write");

        Http.Response forAny = token(c, "resource", any, "scope", "prefs:write");
        assertThat(aud(forAny)).isEqualTo(any);
        assertThat(forAny.str("scope")).isEqualTo("prefs:write");

        Http.Response notServed = token(c, "resource", a, "scope", "prefs:write");
        assertThat(notServed.status()).isEqualTo(400);
        assertThat(notServed.str("error")).isEqualTo("invalid_scope");
    }

    @Test
    void unknownMalformedOrDisallowedResourcesGetInvalidTarget() {
        String readOnly = uri("read-only");
        resourceServer(readOnly, "prefs:read");
        Flow.Client writer = Flow.register(s(), s().iat(1, "prefs:write").token(), "{}");
        for (String bad : new String[] {uri("unknown"), "not a uri", "api/relative", "https://api.example.org/#fragment", "%zz",
                "https://" + "x".repeat(2100) + ".example.org/", readOnly}) {
            Http.Response r = token(writer, "resource", bad);
            assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
            assertThat(r.str("error")).as(bad).isEqualTo("invalid_target");
            assertThat(r.body()).doesNotContain("Exception");
        }
        String[] eleven = new String[22];
        for (int i = 0; i < 22; i += 2) {
            eleven[i] = "resource";
            eleven[i + 1] = readOnly;
        }
        assertThat(token(writer, eleven).str("error")).isEqualTo("invalid_target");
    }

    @Test
    void aTokenMayLimitTheResourcesItsInstallationsAskFor() throws Exception {
        String allowed = uri("allowed"), other = uri("other");
        resourceServer(allowed, null);
        resourceServer(other, null);
        var iat = s().gatehouse().iats.create(IatService.Spec.of("limited", 1, Duration.ofDays(1), null), Actor.cli(),
                s().gatehouse().resourceServers.limitTokenTo(List.of(allowed)));
        Flow.Client c = Flow.register(s(), iat.token(), "{}");
        assertThat(aud(token(c, "resource", allowed))).isEqualTo(allowed);
        Http.Response refused = token(c, "resource", other);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.str("error")).isEqualTo("invalid_target");
        assertThat(refused.str("error_description")).contains("initial access token");
    }

    @Test
    void aResourceServerSeesTheTokensMeantForItAndOnlyThose() {
        String a = uri("introspect-a"), b = uri("introspect-b");
        Flow.Client rsA = resourceServer(a, null);
        resourceServer(b, null);
        Flow.Client legacy = Flow.resourceServer(s()); // no audience: sees every token, as before
        Flow.Client c = Flow.register(s());
        String forA = token(c, "resource", a).str("access_token");
        String forB = token(c, "resource", b).str("access_token");

        Http.Response mine = Flow.introspect(s(), rsA, forA);
        assertThat(mine.json()).containsEntry("active", true).containsEntry("aud", a);
        assertThat(Flow.active(s(), rsA, forB)).isFalse();
        assertThat(Flow.active(s(), rsA, Flow.token(s(), c))).isFalse(); // default audience: not meant for A either
        assertThat(Flow.active(s(), legacy, forB)).isTrue();
        assertThat(Flow.introspect(s(), c, forB).json()).containsEntry("aud", b); // the client sees its own

        Http.Response revokeOthers = s().http.postForm("/revoke", rsA.id(), rsA.secret(), Map.of("token", forB));
        assertThat(revokeOthers.status()).isEqualTo(400);
        assertThat(revokeOthers.str("error")).isEqualTo("unauthorized_client");
        assertThat(s().http.postForm("/revoke", rsA.id(), rsA.secret(), Map.of("token", forA)).status()).isEqualTo(200);
        assertThat(Flow.active(s(), legacy, forA)).isFalse();
    }

    @Test
    void theCommandLineCreatesResourceServersThatARunningServerHonours() throws Exception {
        String audience = uri("cli");
        Map<String, String> env = new HashMap<>(s().backend.env());
        env.put("GATEHOUSE_ISSUER", s().issuer);
        Cli.Result created = Cli.run(env, "resource-server", "create", "--name", "Prefs API", "--audience", audience, "--scope", "prefs:read");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("client_id=rs_").contains("client_secret=ghs_");
        Cli.Result dup = Cli.run(env, "resource-server", "create", "--name", "Again", "--audience", audience);
        assertThat(dup.exit()).isEqualTo(2);
        assertThat(dup.err()).contains("exists already");
        Cli.Result list = Cli.run(env, "resource-server", "list");
        assertThat(list.out()).contains(audience).contains("Prefs API");

        Flow.Client c = Flow.register(s());
        // Another process made it: the server sees it once its catalog copy expires (GATEHOUSE_CLIENT_CACHE_TTL, 2 s).
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Http.Response r = token(c, "resource", audience);
        while (r.status() != 200 && System.nanoTime() < deadline) {
            assertThat(r.str("error")).isEqualTo("invalid_target");
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // a polling interval, not a guess at timing
            r = token(c, "resource", audience);
        }
        assertThat(aud(r)).isEqualTo(audience);
        assertThat(r.str("scope")).isEqualTo("prefs:read");
    }

    @Test
    void theMetadataAnnouncesResourceIndicatorsAndTheDefaultAudience() {
        Map<String, Object> m = s().http.get("/.well-known/oauth-authorization-server").json();
        assertThat(m).containsEntry("resource_indicators_supported", true).containsEntry("default_audience", s().issuer);
    }
}
