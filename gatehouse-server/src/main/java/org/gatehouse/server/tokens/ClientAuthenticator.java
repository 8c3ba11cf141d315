package org.gatehouse.server.tokens;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import java.time.Clock;
import java.util.Map;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.oauth.OAuthError;
import org.gatehouse.server.store.ClientRecord;
import org.gatehouse.server.store.ClientStore;
import org.gatehouse.server.store.Database;

/**
 * Client authentication with a client secret (RFC 6749 §2.3.1): client_secret_basic or
 * client_secret_post, exactly one per request (§2.3). Either method is accepted from a client
 * registered for either: both carry the same secret with the same protection under TLS, and
 * libraries such as openid-client send client_secret_post while RFC 7591 §2 makes
 * client_secret_basic the default of a registration that names none. GATEHOUSE_STRICT_AUTH_METHOD
 * accepts only the registered method. One primary-key lookup and one keyed hash: no slow password
 * hash on a 256-bit random secret.
 */
public final class ClientAuthenticator {
    private static final String BASIC = "client_secret_basic";
    private static final String POST = "client_secret_post";

    private final Database db;
    private final ClientStore clients;
    private final Secrets secrets;
    private final Clock clock;
    private final ClientCache cache;
    private final InstallationService installations;
    private final boolean strictMethod;

    /**
     * @param cache short-lived client records (see ClientCache for the revocation bound)
     * @param strictMethod accept only the registered token_endpoint_auth_method (RFC 7591 §2)
     */
    public ClientAuthenticator(Database db, ClientStore clients, Secrets secrets, Clock clock, ClientCache cache,
                               InstallationService installations, boolean strictMethod) {
        this.installations = installations;
        this.db = db;
        this.clients = clients;
        this.secrets = secrets;
        this.clock = clock;
        this.cache = cache;
        this.strictMethod = strictMethod;
    }

    /** @param authorization the Authorization header, or null; @param form the request's form parameters */
    public ClientRecord authenticate(String authorization, Map<String, String> form) {
        String clientId;
        String secret;
        String method;
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            if (form.containsKey("client_secret")) {
                throw OAuthError.invalidRequest("use one client authentication method per request (RFC 6749 §2.3)");
            }
            try {
                ClientSecretBasic basic = ClientSecretBasic.parse(authorization);
                clientId = basic.getClientID().getValue();
                secret = basic.getClientSecret().getValue();
            } catch (ParseException | RuntimeException e) {
                throw OAuthError.invalidClient("malformed HTTP Basic client credentials");
            }
            String formId = form.get("client_id");
            if (formId != null && !formId.equals(clientId)) {
                throw OAuthError.invalidRequest("client_id in the body differs from the authenticated client");
            }
            method = BASIC;
        } else if (authorization != null) {
            throw OAuthError.invalidClient("unsupported Authorization scheme: use HTTP Basic client credentials");
        } else if (form.containsKey("client_id") && form.containsKey("client_secret")) {
            clientId = form.get("client_id");
            secret = form.get("client_secret");
            method = POST;
        } else {
            throw OAuthError.invalidClient("client authentication is required (client_secret_basic or client_secret_post)");
        }
        return check(clientId, secret, method);
    }

    private ClientRecord check(String clientId, String secret, String method) {
        ClientRecord c = null;
        if (clientId.length() <= 64 && secret.length() <= 128) {
            c = cache.find(clientId, id -> db.withHandle(h -> clients.find(h, id))).orElse(null);
        }
        // Always one keyed hash and a constant-time compare, known client or not.
        boolean secretOk = secrets.matches(secret, c == null ? null : c.secretHash());
        if (c == null || !secretOk) {
            if (c != null) rotatedElsewhere(c, secret);
            throw OAuthError.invalidClient("client authentication failed");
        }
        // The secret matched: say why the credentials no longer work (one read, on this failure path only).
        if (!c.active()) {
            throw ClientRecord.INSTALLATION.equals(c.kind()) ? installations.notAccepted(c, OAuthError::invalidClient)
                    : OAuthError.invalidClient("client authentication failed");
        }
        if (strictMethod && !c.authMethod().equals(method)) {
            throw OAuthError.invalidClient("this client is registered for " + c.authMethod());
        }
        if (c.secretExpired(clock.millis())) {
            throw OAuthError.invalidClient("the client secret has expired: obtain a new one through the registration endpoint (RFC 7592)");
        }
        return c;
    }

    /** On the failure path only: a previous secret of this client says "rotated by another copy", not "revoked". */
    private void rotatedElsewhere(ClientRecord c, String secret) {
        OAuthError e = db.withHandle(h -> installations.rotatedElsewhere(h, c, hash -> secrets.matches(secret, hash), true,
                OAuthError::invalidClient));
        if (e == null) return;
        if (InstallationService.ROTATED_ELSEWHERE.equals(e.credentialState())) installations.reportRotatedElsewhere(c.clientId(), null);
        throw e;
    }
}
