package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.Base64URL;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 12 item 12: an ES256 signature (r, s) has a twin (r, n − s) that verifies too, so one access
 * token has two spellings. Both carry the same jti, and everything Gatehouse decides about a token
 * (revocation, introspection's answer) is keyed by the jti: the twin is the same token, never a
 * second one. This test pins that down over HTTP.
 */
@BothBackends
class Es256TwinTest {
    /** The order of the P-256 group (FIPS 186-4 D.1.2.3). */
    private static final BigInteger N = new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    @Parameter
    String backend;

    @Test
    void theHighSTwinOfATokenIsTheSameTokenForIntrospectionAndRevocation() {
        TestServer s = TestServer.shared(backend);
        Flow.Client c = Flow.register(s);
        Flow.Client rs = Flow.resourceServer(s);
        String token = Flow.token(s, c);
        String twin = twin(token);
        assertThat(twin).isNotEqualTo(token);
        Http.Response original = Flow.introspect(s, rs, token);
        Http.Response ofTwin = Flow.introspect(s, rs, twin);
        assertThat(original.json()).containsEntry("active", true);
        // The twin verifies (docs/security.md says so; if a library starts refusing high S, update it there),
        // and it is the same token: the same jti.
        assertThat(ofTwin.json()).containsEntry("active", true);
        assertThat(ofTwin.str("jti")).isEqualTo(original.str("jti"));
        // Revoking the twin revokes the token, and the other way round.
        assertThat(s.http.postForm("/revoke", c.id(), c.secret(), Map.of("token", twin)).status()).isEqualTo(200);
        assertThat(Flow.active(s, rs, token)).isFalse();
        assertThat(Flow.active(s, rs, twin)).isFalse();
        String second = Flow.token(s, c);
        assertThat(s.http.postForm("/revoke", c.id(), c.secret(), Map.of("token", second)).status()).isEqualTo(200);
        assertThat(Flow.active(s, rs, twin(second))).isFalse();
    }

    /** The same JWS with s replaced by n − s. */
    static String twin(String jws) {
        int dot = jws.lastIndexOf('.');
        byte[] sig = new Base64URL(jws.substring(dot + 1)).decode();
        assertThat(sig).hasSize(64);
        BigInteger sValue = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
        byte[] high = N.subtract(sValue).toByteArray();
        byte[] out = Arrays.copyOf(sig, 64);
        Arrays.fill(out, 32, 64, (byte) 0);
        int len = Math.min(32, high.length);
        System.arraycopy(high, high.length - len, out, 64 - len, len);
        return jws.substring(0, dot + 1) + Base64URL.encode(out);
    }
}
