package org.gatehouse.server.tokens;

import org.gatehouse.server.domain.ClientKind;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import java.time.Clock;
import java.util.Map;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.store.ClientStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.text.Text;

/**
 * Client authentication with a client secret (RFC 6749 §2.3.1): client_secret_basic or
 * client_secret_post, exactly one per request (§2.3). Either method is accepted from a client
 * registered for either: both carry the same secret with the same protection under TLS, and
 * libraries such as openid-client send client_secret_post while RFC 7591 §2 makes
 * client_secret_basic the default of a registration that names none. GATEHOUSE_STRICT_AUTH_METHOD
 * accepts only the registered method. One primary-key lookup and one keyed hash: no slow password
 * hash on a 256-bit random secret. A key-bound client authenticates with private_key_jwt instead
 * (RFC 7523): the same lookup, one signature verification and one INSERT of the assertion's jti.
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
    private final ClientAssertions assertions;
    private final ClientKeys.Cache keys;
    private final Replays replays;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClientAuthenticator.class);

    /**
     * @param cache short-lived client records (see ClientCache for the revocation bound)
     * @param strictMethod accept only the registered token_endpoint_auth_method (RFC 7591 §2)
     */
    public ClientAuthenticator(Database db, ClientStore clients, Secrets secrets, Clock clock, ClientCache cache,
                               InstallationService installations, boolean strictMethod, ClientAssertions assertions, Replays replays,
                               org.gatehouse.server.crypto.JwsCrypto crypto) {
        this.keys = new ClientKeys.Cache(crypto);
        this.assertions = assertions;
        this.replays = replays;
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
        if (form.containsKey("client_assertion") || form.containsKey("client_assertion_type")) {
            if (authorization != null || form.containsKey("client_secret")) {
                throw OAuthError.invalidRequest("use one client authentication method per request (RFC 6749 §2.3)");
            }
            if (!ClientAssertions.TYPE.equals(form.get("client_assertion_type")) || !form.containsKey("client_assertion")) {
                throw OAuthError.invalidRequest("private_key_jwt needs client_assertion_type=" + ClientAssertions.TYPE
                        + " and client_assertion (RFC 7523 §2.2)");
            }
            return assertion(form.get("client_assertion"), form.get("client_id"));
        }
        String clientId;
        String secret;
        String method;
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            if (form.containsKey("client_secret")) {
                throw OAuthError.invalidRequest("use one client authentication method per request (RFC 6749 §2.3)");
            }
            String[] plain = plainBasic(authorization);
            if (plain != null) {
                clientId = plain[0];
                secret = plain[1];
            } else {
                try {
                    ClientSecretBasic basic = ClientSecretBasic.parse(authorization);
                    clientId = basic.getClientID().getValue();
                    secret = basic.getClientSecret().getValue();
                } catch (ParseException | RuntimeException e) {
                    throw OAuthError.invalidClient("malformed HTTP Basic client credentials");
                }
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
            throw OAuthError.invalidClient("client authentication is required (client_secret_basic, client_secret_post or private_key_jwt)");
        }
        return check(clientId, secret, method);
    }

    /**
     * RFC 6749 §2.3.1 / RFC 7617: "Basic " and the Base64 of id ':' secret, in the common form that needs no
     * URL decoding (both parts non-empty, printable ASCII without '%' and '+'): {id, secret}. Null for anything
     * else, which Nimbus's parser reads as before (issue 18 Must 2: no regex split and URL decoder per grant;
     * BasicParseTest checks that the two agree).
     */
    static String[] plainBasic(String authorization) {
        int n = authorization.length();
        if (n <= 6 || n > 1024 || authorization.charAt(5) != ' ') return null;
        byte[] raw;
        try {
            raw = java.util.Base64.getDecoder().decode(authorization.substring(6));
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = -1;
        for (int i = 0; i < raw.length; i++) {
            byte b = raw[i];
            if (b < 0x21 || b > 0x7E || b == '%' || b == '+') return null;
            if (b == ':' && colon < 0) colon = i;
        }
        if (colon <= 0 || colon == raw.length - 1) return null;
        String s = new String(raw, java.nio.charset.StandardCharsets.US_ASCII);
        return new String[] {s.substring(0, colon), s.substring(colon + 1)};
    }

    /**
     * private_key_jwt (RFC 7523 §2.2, §3): the assertion's issuer names the client, its registered key
     * verifies the signature, the jti is recorded once for all nodes. One signature verification and one
     * INSERT. Every failure answers the same invalid_client; the reason goes to the debug log only.
     */
    private ClientRecord assertion(String assertion, String formClientId) {
        String clientId = null;
        try {
            ClientAssertions.Parsed p = ClientAssertions.parse(assertion);
            clientId = p.issuer();
            // RFC 7521 §4.2: a client_id sent beside the assertion must name the same client.
            if (formClientId != null && !formClientId.equals(clientId)) throw new ClientAssertions.Refused("client_id differs from iss");
            ClientRecord c = clientId.length() <= 64 ? cache.find(clientId, id -> db.withHandle(h -> clients.find(h, id))).orElse(null) : null;
            if (c == null || !c.keyBound()) throw new ClientAssertions.Refused("unknown client or not registered for private_key_jwt");
            ClientKeys registered;
            try {
                registered = keys.get(c.jwks());
            } catch (IllegalStateException e) { // a stored key the JDK refuses (registered before the checks): 401, never a 500
                throw new ClientAssertions.Refused("the client's registered keys cannot verify");
            }
            ClientAssertions.Accepted a = assertions.verify(p, clientId, registered, c.authSigningAlg(), clock.millis());
            // RFC 7523 §3 item 7: the jti is recorded first, so a captured assertion replayed against a revoked
            // client learns nothing (a replay gets the bare failure, not the revocation's reason).
            if (!replays.firstUse(Replays.ASSERTION, clientId, a.jti(), a.replayUntil())) {
                throw new ClientAssertions.Refused("jti used before (replay)");
            }
            // The assertion proved possession of the key, once: say why the credentials no longer work.
            if (!c.active()) throw installations.notAccepted(c, OAuthError::invalidClient);
            return c;
        } catch (ClientAssertions.Refused e) {
            LOG.debug("client assertion refused (client {}): {}", clientId == null ? "-" : Text.printable(clientId), Text.printable(String.valueOf(e.getMessage())));
            throw OAuthError.invalidClient("client authentication failed");
        }
    }

    private ClientRecord check(String clientId, String secret, String method) {
        ClientRecord c = null;
        if (clientId.length() <= 64 && secret.length() <= 128) {
            c = cache.find(clientId, id -> db.withHandle(h -> clients.find(h, id))).orElse(null);
        }
        // Always one keyed hash and constant-time compares against the current and the previous secret (both
        // read with the client's row or cached copy), known client or not: the same work either way.
        Secrets.Match m = secrets.match(secret, c == null ? null : c.secretHash(), c == null ? null : c.previousSecretHash());
        if (m != Secrets.Match.CURRENT) {
            if (m == Secrets.Match.PREVIOUS) rotatedElsewhere(c);
            throw OAuthError.invalidClient("client authentication failed");
        }
        // The secret matched: say why the credentials no longer work (one read, on this failure path only).
        if (!c.active()) {
            throw c.kind() == ClientKind.INSTALLATION ? installations.notAccepted(c, OAuthError::invalidClient)
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

    /** The presented secret is this client's previous one: say "rotated by another copy", not "revoked". */
    private void rotatedElsewhere(ClientRecord c) {
        OAuthError e = installations.rotatedElsewhere(c, OAuthError::invalidClient);
        if (e == null) return;
        if (InstallationService.ROTATED_ELSEWHERE.equals(e.credentialState())) installations.reportRotatedElsewhere(c.clientId(), null);
        throw e;
    }
}
