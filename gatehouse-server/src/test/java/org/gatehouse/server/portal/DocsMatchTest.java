package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 Must 7: what docs/portal.md and docs/api.md say about the token file and the API's 401s, read from the
 * documents themselves and checked against the running server (an edit of either side fails here).
 */
class DocsMatchTest {
    private static TestServer s() {
        return TestServer.shared(Backend.H2);
    }

    private static String doc(String name) throws IOException {
        return Files.readString(Path.of("..", "docs", name));
    }

    @Test
    void theTokenFileDownloadsUnderTheDocumentedNameAsOftenAsThePortalSays() throws IOException {
        String portal = doc("portal.md");
        String disposition = "`Content-Disposition: attachment; filename=\"gatehouse-token-<token id>.json\"`";
        assertThat(portal).contains(disposition).contains("`Cache-Control: no-store`")
                .contains("so it downloads as\noften as you press it while the page is open; a reload of the page no longer shows the token nor\nthe button")
                .doesNotContain("token.json\"").doesNotContain("downloaded once");
        PortalClient c = new PortalClient(s().issuer);
        PortalTest.admin(s(), c);
        String[] t = PortalTest.createToken(c, "docs check", 2);
        for (int i = 0; i < 3; i++) {
            PortalClient.Page file = c.post("/tokens/" + t[0] + "/file", "token", t[1]);
            assertThat(file.status()).as("download " + (i + 1)).isEqualTo(200);
            assertThat("`Content-Disposition: " + file.header("Content-Disposition") + "`")
                    .isEqualTo(disposition.replace("<token id>", t[0]));
            assertThat(file.header("Cache-Control")).isEqualTo("no-store");
        }
        assertThat(c.get("/tokens/" + t[0]).body()).doesNotContain(t[1]).doesNotContain("/file\"");
    }

    @Test
    void theApisErrorTableSaysWhatA401Carries() throws IOException {
        String api = doc("api.md");
        assertThat(api).contains("| 401 | none (RFC 6750 §3.1) | no token, or credentials other than a bearer token: "
                        + "`WWW-Authenticate: Bearer realm=\"gatehouse\"` and a body with only `error_description`")
                .contains("| 401 | `invalid_token` (RFC 6750) | an unknown, expired or revoked token, or a disabled account; "
                        + "`WWW-Authenticate: Bearer realm=\"gatehouse\", error=\"invalid_token\"");
        Http.Response none = s().http.get("/api/v1/tokens");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"gatehouse\"");
        assertThat(none.json()).containsOnlyKeys("error_description");
        Http.Response basic = s().http.getWithHeaders("/api/v1/tokens", java.util.Map.of("Authorization", Http.basic("a", "b")));
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.json()).containsOnlyKeys("error_description");
        Http.Response bad = s().http.get("/api/v1/tokens", "gha_" + Secrets.randomId(32));
        assertThat(bad.status()).isEqualTo(401);
        assertThat(bad.header("WWW-Authenticate")).startsWith("Bearer realm=\"gatehouse\", error=\"invalid_token\"");
        assertThat(bad.json()).containsEntry("error", "invalid_token").containsKey("error_description");
    }
}
