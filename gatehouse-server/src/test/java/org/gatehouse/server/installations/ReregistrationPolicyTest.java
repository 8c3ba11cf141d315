package org.gatehouse.server.installations;

import org.gatehouse.server.domain.Reregistration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 12 item 12: which token's re-registration policy governs when another token of the same
 * owner registers an installation id that already has credentials. Credentials admitted under
 * "reject" are protected from every token; otherwise the presenting token's policy applies.
 */
@BothBackends
class ReregistrationPolicyTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private String token(Reregistration policy) {
        return s().iat(new IatService.Spec(policy.code(), 5, Duration.ofDays(1), null, null, null, policy.code(), null)).token();
    }

    @Test
    void anotherTokenWithReplaceCannotKnockOutCredentialsAdmittedUnderReject() {
        String body = "{\"installation_id\":\"" + Flow.installationId() + "\"}";
        Flow.Client victim = Flow.register(s(), token(Reregistration.REJECT), body);
        Http.Response r = s().http.postJson("/register", token(Reregistration.REPLACE), body);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.str("error")).isEqualTo("invalid_client_metadata");
        Http.Response allow = s().http.postJson("/register", token(Reregistration.ALLOW), body);
        assertThat(allow.status()).as(allow.body()).isEqualTo(400);
        // The victim's credentials still work.
        Flow.token(s(), victim);
        // Once it deletes its registration (RFC 7592), the installation may register again with any token.
        assertThat(s().http.delete("/register/" + victim.id(), victim.rat()).status()).isEqualTo(204);
        Flow.register(s(), token(Reregistration.REPLACE), body);
    }

    @Test
    void otherwiseThePresentingTokensPolicyApplies() {
        String body = "{\"installation_id\":\"" + Flow.installationId() + "\"}";
        Flow.Client first = Flow.register(s(), token(Reregistration.REPLACE), body);
        // A token with reject refuses to add a second set of credentials.
        assertThat(s().http.postJson("/register", token(Reregistration.REJECT), body).status()).isEqualTo(400);
        // A token with replace replaces the first credentials.
        Flow.Client second = Flow.register(s(), token(Reregistration.REPLACE), body);
        Http.Response old = s().http.postForm("/token", first.id(), first.secret(), Map.of("grant_type", "client_credentials"));
        assertThat(old.status()).isEqualTo(401);
        Flow.token(s(), second);
    }
}
