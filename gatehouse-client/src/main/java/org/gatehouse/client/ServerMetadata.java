package org.gatehouse.client;

import java.net.URI;
import java.util.Map;

/** The parts of RFC 8414 authorization server metadata this client uses, checked as §3.3 requires. */
record ServerMetadata(String issuer, URI tokenEndpoint, URI registrationEndpoint, URI jwksUri) {

    /**
     * RFC 8414 §3.1: the well-known path is inserted between the host and the issuer's path.
     * For {@code https://h/tenant} that is {@code https://h/.well-known/oauth-authorization-server/tenant}.
     */
    static URI wellKnown(String issuer) {
        URI u = Http.checkedUri(issuer, "issuer");
        String path = u.getRawPath() == null || u.getRawPath().equals("/") ? "" : u.getRawPath();
        return URI.create(u.getScheme() + "://" + u.getRawAuthority() + "/.well-known/oauth-authorization-server" + path);
    }

    static ServerMetadata discover(Http http, String issuer) {
        URI uri = wellKnown(issuer);
        Http.Reply r = http.get(uri, null);
        if (r.status() != 200) {
            throw new ServerUnavailableException("no authorization server metadata at " + uri + " (HTTP " + r.status() + ")");
        }
        return parse(r.json(), issuer);
    }

    static ServerMetadata parse(Map<String, Object> m, String issuer) {
        // RFC 8414 §3.3: the issuer in the metadata must be identical to the one used to find it.
        if (!issuer.equals(m.get("issuer"))) {
            throw new TokenFileException("the server at " + issuer + " says its issuer is \"" + m.get("issuer")
                    + "\"; the token file does not belong to this server");
        }
        URI iss = URI.create(issuer);
        return new ServerMetadata(issuer,
                endpoint(m, "token_endpoint", iss, true),
                endpoint(m, "registration_endpoint", iss, true),
                endpoint(m, "jwks_uri", iss, false));
    }

    private static URI endpoint(Map<String, Object> m, String field, URI issuer, boolean sameHost) {
        Object v = m.get(field);
        if (!(v instanceof String)) throw new ServerUnavailableException("the server's metadata has no " + field);
        URI u;
        try {
            u = Http.checkedUri((String) v, field);
        } catch (IllegalArgumentException e) {
            throw new ServerUnavailableException("the server's metadata is unusable: " + e.getMessage());
        }
        // Secrets are sent to these endpoints: they must be the issuer's own.
        if (sameHost && !Http.origin(u).equalsIgnoreCase(Http.origin(issuer))) {
            throw new ServerUnavailableException("the server's " + field + " " + Http.origin(u) + " is not on the issuer's host");
        }
        return u;
    }
}
