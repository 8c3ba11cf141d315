package org.gatehouse.client;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What an enrolled installation keeps: its client credentials (RFC 7591 §3.2.1), its registration
 * access token (RFC 7592 §3) and the endpoints to use them at. A key-bound installation
 * ({@code private_key_jwt}, RFC 7523) has a key instead of a client secret; its store is format
 * version 2, a secret store stays version 1.
 *
 * <p>Callers read what identifies the installation ({@link #clientId()}, {@link #installationId()},
 * {@link #issuer()}, {@link #keyId()}, ...). Only the library creates credentials and only the library
 * reads the secret material (the client secret, the registration access token and the private key):
 * those accessors and the constructors are package-private (issue 15, Must 5), and
 * {@link #toString()} leaves them out.
 */
public final class Credentials {
    private final String issuer;
    private final URI tokenEndpoint;
    private final URI registrationClientUri;
    private final String installationId;
    private final String clientId;
    private final String clientSecret;
    private final long clientSecretExpiresAt;
    private final Instant secretReceivedAt;
    private final String registrationAccessToken;
    private final String scope;
    private final String tokenEndpointAuthMethod;
    private final String clientName;
    private final String softwareId;
    private final String softwareVersion;
    private final Instant enrolledAt;
    private final String label;
    private final ClientKey key;
    private final boolean dpopBound;

    static final int VERSION = 1;
    /** The store format of a key-bound installation: no client secret, the private key PKCS#8. */
    static final int KEY_BOUND_VERSION = 2;
    static final String PRIVATE_KEY_JWT = "private_key_jwt";
    static final Pattern CLIENT_SECRET = Pattern.compile("ghs_[A-Za-z0-9_-]{20,200}");
    static final Pattern REGISTRATION_ACCESS_TOKEN = Pattern.compile("ghr_[A-Za-z0-9_-]{20,200}");
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    Credentials(String issuer, URI tokenEndpoint, URI registrationClientUri, String installationId, String clientId,
                String clientSecret, long clientSecretExpiresAt, Instant secretReceivedAt, String registrationAccessToken,
                String scope, String tokenEndpointAuthMethod, String clientName, String softwareId, String softwareVersion,
                Instant enrolledAt, String label, ClientKey key, boolean dpopBound) {
        if (!CLIENT_ID.matcher(clientId).matches()) throw new IllegalArgumentException("client_id is not a Gatehouse client id");
        if (key == null && (clientSecret == null || !CLIENT_SECRET.matcher(clientSecret).matches())) {
            throw new IllegalArgumentException("client_secret is not a Gatehouse client secret (ghs_...)");
        }
        if (key != null && clientSecret != null) throw new IllegalArgumentException("a key-bound installation has no client_secret");
        if (!REGISTRATION_ACCESS_TOKEN.matcher(registrationAccessToken).matches()) {
            throw new IllegalArgumentException("registration_access_token is not a Gatehouse registration access token (ghr_...)");
        }
        URI iss = Http.checkedUri(issuer, "issuer");
        for (URI u : new URI[] {tokenEndpoint, registrationClientUri}) {
            Http.checkedUri(u.toString(), "endpoint");
            if (!Http.origin(u).equalsIgnoreCase(Http.origin(iss))) {
                throw new IllegalArgumentException("endpoint " + Http.origin(u) + " is not on the issuer's host " + Http.origin(iss));
            }
        }
        if (clientSecretExpiresAt < 0) throw new IllegalArgumentException("client_secret_expires_at is negative");
        if (key != null ? !PRIVATE_KEY_JWT.equals(tokenEndpointAuthMethod)
                : !"client_secret_basic".equals(tokenEndpointAuthMethod) && !"client_secret_post".equals(tokenEndpointAuthMethod)) {
            throw new IllegalArgumentException(key != null ? "token_endpoint_auth_method of a key-bound installation must be private_key_jwt"
                    : "token_endpoint_auth_method must be client_secret_basic or client_secret_post");
        }
        this.issuer = issuer;
        this.tokenEndpoint = tokenEndpoint;
        this.registrationClientUri = registrationClientUri;
        this.installationId = installationId;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.clientSecretExpiresAt = clientSecretExpiresAt;
        this.secretReceivedAt = secretReceivedAt;
        this.registrationAccessToken = registrationAccessToken;
        this.scope = scope;
        this.tokenEndpointAuthMethod = tokenEndpointAuthMethod;
        this.clientName = clientName;
        this.softwareId = softwareId;
        this.softwareVersion = softwareVersion;
        this.enrolledAt = enrolledAt;
        this.label = label;
        this.key = key;
        this.dpopBound = dpopBound;
    }

    /** Credentials of a client-secret installation (no key). */
    Credentials(String issuer, URI tokenEndpoint, URI registrationClientUri, String installationId, String clientId,
                       String clientSecret, long clientSecretExpiresAt, Instant secretReceivedAt, String registrationAccessToken,
                String scope, String tokenEndpointAuthMethod, String clientName, String softwareId, String softwareVersion,
                Instant enrolledAt, String label) {
        this(issuer, tokenEndpoint, registrationClientUri, installationId, clientId, clientSecret, clientSecretExpiresAt,
                secretReceivedAt, registrationAccessToken, scope, tokenEndpointAuthMethod, clientName, softwareId, softwareVersion,
                enrolledAt, label, null, false);
    }

    /** The issuer (RFC 8414 {@code issuer}) this installation is registered with. */
    public String issuer() {
        return issuer;
    }

    /** The token endpoint the installation gets access tokens at. */
    public URI tokenEndpoint() {
        return tokenEndpoint;
    }

    /** The RFC 7592 client configuration endpoint of this registration. */
    public URI registrationClientUri() {
        return registrationClientUri;
    }

    /** The installation id sent at registration (docs/installers.md, identity model). */
    public String installationId() {
        return installationId;
    }

    /** RFC 7591 §3.2.1 {@code client_id}. */
    public String clientId() {
        return clientId;
    }

    /** The client secret (RFC 7591 §3.2.1); null for a key-bound installation. Secret: the library's own. */
    String clientSecret() {
        return clientSecret;
    }

    /** RFC 7591 §3.2.1 {@code client_secret_expires_at} in seconds since the epoch; 0 when it does not expire (or no secret). */
    public long clientSecretExpiresAt() {
        return clientSecretExpiresAt;
    }

    /** When the current secret (or, for a key-bound installation, the current key) was received. */
    public Instant secretReceivedAt() {
        return secretReceivedAt;
    }

    /** The RFC 7592 §3 registration access token. Secret: the library's own. */
    String registrationAccessToken() {
        return registrationAccessToken;
    }

    /** The registered scope; may be null or empty. */
    public String scope() {
        return scope;
    }

    /** RFC 7591 §2 {@code token_endpoint_auth_method}. */
    public String tokenEndpointAuthMethod() {
        return tokenEndpointAuthMethod;
    }

    /** RFC 7591 §2 {@code client_name}; may be null. */
    public String clientName() {
        return clientName;
    }

    /** RFC 7591 §2 {@code software_id}; may be null. */
    public String softwareId() {
        return softwareId;
    }

    /** RFC 7591 §2 {@code software_version}; may be null. */
    public String softwareVersion() {
        return softwareVersion;
    }

    /** When this installation enrolled. */
    public Instant enrolledAt() {
        return enrolledAt;
    }

    /** The label from the token file; may be null. */
    public String label() {
        return label;
    }

    /** The key pair of a key-bound installation (it holds the private key); null otherwise. The library's own. */
    ClientKey key() {
        return key;
    }

    /** Whether access tokens are DPoP-bound (RFC 9449) to the installation's key. */
    public boolean dpopBound() {
        return dpopBound;
    }

    /** The {@code kid} of a key-bound installation's public key (its RFC 7638 thumbprint); null for a secret installation. */
    public String keyId() {
        return key != null ? key.thumbprint() : null;
    }

    /** The JWS {@code alg} the key signs with ({@code ES256} or {@code EdDSA}); null for a secret installation. */
    public String keyAlgorithm() {
        return key != null ? key.alg() : null;
    }

    /** Whether this installation authenticates with a private key (RFC 7523) rather than a secret. */
    public boolean keyBound() {
        return key != null;
    }

    /** The credential that identifies the current secret or key: the secret, or the key's thumbprint. */
    String credentialId() {
        return key != null ? key.thumbprint() : clientSecret;
    }

    /** RFC 7591 §3.2.1: 0 means the secret does not expire. */
    public boolean secretExpires() {
        return clientSecretExpiresAt != 0;
    }

    /**
     * When the secret should be replaced: once three quarters of its lifetime (as seen from when it
     * was received) have passed, so that rotation has ample time to succeed before the secret expires.
     */
    public Instant secretRenewAt() {
        if (!secretExpires()) return Instant.MAX;
        Instant expires = Instant.ofEpochSecond(clientSecretExpiresAt);
        java.time.Duration life = java.time.Duration.between(secretReceivedAt, expires);
        if (life.isNegative()) return secretReceivedAt;
        return secretReceivedAt.plus(life.multipliedBy(3).dividedBy(4));
    }

    /** A copy with a new secret and/or registration access token, as an RFC 7592 update returns them. */
    Credentials withRotated(String secret, long secretExpiresAt, Instant receivedAt, String rat) {
        return new Credentials(issuer, tokenEndpoint, registrationClientUri, installationId, clientId, secret,
                secretExpiresAt, receivedAt, rat, scope, tokenEndpointAuthMethod, clientName, softwareId, softwareVersion, enrolledAt, label,
                null, false);
    }

    /** A copy with a new key and possibly a new registration access token, after an RFC 7592 update replaced the jwks. */
    Credentials withKey(ClientKey newKey, Instant receivedAt, String rat) {
        return new Credentials(issuer, tokenEndpoint, registrationClientUri, installationId, clientId, null, 0, receivedAt, rat, scope,
                tokenEndpointAuthMethod, clientName, softwareId, softwareVersion, enrolledAt, label, newKey, dpopBound);
    }

    /** The metadata sent again in an RFC 7592 §2.2 update (it replaces, so everything is sent). */
    Map<String, Object> registeredMetadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client_id", clientId);
        m.put("grant_types", java.util.List.of("client_credentials"));
        m.put("token_endpoint_auth_method", tokenEndpointAuthMethod);
        if (scope != null && !scope.isEmpty()) m.put("scope", scope);
        if (clientName != null) m.put("client_name", clientName);
        if (softwareId != null) m.put("software_id", softwareId);
        if (softwareVersion != null) m.put("software_version", softwareVersion);
        m.put("installation_id", installationId);
        if (key != null) {
            m.put("jwks", key.jwks());
            if (dpopBound) m.put("dpop_bound_access_tokens", true);
        }
        return m;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gatehouse_credentials", key != null ? KEY_BOUND_VERSION : VERSION);
        m.put("issuer", issuer);
        m.put("token_endpoint", tokenEndpoint.toString());
        m.put("registration_client_uri", registrationClientUri.toString());
        m.put("installation_id", installationId);
        m.put("client_id", clientId);
        if (key == null) {
            m.put("client_secret", clientSecret);
            m.put("client_secret_expires_at", clientSecretExpiresAt);
            m.put("secret_received_at", secretReceivedAt.toString());
        } else {
            m.put("private_key", java.util.Base64.getEncoder().encodeToString(key.pkcs8())); // PKCS#8 DER, as in a PEM file
            m.put("public_jwk", key.publicJwk());
            m.put("key_created_at", secretReceivedAt.toString());
            m.put("dpop_bound_access_tokens", dpopBound);
        }
        m.put("registration_access_token", registrationAccessToken);
        m.put("scope", scope);
        m.put("token_endpoint_auth_method", tokenEndpointAuthMethod);
        m.put("client_name", clientName);
        m.put("software_id", softwareId);
        m.put("software_version", softwareVersion);
        m.put("enrolled_at", enrolledAt.toString());
        m.put("label", label);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Credentials fromJson(Map<String, Object> m) {
        Object v = m.get("gatehouse_credentials");
        boolean keyBound = Long.valueOf(KEY_BOUND_VERSION).equals(v);
        if (!keyBound && !Long.valueOf(VERSION).equals(v)) {
            throw new IllegalArgumentException(v == null ? "not a Gatehouse credential file" : "format version " + v + " is not supported");
        }
        ClientKey key = null;
        if (keyBound) {
            Object jwk = m.get("public_jwk");
            if (!(jwk instanceof Map)) throw new IllegalArgumentException("\"public_jwk\" is missing or not an object");
            key = ClientKey.fromStored(java.util.Base64.getDecoder().decode(str(m, "private_key", true)), (Map<String, Object>) jwk);
        }
        return new Credentials(
                str(m, "issuer", true),
                URI.create(str(m, "token_endpoint", true)),
                URI.create(str(m, "registration_client_uri", true)),
                str(m, "installation_id", true),
                str(m, "client_id", true),
                keyBound ? null : str(m, "client_secret", true),
                keyBound ? 0 : num(m, "client_secret_expires_at"),
                Instant.parse(str(m, keyBound ? "key_created_at" : "secret_received_at", true)),
                str(m, "registration_access_token", true),
                str(m, "scope", false),
                str(m, "token_endpoint_auth_method", true),
                str(m, "client_name", false),
                str(m, "software_id", false),
                str(m, "software_version", false),
                Instant.parse(str(m, "enrolled_at", true)),
                str(m, "label", false),
                key,
                keyBound && Boolean.TRUE.equals(m.get("dpop_bound_access_tokens")));
    }

    private static String str(Map<String, Object> m, String k, boolean required) {
        Object v = m.get(k);
        if (v == null && !required) return null;
        if (!(v instanceof String)) throw new IllegalArgumentException("\"" + k + "\" is missing or not a string");
        return (String) v;
    }

    private static long num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof Long)) throw new IllegalArgumentException("\"" + k + "\" is missing or not an integer");
        return (Long) v;
    }

    /** Value equality over every field, as the record this class replaced had (the key compares by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Credentials c && clientSecretExpiresAt == c.clientSecretExpiresAt && dpopBound == c.dpopBound
                && Objects.equals(issuer, c.issuer) && Objects.equals(tokenEndpoint, c.tokenEndpoint)
                && Objects.equals(registrationClientUri, c.registrationClientUri)
                && Objects.equals(installationId, c.installationId) && Objects.equals(clientId, c.clientId)
                && Objects.equals(clientSecret, c.clientSecret) && Objects.equals(secretReceivedAt, c.secretReceivedAt)
                && Objects.equals(registrationAccessToken, c.registrationAccessToken) && Objects.equals(scope, c.scope)
                && Objects.equals(tokenEndpointAuthMethod, c.tokenEndpointAuthMethod) && Objects.equals(clientName, c.clientName)
                && Objects.equals(softwareId, c.softwareId) && Objects.equals(softwareVersion, c.softwareVersion)
                && Objects.equals(enrolledAt, c.enrolledAt) && Objects.equals(label, c.label) && Objects.equals(key, c.key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(issuer, tokenEndpoint, registrationClientUri, installationId, clientId, clientSecret, clientSecretExpiresAt,
                secretReceivedAt, registrationAccessToken, scope, tokenEndpointAuthMethod, clientName, softwareId, softwareVersion,
                enrolledAt, label, key, dpopBound);
    }

    /** Identifies the installation; the secret, the registration access token and the private key are left out. */
    @Override
    public String toString() {
        return "Credentials[issuer=" + issuer + ", client_id=" + clientId + ", installation_id=" + installationId
                + (key != null ? ", key=" + key.thumbprint() + (dpopBound ? ", dpop" : "") : ", client_secret_expires_at=" + clientSecretExpiresAt) + "]";
    }
}
