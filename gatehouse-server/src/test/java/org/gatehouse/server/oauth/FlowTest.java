package org.gatehouse.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

@BothBackends
class FlowTest {
    @Parameter
    String backend;

    @Test
    void registersGetsTokenIntrospects() {
        TestServer s = TestServer.shared(backend);
        Http.Response reg = s.http.postJson("/register", s.iatToken(1), "{\"client_name\":\"t\"}");
        assertThat(reg.status()).isEqualTo(201);
        String id = reg.str("client_id");
        String secret = reg.str("client_secret");
        Http.Response tok = s.http.postForm("/token", id, secret, Map.of("grant_type", "client_credentials"));
        assertThat(tok.status()).isEqualTo(200);
        Http.Response intro = s.http.postForm("/introspect", id, secret, Map.of("token", tok.str("access_token")));
        assertThat(intro.json()).containsEntry("active", true);
    }
}
