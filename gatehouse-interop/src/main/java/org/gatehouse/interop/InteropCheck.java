package org.gatehouse.interop;

import static org.gatehouse.interop.CheckFailed.expect;
import static org.gatehouse.interop.CheckFailed.expectEquals;
import static org.gatehouse.interop.CheckFailed.present;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionSuccessResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.client.ClientDeleteRequest;
import com.nimbusds.oauth2.sdk.client.ClientInformation;
import com.nimbusds.oauth2.sdk.client.ClientInformationResponse;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.client.ClientReadRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationErrorResponse;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.client.ClientUpdateRequest;
import com.nimbusds.oauth2.sdk.client.RegistrationError;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.SoftwareID;
import com.nimbusds.oauth2.sdk.id.SoftwareVersion;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.BearerTokenError;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.minidev.json.JSONObject;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/**
 * Checks a running Gatehouse server with third-party libraries only, used the way a real
 * installation (Nimbus OAuth 2.0 SDK) and real resource servers (nimbus-jose-jwt's JWT processor,
 * Spring Security's {@code NimbusJwtDecoder}) use them. No Gatehouse class is involved.
 *
 * <pre>InteropCheck &lt;issuer-url&gt; &lt;token-file.json&gt; [resource-server-client-id resource-server-secret]</pre>
 *
 * Prints one line per check ({@code PASS name} / {@code FAIL name: reason}), informational
 * {@code NOTE} lines, and finally {@code N passed, N failed}; exits 0 only if every check passed.
 * Each run registers two new clients with the token file's initial access token, and deletes one.
 * The expected access token audience is the issuer unless {@code -Dinterop.audience=...} says otherwise.
 * With {@code -Dinterop.resource=URI -Dinterop.other-resource=URI} (the audiences of two resource servers,
 * RFC 8707) it also checks that a Spring Security and a Nimbus resource server configured for the first
 * accept a token issued for it and refuse one issued for the other, and one with the default audience.
 */
public final class InteropCheck {
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 30_000;
    private static final String INSTALLATION_ID = "installation_id";
    private static final String ROTATE_SECRET = "rotate_client_secret"; // Gatehouse's RFC 7592 extension

    /** The outcome of a run; the last line is the summary. */
    public record Result(int passed, int failed, List<String> lines) {
    }

    /** One check's body; throws {@link CheckFailed} (or anything else) to fail. */
    private interface Check {
        void run() throws Exception;
    }

    private final String issuer;
    private final Path tokenFilePath;
    private final String rsId;
    private final Secret rsSecret;
    private final PrintStream out;
    private final String resource;      // this API's audience (RFC 8707 resource); null: per-resource checks not run
    private final String otherResource; // another resource server's audience
    private final List<String> lines = new ArrayList<>();
    private int passed;
    private int failed;

    // What earlier checks established, for the later ones.
    private BearerAccessToken initialAccessToken;
    private Scope tokenFileScope;
    private AuthorizationServerMetadata metadata;
    private JWKSource<SecurityContext> jwkSource;
    private Client basic;  // registered with client_secret_basic
    private Client post;   // registered with client_secret_post
    private AccessToken basicToken;
    private AccessToken postToken;
    private AccessToken revokedToken;

    /** A client as the installation keeps it: what registration returned, the current secret and registration access token. */
    private static final class Client {
        final ClientInformation info;
        final String installationId;
        Secret secret;
        BearerAccessToken registrationAccessToken;

        Client(ClientInformation info, String installationId) {
            this.info = info;
            this.installationId = installationId;
            this.secret = info.getSecret();
            this.registrationAccessToken = info.getRegistrationAccessToken();
        }

        ClientID id() {
            return info.getID();
        }

        ClientAuthenticationMethod method() {
            return info.getMetadata().getTokenEndpointAuthMethod();
        }

        /** Authentication with the registered method (RFC 6749 §2.3.1). */
        ClientAuthentication auth() {
            return auth(method());
        }

        ClientAuthentication auth(ClientAuthenticationMethod m) {
            return ClientAuthenticationMethod.CLIENT_SECRET_POST.equals(m)
                    ? new ClientSecretPost(id(), secret) : new ClientSecretBasic(id(), secret);
        }
    }

    public InteropCheck(String issuer, Path tokenFile, String rsId, String rsSecret, PrintStream out) {
        this(issuer, tokenFile, rsId, rsSecret, System.getProperty("interop.resource"), System.getProperty("interop.other-resource"), out);
    }

    /**
     * @param resource      the audience of the resource server the per-resource checks play (null: not run)
     * @param otherResource the audience of another resource server, whose tokens that one must refuse
     */
    public InteropCheck(String issuer, Path tokenFile, String rsId, String rsSecret, String resource, String otherResource, PrintStream out) {
        if ((resource == null) != (otherResource == null)) throw new IllegalArgumentException("give both resources or neither");
        this.resource = resource;
        this.otherResource = otherResource;
        this.issuer = issuer;
        this.tokenFilePath = tokenFile;
        this.rsId = rsId;
        this.rsSecret = rsSecret == null ? null : new Secret(rsSecret);
        this.out = out;
    }

    public static void main(String[] args) {
        if ((args.length != 2 && args.length != 4) || java.util.Arrays.stream(args).anyMatch(String::isBlank)) {
            System.err.println("usage: InteropCheck <issuer-url> <token-file.json> [resource-server-client-id resource-server-secret]");
            System.exit(2);
        }
        Result r = new InteropCheck(args[0], Path.of(args[1]), args.length == 4 ? args[2] : null,
                args.length == 4 ? args[3] : null, System.out).run();
        System.exit(r.failed() == 0 ? 0 : 1);
    }

    /** Runs every check in order and prints the summary line. */
    public Result run() {
        check("token-file", this::tokenFile);
        check("discovery", this::discovery);
        check("discovery-openid-configuration-404", this::openIdConfigurationAnswers404);
        check("register-client-secret-basic", () -> basic = register(ClientAuthenticationMethod.CLIENT_SECRET_BASIC, tokenFileScope));
        check("register-client-secret-post", () -> post = register(ClientAuthenticationMethod.CLIENT_SECRET_POST, firstScope()));
        check("register-without-token-401", this::registerWithoutToken);
        check("register-bad-token-401-invalid_token", this::registerWithBadToken);
        check("register-authorization-code-grant-400", this::registerAuthorizationCodeGrant);
        check("register-scope-outside-token-400", this::registerScopeOutsideToken);
        check("token-client-secret-basic", () -> basicToken = token(need(basic, "basic client"), null, tokenFileScope));
        check("token-client-secret-post", () -> postToken = token(need(post, "post client"), null, firstScope()));
        check("token-scope-subset", () -> token(need(basic, "basic client"), firstScope(), firstScope()));
        check("token-scope-outside-registered-invalid_scope", this::tokenScopeOutsideRegistered);
        check("token-wrong-secret-401-invalid_client", this::tokenWrongSecret);
        check("token-either-secret-method", this::tokenOtherAuthMethod);
        check("jwt-offline-nimbus-jwks", this::jwtOfflineNimbus);
        check("jwt-spring-resource-server-decoder", this::jwtSpringDecoder);
        if (resource != null) {
            check("jwt-per-resource-nimbus", this::jwtPerResourceNimbus);
            check("jwt-per-resource-spring", this::jwtPerResourceSpring);
        } else {
            note("no resources given (-Dinterop.resource, -Dinterop.other-resource): per-resource audiences not checked");
        }
        check("introspect-own-token-active", this::introspectOwnToken);
        check("introspect-other-clients-token-inactive", this::introspectOtherClientsToken);
        if (rsId != null) {
            check("introspect-resource-server-sees-all", this::introspectAsResourceServer);
        } else {
            note("no resource-server credentials given: resource-server introspection not checked");
        }
        check("revoke-other-clients-token-refused", this::revokeOtherClientsToken);
        check("revoke-own-token", this::revokeOwnToken);
        check("revoked-jwt-still-verifies-offline", this::revokedTokenStillVerifiesOffline);
        check("rfc7592-read", this::readRegistration);
        check("rfc7592-update-rotates-registration-token", this::updateRegistration);
        check("rfc7592-rotate-client-secret", this::rotateClientSecret);
        check("rfc7592-delete", this::deleteRegistration);

        print(passed + " passed, " + failed + " failed");
        return new Result(passed, failed, List.copyOf(lines));
    }

    // ---------------------------------------------------------------- the token file and discovery

    /** The token file of the installer (Gatehouse's format): issuer, initial access token, scope. */
    private void tokenFile() throws Exception {
        JSONObject f = JSONObjectUtils.parse(Files.readString(tokenFilePath, StandardCharsets.UTF_8));
        expectEquals(issuer, JSONObjectUtils.getString(f, "issuer"), "token file issuer");
        initialAccessToken = new BearerAccessToken(JSONObjectUtils.getString(f, "initial_access_token"));
        String scope = JSONObjectUtils.getString(f, "scope", null);
        tokenFileScope = scope == null || scope.isBlank() ? null : Scope.parse(scope);
    }

    /** RFC 8414 §3: metadata from the issuer; §3.3: its issuer must be identical to the one used to fetch it. */
    private void discovery() throws Exception {
        metadata = AuthorizationServerMetadata.resolve(new Issuer(issuer), CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
        expectEquals(issuer, metadata.getIssuer().getValue(), "issuer");
        present(metadata.getTokenEndpointURI(), "token_endpoint");
        present(metadata.getJWKSetURI(), "jwks_uri");
        present(metadata.getRegistrationEndpointURI(), "registration_endpoint");
        present(metadata.getIntrospectionEndpointURI(), "introspection_endpoint");
        present(metadata.getRevocationEndpointURI(), "revocation_endpoint");
        expect(present(metadata.getGrantTypes(), "grant_types_supported").contains(GrantType.CLIENT_CREDENTIALS),
                "grant_types_supported lacks client_credentials");
        List<ClientAuthenticationMethod> methods = present(metadata.getTokenEndpointAuthMethods(), "token_endpoint_auth_methods_supported");
        expect(methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC) && methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST),
                "token_endpoint_auth_methods_supported must list client_secret_basic and client_secret_post: " + methods);
        jwkSource = JWKSourceBuilder.create(metadata.getJWKSetURI().toURL()).build();
    }

    /**
     * Spring Security's issuer discovery tries OpenID Connect discovery first and moves on to RFC 8414
     * only after a 4xx: a server that is not an OpenID Provider must answer 404 there, never 500.
     */
    private void openIdConfigurationAnswers404() throws Exception {
        HTTPRequest get = new HTTPRequest(HTTPRequest.Method.GET, URI.create(issuer + "/.well-known/openid-configuration"));
        HTTPResponse r = send(get);
        expectEquals(404, r.getStatusCode(), "HTTP status of /.well-known/openid-configuration");
    }

    // ---------------------------------------------------------------- RFC 7591 registration

    private Client register(ClientAuthenticationMethod method, Scope scope) throws Exception {
        need(metadata, "discovery");
        need(initialAccessToken, "token file");
        String installationId = newInstallationId();
        ClientMetadata m = clientMetadata(method, scope, installationId);
        HTTPResponse r = send(new ClientRegistrationRequest(metadata.getRegistrationEndpointURI(), m, initialAccessToken).toHTTPRequest());
        ClientRegistrationResponse response = ClientRegistrationResponse.parse(r);
        if (!response.indicatesSuccess()) {
            throw new CheckFailed("HTTP " + r.getStatusCode() + " " + describe(((ClientRegistrationErrorResponse) response).getErrorObject()));
        }
        expectEquals(201, r.getStatusCode(), "HTTP status (RFC 7591 §3.2.1)");
        ClientInformation info = ((ClientInformationResponse) response).getClientInformation();
        present(info.getID(), "client_id");
        present(info.getSecret(), "client_secret");
        present(info.getIDIssueDate(), "client_id_issued_at");
        present(info.getRegistrationAccessToken(), "registration_access_token (RFC 7592 §3)");
        present(info.getRegistrationURI(), "registration_client_uri (RFC 7592 §3)");
        expect(info.getSecret().getExpirationDate() == null || info.getSecret().getExpirationDate().after(new Date()),
                "client_secret_expires_at is in the past");
        ClientMetadata registered = info.getMetadata();
        expectEquals(method, registered.getTokenEndpointAuthMethod(), "token_endpoint_auth_method");
        expectEquals(Set.of(GrantType.CLIENT_CREDENTIALS), registered.getGrantTypes(), "grant_types");
        if (scope != null) expectEquals(Set.copyOf(scope.toStringList()), Set.copyOf(present(registered.getScope(), "scope").toStringList()), "scope");
        expectEquals(installationId, registered.getCustomField(INSTALLATION_ID), INSTALLATION_ID);
        expectEquals(m.getSoftwareID(), registered.getSoftwareID(), "software_id");
        expectEquals(m.getSoftwareVersion(), registered.getSoftwareVersion(), "software_version");
        expectEquals(m.getName(), registered.getName(), "client_name");
        return new Client(info, installationId);
    }

    /** What an installer sends (RFC 7591 §2), with the installation id as extension metadata. */
    private static ClientMetadata clientMetadata(ClientAuthenticationMethod method, Scope scope, String installationId) {
        ClientMetadata m = new ClientMetadata();
        m.setGrantTypes(Set.of(GrantType.CLIENT_CREDENTIALS));
        m.setTokenEndpointAuthMethod(method);
        if (scope != null) m.setScope(scope);
        m.setName("Gatehouse interop check (" + method + ")");
        m.setSoftwareID(new SoftwareID("org.gatehouse.interop"));
        m.setSoftwareVersion(new SoftwareVersion("1.0"));
        m.setCustomField(INSTALLATION_ID, installationId);
        return m;
    }

    /** RFC 6750 §3.1: a request without a token gets 401 with a Bearer challenge. */
    private void registerWithoutToken() throws Exception {
        need(metadata, "discovery");
        ClientMetadata m = clientMetadata(ClientAuthenticationMethod.CLIENT_SECRET_BASIC, null, newInstallationId());
        HTTPResponse r = send(new ClientRegistrationRequest(metadata.getRegistrationEndpointURI(), m, null).toHTTPRequest());
        expectEquals(401, r.getStatusCode(), "HTTP status");
        String challenge = present(r.getHeaderValue("WWW-Authenticate"), "WWW-Authenticate");
        expect(challenge.regionMatches(true, 0, "Bearer", 0, 6), "WWW-Authenticate is not a Bearer challenge: " + challenge);
    }

    /** RFC 6750 §3.1: an unknown token gets 401 with error="invalid_token" in the challenge. */
    private void registerWithBadToken() throws Exception {
        need(metadata, "discovery");
        ClientMetadata m = clientMetadata(ClientAuthenticationMethod.CLIENT_SECRET_BASIC, null, newInstallationId());
        BearerAccessToken bogus = new BearerAccessToken("ghi_" + Base64URL.encode(random(32)));
        HTTPResponse r = send(new ClientRegistrationRequest(metadata.getRegistrationEndpointURI(), m, bogus).toHTTPRequest());
        expectEquals(401, r.getStatusCode(), "HTTP status");
        BearerTokenError e = BearerTokenError.parse(present(r.getHeaderValue("WWW-Authenticate"), "WWW-Authenticate"));
        expectEquals(BearerTokenError.INVALID_TOKEN.getCode(), e.getCode(), "error in WWW-Authenticate");
    }

    /** RFC 7591 §3.2.2: metadata the server does not accept is invalid_client_metadata (only client_credentials here). */
    private void registerAuthorizationCodeGrant() throws Exception {
        ClientMetadata m = clientMetadata(ClientAuthenticationMethod.CLIENT_SECRET_BASIC, null, newInstallationId());
        m.setGrantTypes(Set.of(GrantType.AUTHORIZATION_CODE));
        expectRegistrationRefused(m);
    }

    /** A scope the initial access token does not grant is refused, not silently narrowed. */
    private void registerScopeOutsideToken() throws Exception {
        need(metadata, "discovery");
        Scope outside = new Scope("interop:not-granted");
        if (metadata.getScopes() != null && tokenFileScope != null) {
            for (String s : metadata.getScopes().toStringList()) {
                if (!tokenFileScope.contains(s)) {
                    outside = new Scope(s); // known to the server, not granted by this token: the interesting case
                    break;
                }
            }
        }
        expectRegistrationRefused(clientMetadata(ClientAuthenticationMethod.CLIENT_SECRET_BASIC, outside, newInstallationId()));
    }

    private void expectRegistrationRefused(ClientMetadata m) throws Exception {
        need(metadata, "discovery");
        need(initialAccessToken, "token file");
        HTTPResponse r = send(new ClientRegistrationRequest(metadata.getRegistrationEndpointURI(), m, initialAccessToken).toHTTPRequest());
        ClientRegistrationResponse response = ClientRegistrationResponse.parse(r);
        expect(!response.indicatesSuccess(), "registered (HTTP " + r.getStatusCode() + ") instead of refusing");
        expectEquals(400, r.getStatusCode(), "HTTP status");
        expectEquals(RegistrationError.INVALID_CLIENT_METADATA.getCode(),
                ((ClientRegistrationErrorResponse) response).getErrorObject().getCode(), "error");
    }

    // ---------------------------------------------------------------- RFC 6749 §4.4 tokens

    /** A client_credentials token; expects success and, where given, the granted scope (RFC 6749 §5.1). */
    private AccessToken token(Client c, Scope requested, Scope expectedScope) throws Exception {
        return token(c, requested, expectedScope, null);
    }

    /** @param resource RFC 8707 §2 resource parameter; null: none (the default audience) */
    private AccessToken token(Client c, Scope requested, Scope expectedScope, String resource) throws Exception {
        need(metadata, "discovery");
        TokenRequest.Builder b = new TokenRequest.Builder(metadata.getTokenEndpointURI(), c.auth(), new ClientCredentialsGrant()).scope(requested);
        if (resource != null) b.resources(URI.create(resource));
        HTTPResponse r = send(b.build().toHTTPRequest());
        TokenResponse response = TokenResponse.parse(r);
        if (!response.indicatesSuccess()) {
            throw new CheckFailed("HTTP " + r.getStatusCode() + " " + describe(response.toErrorResponse().getErrorObject()));
        }
        AccessToken t = response.toSuccessResponse().getTokens().getAccessToken();
        expect(t instanceof BearerAccessToken, "token_type is not Bearer");
        expect(t.getLifetime() > 0, "expires_in missing or not positive");
        expect(r.getHeaderValue("Cache-Control") != null && r.getHeaderValue("Cache-Control").contains("no-store"),
                "Cache-Control: no-store missing (RFC 6749 §5.1)");
        if (expectedScope != null) {
            // §5.1: scope may be omitted only when identical to the requested scope
            Scope granted = t.getScope() != null ? t.getScope() : requested;
            expectEquals(Set.copyOf(expectedScope.toStringList()), granted == null ? null : Set.copyOf(granted.toStringList()), "granted scope");
        }
        return t;
    }

    private ErrorObject tokenError(ClientAuthentication auth, Scope requested) throws Exception {
        need(metadata, "discovery");
        HTTPResponse r = send(new TokenRequest(metadata.getTokenEndpointURI(), auth, new ClientCredentialsGrant(), requested).toHTTPRequest());
        TokenResponse response = TokenResponse.parse(r);
        expect(!response.indicatesSuccess(), "a token was issued (HTTP " + r.getStatusCode() + ")");
        return ((TokenErrorResponse) response).getErrorObject();
    }

    /** RFC 6749 §5.2: a scope beyond the registered one is invalid_scope. */
    private void tokenScopeOutsideRegistered() throws Exception {
        Client c = need(post, "post client");
        // The post client registered only the first scope: any other scope of the token file lies outside it.
        Scope outside = new Scope("interop:not-registered");
        if (tokenFileScope != null && tokenFileScope.size() > 1) outside = new Scope(tokenFileScope.toStringList().get(1));
        ErrorObject e = tokenError(c.auth(), outside);
        expectEquals(OAuth2Error.INVALID_SCOPE.getCode(), e.getCode(), "error");
        expectEquals(400, e.getHTTPStatusCode(), "HTTP status");
    }

    /** RFC 6749 §5.2: failed client authentication with HTTP Basic is 401 invalid_client with a challenge. */
    private void tokenWrongSecret() throws Exception {
        Client c = need(basic, "basic client");
        ErrorObject e = tokenError(new ClientSecretBasic(c.id(), new Secret()), null);
        expectEquals(OAuth2Error.INVALID_CLIENT.getCode(), e.getCode(), "error");
        expectEquals(401, e.getHTTPStatusCode(), "HTTP status");
        Client p = need(post, "post client");
        ErrorObject e2 = tokenError(new ClientSecretPost(p.id(), new Secret()), null);
        expectEquals(OAuth2Error.INVALID_CLIENT.getCode(), e2.getCode(), "error (client_secret_post)");
    }

    /** A client authenticates only with the method it registered (RFC 7591 §2 token_endpoint_auth_method). */
    /**
     * Gatehouse's default (issue 19): a secret client may authenticate with either secret method, one
     * per request, whatever it registered, so that libraries that send the other one (openid-client
     * sends client_secret_post) work. A server run with GATEHOUSE_STRICT_AUTH_METHOD=true fails this check.
     */
    private void tokenOtherAuthMethod() throws Exception {
        Client b = need(basic, "basic client");
        Client p = need(post, "post client");
        tokenWith(b.auth(ClientAuthenticationMethod.CLIENT_SECRET_POST), "basic client using client_secret_post");
        tokenWith(p.auth(ClientAuthenticationMethod.CLIENT_SECRET_BASIC), "post client using client_secret_basic");
    }

    private void tokenWith(ClientAuthentication auth, String what) throws Exception {
        HTTPResponse r = send(new TokenRequest(metadata.getTokenEndpointURI(), auth, new ClientCredentialsGrant(), null).toHTTPRequest());
        expect(TokenResponse.parse(r).indicatesSuccess(), what + ": HTTP " + r.getStatusCode() + " " + r.getBody());
    }

    // ---------------------------------------------------------------- RFC 9068 JWT verification offline

    /**
     * RFC 9068 §4: a resource server verifies typ at+jwt, the signature with the issuer's keys (JWKS),
     * iss, aud and exp; we also check the claims §2.2 lists plus the installation id.
     */
    private void jwtOfflineNimbus() throws Exception {
        Client c = need(basic, "basic client");
        verifyOffline(c, need(basicToken, "basic client's token"), tokenFileScope);
        verifyOffline(need(post, "post client"), need(postToken, "post client's token"), firstScope());
    }

    private JWTClaimsSet verifyOffline(Client c, AccessToken token, Scope expectedScope) throws Exception {
        return verifyOffline(c, token, expectedScope, audience());
    }

    /** Nimbus's JWT processor as a resource server whose identifier is {@code audience} configures it (RFC 9068 §4). */
    private JWTClaimsSet verifyOffline(Client c, AccessToken token, Scope expectedScope, String audience) throws Exception {
        need(jwkSource, "discovery");
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt")));
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(accessTokenAlgorithms(), jwkSource));
        JWTClaimsSet exact = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(c.id().getValue()) // RFC 9068 §2.2: sub is the client_id when no resource owner is involved
                .claim("client_id", c.id().getValue())
                .claim(INSTALLATION_ID, c.installationId)
                .build();
        p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience, exact,
                Set.of("iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope", INSTALLATION_ID)));
        JWTClaimsSet claims = p.process(token.getValue(), null);
        if (expectedScope != null) {
            expectEquals(Set.copyOf(expectedScope.toStringList()), Set.copyOf(Scope.parse(claims.getStringClaim("scope")).toStringList()), "scope claim");
        }
        return claims;
    }

    /** The algorithms the server says it signs access tokens with; ES256 (the default) when not said. */
    private Set<JWSAlgorithm> accessTokenAlgorithms() {
        Object listed = metadata.getCustomParameter("access_token_signing_alg_values_supported");
        Set<JWSAlgorithm> algs = new LinkedHashSet<>();
        if (listed instanceof List<?> l) l.forEach(a -> algs.add(JWSAlgorithm.parse(a.toString())));
        return algs.isEmpty() ? Set.of(JWSAlgorithm.ES256) : algs;
    }

    private String audience() {
        return System.getProperty("interop.audience", issuer);
    }

    /** Spring Security's resource server decoder, built from the issuer; see {@link SpringResourceServer}. */
    private void jwtSpringDecoder() throws Exception {
        Client c = need(basic, "basic client");
        AccessToken token = need(basicToken, "basic client's token");
        try {
            SpringResourceServer.stockDecoder(issuer).decode(token.getValue());
            note("a stock Spring Security decoder (JwtDecoders.fromIssuerLocation, no configuration) accepted typ at+jwt");
        } catch (RuntimeException e) {
            note("a stock Spring Security decoder rejects RFC 9068 tokens without configuration: " + reason(e));
        }
        JwtDecoder decoder = SpringResourceServer.decoder(issuer);
        Jwt jwt = decoder.decode(token.getValue());
        expectEquals("at+jwt", jwt.getHeaders().get("typ"), "typ header");
        expectEquals(issuer, jwt.getClaimAsString("iss"), "iss");
        expect(jwt.getAudience() != null && jwt.getAudience().contains(audience()), "aud " + jwt.getAudience() + " lacks " + audience());
        expectEquals(c.id().getValue(), jwt.getSubject(), "sub");
        expectEquals(c.id().getValue(), jwt.getClaimAsString("client_id"), "client_id");
        expectEquals(c.installationId, jwt.getClaimAsString(INSTALLATION_ID), INSTALLATION_ID);
        present(jwt.getClaimAsString("scope"), "scope");
        expect(jwt.getExpiresAt() != null && jwt.getExpiresAt().isAfter(java.time.Instant.now()), "exp not in the future");
    }

    // ---------------------------------------------------------------- RFC 8707 tokens for one API

    /** Tokens of the basic client for this API, for the other one, and with the default audience. */
    private record PerResource(AccessToken own, AccessToken other, AccessToken byDefault) {
    }

    private PerResource perResourceTokens() throws Exception {
        Client c = need(basic, "basic client");
        return new PerResource(token(c, null, null, resource), token(c, null, null, otherResource), need(basicToken, "basic client's token"));
    }

    /**
     * Nimbus's {@code DefaultJWTClaimsVerifier} with this API's audience (docs/protocol.md §13a) accepts
     * a token issued with resource=that audience and refuses one for another resource server and one
     * with the default audience (the issuer): aud must contain the API's own identifier (RFC 9068 §4).
     */
    private void jwtPerResourceNimbus() throws Exception {
        Client c = need(basic, "basic client");
        PerResource t = perResourceTokens();
        JWTClaimsSet own = verifyOffline(c, t.own(), null, resource);
        expectEquals(List.of(resource), own.getAudience(), "aud of the token for " + resource);
        expectRefused("nimbus", () -> verifyOffline(c, t.other(), null, resource), "a token for " + otherResource);
        expectRefused("nimbus", () -> verifyOffline(c, t.byDefault(), null, resource), "a token with the default audience");
    }

    /** The same with Spring Security's decoder configured as docs/protocol.md §13a says ({@link SpringResourceServer#decoder(String, String)}). */
    private void jwtPerResourceSpring() throws Exception {
        PerResource t = perResourceTokens();
        JwtDecoder decoder = SpringResourceServer.decoder(issuer, resource);
        Jwt own = decoder.decode(t.own().getValue());
        expectEquals(List.of(resource), own.getAudience(), "aud of the token for " + resource);
        expectRefused("spring", () -> decoder.decode(t.other().getValue()), "a token for " + otherResource);
        expectRefused("spring", () -> decoder.decode(t.byDefault().getValue()), "a token with the default audience");
    }

    private void expectRefused(String library, Check verify, String what) {
        try {
            verify.run();
        } catch (com.nimbusds.jwt.proc.BadJWTException | org.springframework.security.oauth2.jwt.JwtValidationException e) {
            note(library + " refused " + what + ": " + e.getMessage());
            return;
        } catch (Exception e) {
            throw new CheckFailed(what + " refused for another reason than its audience: " + reason(e));
        }
        throw new CheckFailed(what + " was accepted by an API whose audience is " + resource);
    }

    // ---------------------------------------------------------------- RFC 7662 introspection

    private TokenIntrospectionSuccessResponse introspect(ClientAuthentication caller, AccessToken token) throws Exception {
        need(metadata, "discovery");
        HTTPResponse r = send(new TokenIntrospectionRequest(metadata.getIntrospectionEndpointURI(), caller, token).toHTTPRequest());
        TokenIntrospectionResponse response = TokenIntrospectionResponse.parse(r);
        if (!response.indicatesSuccess()) {
            throw new CheckFailed("introspection failed: HTTP " + r.getStatusCode() + " " + describe(response.toErrorResponse().getErrorObject()));
        }
        return response.toSuccessResponse();
    }

    /** RFC 7662 §2.2: the client's own live token is active, with its claims. */
    private void introspectOwnToken() throws Exception {
        Client c = need(basic, "basic client");
        TokenIntrospectionSuccessResponse i = introspect(c.auth(), need(basicToken, "basic client's token"));
        expect(i.isActive(), "own token introspects as inactive");
        expectEquals(c.id(), i.getClientID(), "client_id");
        present(i.getExpirationTime(), "exp");
        expectEquals(c.installationId, i.getStringParameter(INSTALLATION_ID), INSTALLATION_ID);
        if (tokenFileScope != null) expectEquals(Set.copyOf(tokenFileScope.toStringList()), Set.copyOf(present(i.getScope(), "scope").toStringList()), "scope");
    }

    /** A client must not learn about another client's tokens (RFC 7662 §4: token scanning). */
    private void introspectOtherClientsToken() throws Exception {
        Client b = need(post, "post client");
        expect(!introspect(b.auth(), need(basicToken, "basic client's token")).isActive(), "another client's token introspects as active");
    }

    /** A resource server's credentials see every client's token. */
    private void introspectAsResourceServer() throws Exception {
        ClientSecretBasic rs = new ClientSecretBasic(new ClientID(rsId), rsSecret);
        TokenIntrospectionSuccessResponse a = introspect(rs, need(basicToken, "basic client's token"));
        expect(a.isActive(), "basic client's token inactive for the resource server");
        expectEquals(need(basic, "basic client").id(), a.getClientID(), "client_id");
        expect(introspect(rs, need(postToken, "post client's token")).isActive(), "post client's token inactive for the resource server");
    }

    // ---------------------------------------------------------------- RFC 7009 revocation

    private HTTPResponse revoke(ClientAuthentication caller, AccessToken token) throws Exception {
        need(metadata, "discovery");
        return send(new TokenRevocationRequest(metadata.getRevocationEndpointURI(), caller, token).toHTTPRequest());
    }

    /** RFC 7009 §2.1: the server verifies the token was issued to the requesting client; otherwise it refuses. */
    private void revokeOtherClientsToken() throws Exception {
        Client b = need(post, "post client");
        HTTPResponse r = revoke(b.auth(), need(basicToken, "basic client's token"));
        expect(r.getStatusCode() != 200, "another client's token was accepted for revocation (HTTP 200)");
        expectEquals(400, r.getStatusCode(), "HTTP status");
        expectEquals(OAuth2Error.UNAUTHORIZED_CLIENT.getCode(), ErrorObject.parse(r).getCode(), "error");
        expect(introspect(need(basic, "basic client").auth(), basicToken).isActive(), "the token became inactive anyway");
    }

    /** RFC 7009 §2.2: 200; the token is then inactive at the introspection endpoint. */
    private void revokeOwnToken() throws Exception {
        Client c = need(basic, "basic client");
        AccessToken t = token(c, null, tokenFileScope);
        expect(introspect(c.auth(), t).isActive(), "fresh token inactive before revocation");
        HTTPResponse r = revoke(c.auth(), t);
        expectEquals(200, r.getStatusCode(), "HTTP status");
        expect(!introspect(c.auth(), t).isActive(), "revoked token still introspects as active");
        if (rsId != null) {
            expect(!introspect(new ClientSecretBasic(new ClientID(rsId), rsSecret), t).isActive(),
                    "revoked token still active for the resource server");
        }
        expect(introspect(c.auth(), need(basicToken, "basic client's token")).isActive(), "revoking one token revoked another");
        revokedToken = t;
    }

    /**
     * A self-contained JWT stays valid offline until it expires: revocation is visible only to resource
     * servers that introspect. This documents that limit (RFC 9068 §5 leaves revocation to the resource server).
     */
    private void revokedTokenStillVerifiesOffline() throws Exception {
        verifyOffline(need(basic, "basic client"), need(revokedToken, "revoked token"), tokenFileScope);
        note("offline JWT verification cannot see revocation: a revoked token verifies until its exp; introspect when revocation must take effect at once");
    }

    // ---------------------------------------------------------------- RFC 7592 client management

    private ClientInformation readRegistration(Client c, BearerAccessToken rat) throws Exception {
        HTTPResponse r = send(new ClientReadRequest(c.info.getRegistrationURI(), rat).toHTTPRequest());
        ClientRegistrationResponse response = ClientRegistrationResponse.parse(r);
        if (!response.indicatesSuccess()) {
            throw new CheckFailed("read: HTTP " + r.getStatusCode() + " " + describe(((ClientRegistrationErrorResponse) response).getErrorObject()));
        }
        expectEquals(200, r.getStatusCode(), "read HTTP status (RFC 7592 §3)");
        return ((ClientInformationResponse) response).getClientInformation();
    }

    /** RFC 7592 §2.1: read with the registration access token returns the registered metadata. */
    private void readRegistration() throws Exception {
        Client c = need(basic, "basic client");
        ClientInformation info = readRegistration(c, c.registrationAccessToken);
        expectEquals(c.id(), info.getID(), "client_id");
        expectEquals(c.installationId, info.getMetadata().getCustomField(INSTALLATION_ID), INSTALLATION_ID);
        expectEquals(c.info.getMetadata().getSoftwareID(), info.getMetadata().getSoftwareID(), "software_id");
        expectEquals(ClientAuthenticationMethod.CLIENT_SECRET_BASIC, info.getMetadata().getTokenEndpointAuthMethod(), "token_endpoint_auth_method");
    }

    /** RFC 7592 §2.2: PUT replaces the metadata; this server always issues a new registration access token. */
    private void updateRegistration() throws Exception {
        Client c = need(basic, "basic client");
        ClientMetadata m = readRegistration(c, c.registrationAccessToken).getMetadata();
        String newName = "Gatehouse interop check (renamed)";
        m.setName(newName);
        ClientInformation updated = update(c, m);
        BearerAccessToken old = c.registrationAccessToken;
        BearerAccessToken fresh = present(updated.getRegistrationAccessToken(), "registration_access_token");
        expect(!fresh.equals(old), "the registration access token was not rotated");
        expectEquals(newName, updated.getMetadata().getName(), "client_name after update");
        c.registrationAccessToken = fresh;
        HTTPResponse r = send(new ClientReadRequest(c.info.getRegistrationURI(), old).toHTTPRequest());
        expectEquals(401, r.getStatusCode(), "read with the old registration access token: HTTP status");
        expectEquals(newName, readRegistration(c, fresh).getMetadata().getName(), "client_name read back");
        token(c, null, tokenFileScope); // the update kept the client secret
    }

    /** Gatehouse extension to RFC 7592 §2.2: "rotate_client_secret": true issues a new client secret. */
    private void rotateClientSecret() throws Exception {
        Client c = need(basic, "basic client");
        ClientMetadata m = readRegistration(c, c.registrationAccessToken).getMetadata();
        m.setCustomField(ROTATE_SECRET, true);
        ClientInformation updated = update(c, m);
        c.registrationAccessToken = present(updated.getRegistrationAccessToken(), "registration_access_token");
        Secret fresh = present(updated.getSecret(), "client_secret in the response");
        expect(!fresh.equals(c.secret), "the same client secret was returned");
        Secret old = c.secret;
        c.secret = fresh;
        token(c, null, tokenFileScope);
        ErrorObject e = tokenError(new ClientSecretBasic(c.id(), old), null);
        expectEquals(OAuth2Error.INVALID_CLIENT.getCode(), e.getCode(), "token request with the old secret");
    }

    private ClientInformation update(Client c, ClientMetadata m) throws Exception {
        // §2.2: the request carries client_id and, when one was issued, the current client_secret
        HTTPResponse r = send(new ClientUpdateRequest(c.info.getRegistrationURI(), c.id(), c.registrationAccessToken, m, c.secret).toHTTPRequest());
        ClientRegistrationResponse response = ClientRegistrationResponse.parse(r);
        if (!response.indicatesSuccess()) {
            throw new CheckFailed("update: HTTP " + r.getStatusCode() + " " + describe(((ClientRegistrationErrorResponse) response).getErrorObject()));
        }
        expectEquals(200, r.getStatusCode(), "update HTTP status (RFC 7592 §2.2)");
        ClientInformation info = ((ClientInformationResponse) response).getClientInformation();
        expectEquals(c.id(), info.getID(), "client_id");
        return info;
    }

    /** RFC 7592 §2.3: 204; the client and its tokens are unusable at once. */
    private void deleteRegistration() throws Exception {
        Client c = need(basic, "basic client");
        AccessToken live = token(c, null, tokenFileScope);
        HTTPResponse r = send(new ClientDeleteRequest(c.info.getRegistrationURI(), c.registrationAccessToken).toHTTPRequest());
        expectEquals(204, r.getStatusCode(), "delete HTTP status");
        ErrorObject e = tokenError(c.auth(), null);
        expectEquals(OAuth2Error.INVALID_CLIENT.getCode(), e.getCode(), "token request after delete");
        HTTPResponse read = send(new ClientReadRequest(c.info.getRegistrationURI(), c.registrationAccessToken).toHTTPRequest());
        expectEquals(401, read.getStatusCode(), "read after delete: HTTP status (RFC 7592 §2.3)");
        if (rsId != null) {
            expect(!introspect(new ClientSecretBasic(new ClientID(rsId), rsSecret), live).isActive(),
                    "a deleted client's token still introspects as active");
        } else {
            note("no resource-server credentials given: tokens of the deleted client not introspected");
        }
        expect(post == null || introspect(post.auth(), need(postToken, "post client's token")).isActive(),
                "deleting one client affected another client's token");
    }

    // ---------------------------------------------------------------- plumbing

    private void check(String name, Check body) {
        try {
            body.run();
            passed++;
            print("PASS " + name);
        } catch (CheckFailed e) {
            failed++;
            print("FAIL " + name + ": " + e.getMessage());
        } catch (Exception | AssertionError e) {
            failed++;
            print("FAIL " + name + ": " + reason(e));
        }
    }

    /** The exception and its causes, on one line: what a resource server's developer would need to see. */
    private static String reason(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 1000; t = t.getCause() == t ? null : t.getCause()) {
            if (b.length() > 0) b.append(" <- ");
            b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return b.toString().replace('\n', ' ');
    }

    private void note(String text) {
        print("NOTE " + text);
    }

    private void print(String line) {
        lines.add(line);
        out.println(line);
        out.flush();
    }

    private static <T> T need(T value, String what) {
        if (value == null) throw new CheckFailed("not run: needs the " + what + " from an earlier check");
        return value;
    }

    private Scope firstScope() {
        return tokenFileScope == null ? null : new Scope(tokenFileScope.toStringList().get(0));
    }

    private static HTTPResponse send(HTTPRequest r) throws java.io.IOException {
        r.setConnectTimeout(CONNECT_TIMEOUT_MS);
        r.setReadTimeout(READ_TIMEOUT_MS);
        return r.send();
    }

    private static String describe(ErrorObject e) {
        return e == null ? "(no error object)" : e.getCode() + (e.getDescription() == null ? "" : " (" + e.getDescription() + ")");
    }

    /**
     * DESIGN §2: installation_id = base64url(SHA-256(machine_id + ":" + issuer)), 43 characters. A random
     * stand-in machine id per registration: re-registering one installation would replace its credentials.
     */
    private String newInstallationId() throws Exception {
        String machineId = HexFormat.of().formatHex(random(16));
        byte[] digest = MessageDigest.getInstance("SHA-256").digest((machineId + ":" + issuer).getBytes(StandardCharsets.UTF_8));
        return Base64URL.encode(digest).toString();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static final SecureRandom RANDOM = new SecureRandom();
}
