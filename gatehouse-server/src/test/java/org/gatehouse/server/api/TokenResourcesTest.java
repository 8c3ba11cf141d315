package org.gatehouse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.domain.AccountRole;
import org.gatehouse.server.domain.AccountStatus;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * An initial access token's resource limit (RFC 8707, issue 19) through the admin API: `resources` on
 * POST /api/v1/tokens, validated once by the service (an unknown or malformed resource is a clear
 * error naming the field), then enforced at /token.
 */
@BothBackends
class TokenResourcesTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private String issuerToken() {
        AccountRecord a = new AccountRecord("acc_" + Secrets.randomId(9), "res-" + Secrets.randomId(6).toLowerCase().replaceAll("[^a-z0-9]", "x")
                + "@example.org", AccountRole.ISSUER, AccountStatus.ACTIVE, "unused", null, 0, System.currentTimeMillis(), "test", null, null);
        s().gatehouse().db.inTransaction(h -> {
            new AccountStore().insertAccount(h, a);
            return null;
        });
        return s().gatehouse().apiTokens.create(a, "res", List.of("tokens:write"), Duration.ofDays(1), Actor.cli()).token();
    }

    private Http.Response create(String bearer, String resourcesJson) {
        Http.Response r = s().http.postJson("/api/v1/tokens", bearer, "{\"label\":\"Prefs only\",\"max_registrations\":2,\"expires_in\":3600"
                + ",\"scope\":\"prefs:read\",\"resources\":" + resourcesJson + "}");
        OpenApi spec = new OpenApi(s().http.get("/api/v1/openapi.json").body());
        assertThat(spec.validate("POST", "/api/v1/tokens", r.status(), r.body())).as(r.body()).isEmpty();
        return r;
    }

    private Http.Response token(Flow.Client c, String resource) {
        return s().http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials", "resource", resource));
    }

    @Test
    void aTokenCreatedWithResourcesLimitsWhatItsInstallationsMayAskFor() {
        String prefs = "https://prefs.example.org/api/" + Secrets.randomId(8), reports = "https://reports.example.org/api/" + Secrets.randomId(8);
        s().gatehouse().resourceServers.create("Prefs API", "client_secret_basic", prefs, null, Actor.cli());
        s().gatehouse().resourceServers.create("Reports API", "client_secret_basic", reports, null, Actor.cli());
        String api = issuerToken();

        Http.Response created = create(api, "[\"" + prefs + "\"]");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        Flow.Client c = Flow.register(s(), created.str("token"), "{}");
        assertThat(token(c, prefs).status()).isEqualTo(200);
        Http.Response other = token(c, reports);
        assertThat(other.status()).isEqualTo(400);
        assertThat(other.str("error")).isEqualTo("invalid_target");
        assertThat(other.str("error_description")).contains("initial access token");

        Http.Response any = create(api, "[]"); // empty: no limit, as without the member
        assertThat(any.status()).as(any.body()).isEqualTo(201);
        assertThat(token(Flow.register(s(), any.str("token"), "{}"), reports).status()).isEqualTo(200);
    }

    @Test
    void unknownOrMalformedResourcesAreAClearFieldError() {
        String api = issuerToken();
        String unknown = "https://unknown.example.org/api/" + Secrets.randomId(8);
        Http.Response r = create(api, "[\"" + unknown + "\"]");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.str("error")).isEqualTo("invalid_request");
        assertThat(r.str("error_description")).isEqualTo("No resource server has the audience " + unknown + ".");
        assertThat(r.json().get("fields")).isEqualTo(Map.of("resources", "No resource server has the audience " + unknown + "."));

        Http.Response malformed = create(api, "[\"not a uri\"]");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(String.valueOf(((Map<?, ?>) malformed.json().get("fields")).keySet())).isEqualTo("[resources]");

        Http.Response notAList = create(api, "\"" + unknown + "\"");
        assertThat(notAList.status()).isEqualTo(400);
        assertThat(notAList.str("error_description")).startsWith("resources must be an array");
        assertThat(String.valueOf(((Map<?, ?>) notAList.json().get("fields")).keySet())).isEqualTo("[resources]");
    }
}
