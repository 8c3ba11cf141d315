package org.gatehouse.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

/** Steps of the installation flow, for tests that need a registered client to get going. */
public final class Flow {
    private Flow() {
    }

    public record Client(String id, String secret, String rat, Map<String, Object> info) {
    }

    public static Client register(TestServer s, String iat, String metadataJson) {
        Http.Response r = s.http.postJson("/register", iat, metadataJson);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return new Client(r.str("client_id"), r.str("client_secret"), r.str("registration_access_token"), r.json());
    }

    public static Client register(TestServer s) {
        return register(s, s.iatToken(1), "{\"client_name\":\"Test app\",\"installation_id\":\"" + installationId() + "\"}");
    }

    public static Client registerPost(TestServer s) {
        return register(s, s.iatToken(1), "{\"token_endpoint_auth_method\":\"client_secret_post\"}");
    }

    public static String token(TestServer s, Client c) {
        Http.Response r = s.http.postForm("/token", c.id(), c.secret(), Map.of("grant_type", "client_credentials"));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.str("access_token");
    }

    public static Http.Response introspect(TestServer s, Client caller, String token) {
        return s.http.postForm("/introspect", caller.id(), caller.secret(), Map.of("token", token));
    }

    public static boolean active(TestServer s, Client caller, String token) {
        Http.Response r = introspect(s, caller, token);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return Boolean.TRUE.equals(r.json().get("active"));
    }

    /** Resource-server credentials (they may introspect and revoke any token). */
    public static Client resourceServer(TestServer s) {
        var created = s.gatehouse().resourceServers.create("resource server", "client_secret_basic",
                org.gatehouse.server.audit.Actor.cli());
        return new Client(created.client().clientId(), created.secret(), null, Map.of());
    }

    /** A fresh installation id in the shape the client library derives (43 base64url characters). */
    public static String installationId() {
        return org.gatehouse.server.crypto.Secrets.randomId(32);
    }
}
