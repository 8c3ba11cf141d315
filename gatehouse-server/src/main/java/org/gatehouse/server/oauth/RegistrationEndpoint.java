package org.gatehouse.server.oauth;

import io.javalin.http.Context;
import java.util.Map;
import org.gatehouse.server.registration.RegistrationService;

/** RFC 7591 §3: POST /register, gated by an initial access token (RFC 7591 §3, "Authorization: Bearer"). */
public final class RegistrationEndpoint {
    private final RegistrationService registrations;
    private final String issuer;

    public RegistrationEndpoint(RegistrationService registrations, String issuer) {
        this.registrations = registrations;
        this.issuer = issuer;
    }

    public void handle(Context ctx) {
        String iat = Requests.bearer(ctx);                       // authenticate before reading the body
        Map<String, Object> request = Requests.jsonObject(ctx);  // §3.1: a JSON object of client metadata
        RegistrationService.Issued issued = registrations.register(iat, request, Requests.actor(ctx));
        // §3.2.1: 201 Created with the client information.
        Responses.noStoreJson(ctx, 201, ClientInformation.of(issued.client(), issued.secret(), issued.registrationAccessToken(), issuer));
    }
}
