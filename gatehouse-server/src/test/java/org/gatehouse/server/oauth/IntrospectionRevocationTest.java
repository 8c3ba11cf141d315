package org.gatehouse.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** RFC 7662 introspection and RFC 7009 revocation of our JWT access tokens. */
@BothBackends
class IntrospectionRevocationTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    @Test
    void aClientSeesItsOwnTokensOnly() {
        Flow.Client a = Flow.register(s());
        Flow.Client b = Flow.register(s());
        String token = Flow.token(s(), a);
        Http.Response own = Flow.introspect(s(), a, token);
        assertThat(own.header("Cache-Control")).isEqualTo("no-store");
        assertThat(own.json()).containsEntry("active", true).containsEntry("client_id", a.id()).containsEntry("sub", a.id())
                .containsEntry("token_type", "Bearer").containsEntry("iss", s().issuer).containsKeys("exp", "iat", "jti", "scope", "installation_id");
        assertThat(Flow.introspect(s(), b, token).json()).isEqualTo(Map.of("active", false));
        Flow.Client rs = Flow.resourceServer(s());
        assertThat(Flow.active(s(), rs, token)).isTrue();
    }

    @Test
    void garbageAndForeignTokensAreInactive() {
        Flow.Client a = Flow.register(s());
        assertThat(Flow.active(s(), a, "garbage")).isFalse();
        assertThat(Flow.active(s(), a, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")).isFalse();
        String token = Flow.token(s(), a);
        String[] parts = token.split("\\.");
        String tampered = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2) + "AA." + parts[2];
        assertThat(Flow.active(s(), a, tampered)).isFalse();
    }

    @Test
    void introspectionAndRevocationNeedAuthentication() {
        Flow.Client a = Flow.register(s());
        String token = Flow.token(s(), a);
        for (String path : new String[] {"/introspect", "/revoke"}) {
            Http.Response r = s().http.postForm(path, null, null, Map.of("token", token));
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.str("error")).isEqualTo("invalid_client");
            Http.Response noToken = s().http.postForm(path, a.id(), a.secret(), Map.of());
            assertThat(noToken.status()).isEqualTo(400);
            assertThat(noToken.str("error")).isEqualTo("invalid_request");
        }
    }

    @Test
    void revokingOwnTokenMakesItInactiveEverywhere() {
        Flow.Client a = Flow.register(s());
        String token = Flow.token(s(), a);
        String other = Flow.token(s(), a);
        Http.Response r = s().http.postForm("/revoke", a.id(), a.secret(), Map.of("token", token, "token_type_hint", "access_token"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(Flow.active(s(), a, token)).isFalse();
        assertThat(Flow.active(s(), Flow.resourceServer(s()), token)).isFalse();
        assertThat(Flow.active(s(), a, other)).isTrue();
        // Revoking again, or revoking garbage, is still 200 (RFC 7009 §2.2).
        assertThat(s().http.postForm("/revoke", a.id(), a.secret(), Map.of("token", token)).status()).isEqualTo(200);
        assertThat(s().http.postForm("/revoke", a.id(), a.secret(), Map.of("token", "garbage")).status()).isEqualTo(200);
    }

    @Test
    void aClientCannotRevokeAnotherClientsToken() {
        Flow.Client a = Flow.register(s());
        Flow.Client b = Flow.register(s());
        String token = Flow.token(s(), a);
        Http.Response r = s().http.postForm("/revoke", b.id(), b.secret(), Map.of("token", token));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.str("error")).isEqualTo("unauthorized_client");
        assertThat(Flow.active(s(), a, token)).isTrue();
        Flow.Client rs = Flow.resourceServer(s());
        assertThat(s().http.postForm("/revoke", rs.id(), rs.secret(), Map.of("token", token)).status()).isEqualTo(200);
        assertThat(Flow.active(s(), a, token)).isFalse();
    }

    @Test
    void tokensOfARevokedClientAreInactive() {
        // The client is revoked straight in the database, as another node or the CLI would do it. With the
        // client cache off every node sees that at once; with it on, within GATEHOUSE_CLIENT_CACHE_TTL (ClientCacheTest).
        try (TestServer s = TestServer.start(backend, Map.of("GATEHOUSE_CLIENT_CACHE_TTL", "0"))) {
            Flow.Client a = Flow.register(s);
            String token = Flow.token(s, a);
            Flow.Client rs = Flow.resourceServer(s);
            s.gatehouse().db.withHandle(h -> new org.gatehouse.server.store.ClientStore().revoke(h, a.id(), System.currentTimeMillis(), "test", "test"));
            assertThat(Flow.active(s, rs, token)).isFalse();
            assertThat(s.http.postForm("/token", a.id(), a.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
            // A revoked resource server is refused too.
            s.gatehouse().resourceServers.revoke(rs.id(), "test", Actor.cli());
            assertThat(s.http.postForm("/introspect", rs.id(), rs.secret(), Map.of("token", token)).status()).isEqualTo(401);
        }
    }

    @Test
    void aClientChangedThroughThisServerIsRefusedAtOnceDespiteTheCache() {
        Flow.Client a = Flow.register(s());
        assertThat(s().http.postForm("/token", a.id(), a.secret(), Map.of("grant_type", "client_credentials")).status()).isEqualTo(200);
        Flow.Client rs = Flow.resourceServer(s());
        String token = Flow.token(s(), a);
        assertThat(Flow.active(s(), rs, token)).isTrue();
        s().gatehouse().resourceServers.revoke(rs.id(), "test", Actor.cli());
        assertThat(s().http.postForm("/introspect", rs.id(), rs.secret(), Map.of("token", token)).status()).isEqualTo(401);
    }
}
