package org.gatehouse.server.registration;

import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.domain.ClientMetadata;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.text.Text;

/**
 * Checks requested client metadata (RFC 7591 §2) against what Gatehouse supports, with a limit on
 * every field, and returns what will be registered. Fields it does not understand are ignored
 * (RFC 7591 §2: "The authorization server MUST ignore any client metadata ... it does not understand").
 */
public final class MetadataRules {
    public static final Set<String> AUTH_METHODS = Set.of("client_secret_basic", "client_secret_post", ClientMetadata.PRIVATE_KEY_JWT);
    public static final Pattern INSTALLATION_ID = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    static final int MAX_NAME = 200;
    static final int MAX_URI = 2000;
    static final int MAX_LIST = 10;
    static final int MAX_SCOPES = 50;
    static final int MAX_SOFTWARE_ID = 200;
    static final int MAX_SOFTWARE_VERSION = 100;

    private MetadataRules() {
    }

    /**
     * @param allowedScope the scopes the admitting initial access token allows
     * @param defaultScope what an absent {@code scope} means
     */
    public static ClientMetadata check(Map<String, Object> req, Set<String> allowedScope, String defaultScope) {
        checkGrantTypes(req.get("grant_types"));
        checkResponseTypes(req.get("response_types"));
        String authMethod = string(req, "token_endpoint_auth_method", 40);
        if (authMethod == null) {
            authMethod = "client_secret_basic"; // RFC 7591 §2 default
        } else if (!AUTH_METHODS.contains(authMethod)) {
            throw OAuthError.invalidClientMetadata("token_endpoint_auth_method must be client_secret_basic, client_secret_post or private_key_jwt");
        }
        // RFC 7523 §2.2 with RFC 7591 §2: a private_key_jwt client registers its public keys inline.
        Map<String, Object> jwks = null;
        String signingAlg = null;
        if (req.get("jwks_uri") != null) {
            // Fetching keys from a client-named URL would make this server fetch arbitrary URLs (SSRF) on a
            // client's word and make key changes invisible to the audit trail: keys are registered inline
            // and rotated through RFC 7592 (docs/security.md).
            throw OAuthError.invalidClientMetadata("jwks_uri is not supported: send the public keys inline in jwks, rotate them with an RFC 7592 update");
        }
        if (ClientMetadata.PRIVATE_KEY_JWT.equals(authMethod)) {
            if (req.get("jwks") == null) {
                throw OAuthError.invalidClientMetadata("private_key_jwt needs the client's public keys in jwks (RFC 7591 §2)");
            }
            jwks = JwksRules.check(req.get("jwks"));
            signingAlg = JwksRules.signingAlg(req.get("token_endpoint_auth_signing_alg"), jwks);
        } else if (req.get("jwks") != null || req.get("token_endpoint_auth_signing_alg") != null) {
            throw OAuthError.invalidClientMetadata("jwks and token_endpoint_auth_signing_alg need token_endpoint_auth_method private_key_jwt");
        }
        Object dpop = req.get("dpop_bound_access_tokens");
        if (dpop != null && !(dpop instanceof Boolean)) {
            throw OAuthError.invalidClientMetadata("dpop_bound_access_tokens must be true or false (RFC 9449 §5.2)");
        }
        return new ClientMetadata(
                plainText(req, "client_name", MAX_NAME),
                uri(req, "client_uri"),
                uri(req, "logo_uri"),
                uri(req, "tos_uri"),
                uri(req, "policy_uri"),
                contacts(req.get("contacts")),
                redirectUris(req.get("redirect_uris")),
                authMethod,
                scope(req.get("scope"), allowedScope, defaultScope),
                plainText(req, "software_id", MAX_SOFTWARE_ID),
                plainText(req, "software_version", MAX_SOFTWARE_VERSION),
                installationId(req.get("installation_id")),
                jwks, signingAlg, Boolean.TRUE.equals(dpop));
    }

    private static void checkGrantTypes(Object v) {
        if (v == null) return; // we register client_credentials, the only grant we serve (RFC 7591 §3.2.1 allows replacing)
        List<String> grants = stringList(v, "grant_types", MAX_LIST, 100);
        if (grants.isEmpty() || !grants.stream().allMatch(ClientMetadata.GRANT::equals)) {
            throw OAuthError.invalidClientMetadata("grant_types must be [\"client_credentials\"]: it is the only grant this server supports");
        }
    }

    private static void checkResponseTypes(Object v) {
        if (v == null) return;
        if (!stringList(v, "response_types", MAX_LIST, 100).isEmpty()) {
            throw OAuthError.invalidClientMetadata("response_types must be empty: the client_credentials grant uses no authorization endpoint");
        }
    }

    private static String scope(Object v, Set<String> allowed, String dflt) {
        if (v == null) return dflt;
        if (!(v instanceof String)) throw OAuthError.invalidClientMetadata("scope must be a string");
        Set<String> requested;
        try {
            requested = Text.scopeSet((String) v);
        } catch (InvalidInput e) {
            throw OAuthError.invalidClientMetadata(e.summary());
        }
        if (requested.size() > MAX_SCOPES) throw OAuthError.invalidClientMetadata("scope has more than " + MAX_SCOPES + " values");
        for (String s : requested) {
            if (!allowed.contains(s)) {
                throw OAuthError.invalidClientMetadata("scope '" + Text.printable(s) + "' is not allowed by the initial access token");
            }
        }
        return String.join(" ", requested);
    }

    private static String installationId(Object v) {
        if (v == null) return null;
        if (!(v instanceof String) || !INSTALLATION_ID.matcher((String) v).matches()) {
            throw OAuthError.invalidClientMetadata("installation_id must be 16 to 128 base64url characters (base64url of SHA-256 of machine id and issuer)");
        }
        return (String) v;
    }

    private static List<String> redirectUris(Object v) {
        if (v == null) return List.of();
        List<String> uris = stringList(v, "redirect_uris", MAX_LIST, MAX_URI);
        for (String u : uris) {
            // RFC 6749 §3.1.2: absolute URI, no fragment.
            if (!absolute(u) || u.contains("#")) {
                throw OAuthError.invalidRedirectUri("redirect_uris must be absolute URIs without a fragment: '" + Text.printable(u) + "'");
            }
        }
        return uris;
    }

    private static List<String> contacts(Object v) {
        if (v == null) return List.of();
        List<String> list = stringList(v, "contacts", MAX_LIST, 320);
        for (String c : list) {
            if (c.isBlank() || !Text.isPlain(c)) throw OAuthError.invalidClientMetadata("contacts must be plain text");
        }
        return list;
    }

    private static String uri(Map<String, Object> req, String field) {
        String u = string(req, field, MAX_URI);
        if (u != null && (!absolute(u) || !(u.startsWith("https://") || u.startsWith("http://")))) {
            throw OAuthError.invalidClientMetadata(field + " must be an absolute http(s) URL");
        }
        return u;
    }

    private static boolean absolute(String u) {
        try {
            URI uri = new URI(u);
            return uri.isAbsolute() && Text.isPlain(u) && !u.contains(" ");
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String plainText(Map<String, Object> req, String field, int max) {
        String s = string(req, field, max);
        if (s != null && (s.isBlank() || !Text.isPlain(s))) {
            throw OAuthError.invalidClientMetadata(field + " must not be blank or contain control or bidirectional-override characters");
        }
        return s;
    }

    private static String string(Map<String, Object> req, String field, int max) {
        Object v = req.get(field);
        if (v == null) return null;
        if (!(v instanceof String)) throw OAuthError.invalidClientMetadata(field + " must be a string");
        String s = (String) v;
        if (s.length() > max) throw OAuthError.invalidClientMetadata(field + " is longer than " + max + " characters");
        return s;
    }

    private static List<String> stringList(Object v, String field, int maxItems, int maxLength) {
        if (!(v instanceof List)) throw OAuthError.invalidClientMetadata(field + " must be an array of strings");
        List<?> raw = (List<?>) v;
        if (raw.size() > maxItems) throw OAuthError.invalidClientMetadata(field + " has more than " + maxItems + " entries");
        Set<String> out = new LinkedHashSet<>();
        for (Object o : raw) {
            if (!(o instanceof String)) throw OAuthError.invalidClientMetadata(field + " must be an array of strings");
            if (((String) o).length() > maxLength) throw OAuthError.invalidClientMetadata(field + " has an entry longer than " + maxLength + " characters");
            out.add((String) o);
        }
        return new ArrayList<>(out);
    }
}
