package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** The portal's token form offers the resource limit (issue 19); the service validates it, the form shows the error on the field. */
@BothBackends
class TokenResourcesPortalTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    @Test
    void theTokenFormLimitsResourcesAndShowsAnUnknownOneOnTheField() {
        String prefs = "https://prefs.example.org/api/" + Secrets.randomId(8), reports = "https://reports.example.org/api/" + Secrets.randomId(8);
        s().gatehouse().resourceServers.create("Prefs API", "client_secret_basic", prefs, null, Actor.cli());
        s().gatehouse().resourceServers.create("Reports API", "client_secret_basic", reports, null, Actor.cli());
        PortalClient c = new PortalClient(s().issuer);
        PortalTest.admin(s(), c);

        PortalClient.Page form = c.get("/tokens/new");
        assertThat(form.body()).contains("name=\"resources\"");
        String unknown = "https://unknown.example.org/api/" + Secrets.randomId(8);
        PortalClient.Page refused = c.post("/tokens", "label", "Prefs only", "days", "30", "max", "2", "scope", "prefs:read",
                "reregistration", "replace", "resources", unknown);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body()).contains("No resource server has the audience " + unknown + ".").contains("href=\"#f-resources\"")
                .contains("value=\"" + unknown + "\"");

        c.get("/tokens/new");
        PortalClient.Page created = c.postFollow("/tokens", "label", "Prefs only", "days", "30", "max", "2", "scope", "prefs:read",
                "reregistration", "replace", "resources", prefs);
        String token = created.find("id=\"token-value\">(ghi_[^<]+)<");
        Flow.Client client = Flow.register(s(), token, "{}");
        assertThat(s().http.postForm("/token", client.id(), client.secret(), Map.of("grant_type", "client_credentials", "resource", prefs))
                .status()).isEqualTo(200);
        Http.Response other = s().http.postForm("/token", client.id(), client.secret(),
                Map.of("grant_type", "client_credentials", "resource", reports));
        assertThat(other.str("error")).isEqualTo("invalid_target");
    }
}
