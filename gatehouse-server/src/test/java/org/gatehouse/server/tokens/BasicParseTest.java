package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The token path's fast HTTP Basic parse gives Nimbus's client id and secret, and leaves anything needing decoding to Nimbus. */
class BasicParseTest {
    private static String basic(String s) {
        return "Basic " + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void agreesWithNimbusOnTheHeadersItTakes() throws Exception {
        for (String creds : List.of("c_abc:secret", "id:sec:ret", "a-b.c~d:x_y", "id:" + "s".repeat(64))) {
            String h = basic(creds);
            String[] fast = ClientAuthenticator.plainBasic(h);
            assertThat(fast).as(creds).isNotNull();
            ClientSecretBasic n = ClientSecretBasic.parse(h);
            assertThat(fast).as(creds).containsExactly(n.getClientID().getValue(), n.getClientSecret().getValue());
        }
        assertThat(ClientAuthenticator.plainBasic("basic " + Base64.getEncoder().encodeToString("a:b".getBytes(StandardCharsets.US_ASCII))))
                .containsExactly("a", "b");
    }

    @Test
    void leavesEncodedOrOddCredentialsToNimbus() {
        for (String creds : List.of("a%3Ab:c", "a+b:c", "ab", ":c", "a:", "a b:c", "\u00e9:c")) {
            assertThat(ClientAuthenticator.plainBasic(basic(creds))).as(creds).isNull();
        }
        assertThat(ClientAuthenticator.plainBasic("Basic !!!")).isNull();
        assertThat(ClientAuthenticator.plainBasic("Basic")).isNull();
        assertThat(ClientAuthenticator.plainBasic("Basic  " + Base64.getEncoder().encodeToString("a:b".getBytes(StandardCharsets.US_ASCII)))).isNull();
    }
}
