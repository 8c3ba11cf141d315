package org.gatehouse.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** HTTP and RFC 6750 details that generic clients and proxies rely on (issue 19 item 3). */
@BothBackends
class ConformanceTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    /** RFC 9110 §15.5.6: a 405 response MUST carry Allow with the methods the target supports. */
    @Test
    void everyMethodNotAllowedNamesTheAllowedMethods() {
        String[][] cases = {
                {"GET", "/token", "POST"}, {"PUT", "/token", "POST"},
                {"GET", "/introspect", "POST"}, {"GET", "/revoke", "POST"},
                {"POST", "/jwks", "GET"}, {"POST", "/.well-known/oauth-authorization-server", "GET"},
                {"GET", "/register", "POST"}, {"POST", "/register/some-client", "DELETE, GET, PUT"}};
        for (String[] c : cases) {
            Http.Response r = s().http.exchange(c[0], c[1], "application/x-www-form-urlencoded", "", Map.of());
            assertThat(r.status()).as(c[0] + " " + c[1]).isEqualTo(405);
            assertThat(r.header("Allow")).as(c[0] + " " + c[1]).isNotNull();
            String[] allowed = r.header("Allow").split(",\\s*");
            Arrays.sort(allowed);
            assertThat(String.join(", ", allowed)).as(c[0] + " " + c[1]).isEqualTo(c[2]);
            assertThat(r.str("error")).isEqualTo("invalid_request");
        }
    }

    /** RFC 6750 §3.1: no credentials, or an unsupported scheme, get a challenge without any error code. */
    @Test
    void missingCredentialsOrAnotherSchemeGetABareBearerChallenge() {
        Map<String, Map<String, String>> requests = Map.of(
                "no Authorization", Map.of(),
                "Basic scheme", Map.of("Authorization", Http.basic("a", "b")),
                "Digest scheme", Map.of("Authorization", "Digest username=\"a\""));
        for (var e : requests.entrySet()) {
            for (String[] target : new String[][] {{"POST", "/register"}, {"GET", "/register/some-client"}, {"GET", "/api/v1/tokens"}}) {
                Http.Response r = s().http.exchange(target[0], target[1], "application/json", target[0].equals("GET") ? null : "{}", e.getValue());
                String what = e.getKey() + " on " + target[0] + " " + target[1];
                assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(401);
                assertThat(r.header("WWW-Authenticate")).as(what).isEqualTo("Bearer realm=\"gatehouse\"");
                assertThat(r.json()).as(what).doesNotContainKey("error").containsKey("error_description");
            }
        }
        // A Bearer token that is not valid still gets invalid_token (RFC 6750 §3.1).
        Http.Response bad = s().http.postJson("/register", "ghi_" + "A".repeat(43), "{}");
        assertThat(bad.str("error")).isEqualTo("invalid_token");
        assertThat(bad.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    }

    /** docs/protocol.md promises Cache-Control: no-store and Pragma: no-cache on every token-state response. */
    @Test
    void tokenStateResponsesAreNeverCached() {
        Flow.Client c = Flow.register(s());
        String token = Flow.token(s(), c);
        Http.Response introspect = Flow.introspect(s(), c, token);
        Http.Response revoke = s().http.postForm("/revoke", c.id(), c.secret(), Map.of("token", token));
        for (Http.Response r : new Http.Response[] {introspect, revoke}) {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Cache-Control")).isEqualTo("no-store");
            assertThat(r.header("Pragma")).isEqualTo("no-cache");
        }
    }
}
