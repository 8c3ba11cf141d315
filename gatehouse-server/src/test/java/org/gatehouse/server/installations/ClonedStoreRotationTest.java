package org.gatehouse.server.installations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 15 item 4 (Must 3, last sentence): a credential store copied to another place (B) rotates
 * its credentials (RFC 7592 §2.2); the original copy (A) is told "rotated elsewhere", not "revoked",
 * at /token and at /register/{id}, while the registration stays active for B. Only the latest
 * previous secret and token are remembered, nothing is told to a caller who never held them, and the
 * audit log records the first use of a previous credential once per rotation.
 */
@BothBackends
class ClonedStoreRotationTest {
    @Parameter
    String backend;

    private static final Map<String, String> GRANT = Map.of("grant_type", "client_credentials");

    private static String body(String installationId) {
        return "{\"installation_id\":\"" + installationId + "\",\"software_id\":\"org.example.clone\"}";
    }

    /** B rotates secret and registration access token with one RFC 7592 PUT; returns B's new credentials. */
    private static Flow.Client rotate(TestServer s, Flow.Client c) {
        Http.Response r = s.http.putJson("/register/" + c.id(), c.rat(),
                "{\"client_id\":\"" + c.id() + "\",\"rotate_client_secret\":true,\"software_id\":\"org.example.clone\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.str("client_secret")).isNotEqualTo(c.secret());
        return new Flow.Client(c.id(), r.str("client_secret"), r.str("registration_access_token"), r.json());
    }

    private static int audited(TestServer s, String clientId) {
        return s.gatehouse().db.withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM audit_events WHERE action = 'client.rotated_elsewhere' AND subject = :id")
                .bind("id", clientId).mapTo(Integer.class).one());
    }

    @Test
    void theOriginalOfACopiedStoreIsToldAnotherCopyRotatedNotThatItWasRevoked() {
        TestServer s = TestServer.shared(backend);
        Flow.Client a = Flow.register(s, s.iatToken(1), body(Flow.installationId()));
        Flow.token(s, a);
        Flow.Client b = rotate(s, a); // the copy rotates

        Http.Response token = s.http.postForm("/token", a.id(), a.secret(), GRANT);
        assertThat(token.status()).isEqualTo(401);
        assertThat(token.str("error")).isEqualTo("invalid_client");
        assertThat(token.str("credential_state")).isEqualTo("rotated_elsewhere");
        assertThat(token.str("error_description")).contains("another copy").contains("cloned").contains("unenrol")
                .contains("enrol again").doesNotContain("revoked");
        Http.Response read = s.http.get("/register/" + a.id(), a.rat());
        assertThat(read.status()).isEqualTo(401);
        assertThat(read.str("error")).isEqualTo("invalid_token");
        assertThat(read.str("credential_state")).isEqualTo("rotated_elsewhere");
        Http.Response put = s.http.putJson("/register/" + a.id(), a.rat(),
                "{\"client_id\":\"" + a.id() + "\",\"rotate_client_secret\":true}");
        assertThat(put.status()).isEqualTo(401);
        assertThat(put.str("credential_state")).isEqualTo("rotated_elsewhere");

        // the copy that rotated keeps working, and the registration is not revoked
        Flow.token(s, b);
        assertThat(s.http.get("/register/" + b.id(), b.rat()).status()).isEqualTo(200);
        // one audit event for the possible clone, however often the old copy retries
        assertThat(s.http.postForm("/token", a.id(), a.secret(), GRANT).str("credential_state")).isEqualTo("rotated_elsewhere");
        assertThat(audited(s, a.id())).isEqualTo(1);

        // a caller who never held these credentials learns nothing
        Flow.Client other = Flow.register(s, s.iatToken(1), body(Flow.installationId()));
        Http.Response wrong = s.http.postForm("/token", a.id(), other.secret(), GRANT);
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json()).doesNotContainKey("credential_state");
        assertThat(wrong.str("error_description")).isEqualTo("client authentication failed");
        assertThat(s.http.get("/register/" + a.id(), other.rat()).json()).doesNotContainKey("credential_state");
    }

    @Test
    void onlyTheLatestPreviousCredentialsAreRememberedAndARevocationIsToldFirst() {
        TestServer s = TestServer.shared(backend);
        String installation = Flow.installationId();
        Flow.Client a = Flow.register(s, s.iatToken(1), body(installation));
        Flow.Client b1 = rotate(s, a);
        Flow.Client b2 = rotate(s, b1);
        // two rotations ago: forgotten (the answer is the plain failure)
        Http.Response old = s.http.postForm("/token", a.id(), a.secret(), GRANT);
        assertThat(old.status()).isEqualTo(401);
        assertThat(old.json()).doesNotContainKey("credential_state");
        // one rotation ago: told
        assertThat(s.http.postForm("/token", b1.id(), b1.secret(), GRANT).str("credential_state")).isEqualTo("rotated_elsewhere");
        assertThat(audited(s, a.id())).isEqualTo(1);
        // a PUT that does not rotate the secret still rotates the registration access token: B1's
        // secret stays the previous one, B2's token becomes the previous one
        Http.Response keep = s.http.putJson("/register/" + b2.id(), b2.rat(),
                "{\"client_id\":\"" + b2.id() + "\",\"software_id\":\"org.example.clone\"}");
        assertThat(keep.status()).as(keep.body()).isEqualTo(200);
        assertThat(s.http.postForm("/token", b1.id(), b1.secret(), GRANT).str("credential_state")).isEqualTo("rotated_elsewhere");
        assertThat(s.http.get("/register/" + b2.id(), b2.rat()).str("credential_state")).isEqualTo("rotated_elsewhere");
        assertThat(audited(s, a.id())).isEqualTo(2); // once per rotation

        // once the installation is revoked, the previous credentials are told that, as the current ones are
        String ref = s.gatehouse().installations.find(installation).get(0).id();
        assertThat(s.gatehouse().installations.revoke(ref, "lost laptop", Actor.cli())).isTrue();
        Http.Response revoked = s.http.postForm("/token", b1.id(), b1.secret(), GRANT);
        assertThat(revoked.str("credential_state")).isEqualTo("installation_revoked");

        // RFC 7592 §2.3: a deleted registration forgets its previous credentials too
        Flow.Client c = Flow.register(s, s.iatToken(1), body(Flow.installationId()));
        Flow.Client c2 = rotate(s, c);
        assertThat(s.http.delete("/register/" + c2.id(), c2.rat()).status()).isEqualTo(204);
        Http.Response gone = s.http.postForm("/token", c.id(), c.secret(), GRANT);
        assertThat(gone.status()).isEqualTo(401);
        assertThat(gone.json()).doesNotContainKey("credential_state");
    }

    @Test
    void aSecretWithdrawnByAMoveToKeysIsTheOneToldRotatedElsewhere() {
        TestServer s = TestServer.shared(backend);
        Flow.Client a = Flow.register(s, s.iatToken(1), body(Flow.installationId()));
        Flow.Client b = rotate(s, a); // a's secret is the previous one
        org.gatehouse.server.testing.KeyBound k = org.gatehouse.server.testing.KeyBound.es256();
        Http.Response put = s.http.putJson("/register/" + b.id(), b.rat(), "{\"client_id\":\"" + b.id()
                + "\",\"software_id\":\"org.example.clone\",\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":" + k.jwks() + "}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        // The move withdrew b's secret: that one is now the previous, as after any rotation ...
        Http.Response withdrawn = s.http.postForm("/token", b.id(), b.secret(), GRANT);
        assertThat(withdrawn.status()).isEqualTo(401);
        assertThat(withdrawn.str("credential_state")).isEqualTo("rotated_elsewhere");
        // ... and a's, two changes ago, is forgotten.
        Http.Response older = s.http.postForm("/token", a.id(), a.secret(), GRANT);
        assertThat(older.status()).isEqualTo(401);
        assertThat(older.json()).doesNotContainKey("credential_state");
    }
}
