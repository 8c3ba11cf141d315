package org.gatehouse.server.oauth;

import io.javalin.http.Context;
import java.util.Map;
import org.gatehouse.server.registration.RegistrationService;
import org.gatehouse.server.domain.ClientRecord;

/** RFC 7592 §2: GET, PUT and DELETE on /register/{client_id}, with the registration access token. */
public final class RegistrationManagementEndpoint {
    private final RegistrationService registrations;
    private final String issuer;

    public RegistrationManagementEndpoint(RegistrationService registrations, String issuer) {
        this.registrations = registrations;
        this.issuer = issuer;
    }

    /** §2.1: read. The registration access token is echoed (it is stored only as a hash); no secret is returned. */
    public void read(Context ctx) {
        String rat = Requests.bearer(ctx);
        ClientRecord c = registrations.read(ctx.pathParam("client_id"), rat);
        Responses.noStoreJson(ctx, 200, ClientInformation.of(c, null, rat, issuer));
    }

    /** §2.2: update. A new registration access token is always issued; a new secret when asked for or expired. */
    public void update(Context ctx) {
        String rat = Requests.bearer(ctx);
        String clientId = ctx.pathParam("client_id");
        registrations.read(clientId, rat); // authenticate before reading the body
        Map<String, Object> request = Requests.jsonObject(ctx);
        RegistrationService.Issued issued = registrations.update(clientId, rat, request, Requests.actor(ctx));
        Responses.noStoreJson(ctx, 200, ClientInformation.of(issued.client(), issued.secret(), issued.registrationAccessToken(), issuer));
    }

    /** §2.3: delete. 204 No Content. */
    public void delete(Context ctx) {
        String rat = Requests.bearer(ctx);
        registrations.delete(ctx.pathParam("client_id"), rat, Requests.actor(ctx));
        ctx.header("Cache-Control", "no-store");
        ctx.status(204);
    }
}
