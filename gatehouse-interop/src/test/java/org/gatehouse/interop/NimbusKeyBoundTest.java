package org.gatehouse.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionSuccessResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.client.ClientInformation;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.client.ClientInformationResponse;
import com.nimbusds.oauth2.sdk.client.ClientUpdateRequest;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.dpop.DPoPProofFactory;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.AccessTokenType;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import java.time.Duration;
import java.util.Set;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 17, "done when": a third-party client library (the Nimbus OAuth 2.0 SDK, its PrivateKeyJWT and
 * DefaultDPoPProofFactory) registers a key-bound installation with a token that requires it, gets a
 * DPoP-bound token with private_key_jwt, has a replayed assertion refused, rotates its key through RFC
 * 7592 and introspects its token (seeing cnf.jkt). Gatehouse classes only start the server and make the
 * token as the CLI would; everything else is Nimbus over HTTP.
 */
@BothBackends
class NimbusKeyBoundTest {
    @Parameter
    String backend;

    private static ECKey newKey() throws Exception {
        return new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
    }

    private static HTTPResponse send(HTTPRequest r) throws Exception {
        r.setConnectTimeout(5_000);
        r.setReadTimeout(30_000);
        return r.send();
    }

    /** The assertion Nimbus makes, with the issuer identifier as aud (what the RFC 7523 update asks for). */
    private static PrivateKeyJWT assertion(ClientInformation c, ECKey key, Issuer issuer) throws Exception {
        return new PrivateKeyJWT(new JWTAuthenticationClaimsSet(c.getID(), new Audience(issuer)), JWSAlgorithm.ES256,
                key.toECPrivateKey(), key.getKeyID(), null);
    }

    @Test
    void nimbusRegistersGetsADpopTokenIsRefusedAReplayRotatesAndIntrospects() throws Exception {
        TestServer s = TestServer.shared(backend);
        String iat = s.gatehouse().iats.create(IatService.Spec.of("nimbus key-bound", 1, Duration.ofHours(1), null)
                .keyBound(true, true), Actor.cli()).token();
        Issuer issuer = new Issuer(s.issuer);
        AuthorizationServerMetadata as = AuthorizationServerMetadata.resolve(issuer);
        assertThat(as.getTokenEndpointAuthMethods()).contains(ClientAuthenticationMethod.PRIVATE_KEY_JWT);
        assertThat(as.getTokenEndpointJWSAlgs()).contains(JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);
        assertThat(as.getDPoPJWSAlgs()).contains(JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);

        // Register: public key only, no secret comes back.
        ECKey key = newKey();
        ClientMetadata md = new ClientMetadata();
        md.setGrantTypes(Set.of(GrantType.CLIENT_CREDENTIALS));
        md.setTokenEndpointAuthMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT);
        md.setTokenEndpointAuthJWSAlg(JWSAlgorithm.ES256);
        md.setJWKSet(new JWKSet(key.toPublicJWK()));
        md.setDPoPBoundAccessTokens(true);
        HTTPResponse reg = send(new ClientRegistrationRequest(as.getRegistrationEndpointURI(), md, new BearerAccessToken(iat)).toHTTPRequest());
        assertThat(reg.getStatusCode()).as(reg.getBody()).isEqualTo(201);
        ClientInformation client = ClientRegistrationResponse.parse(reg).toSuccessResponse().getClientInformation();
        assertThat(client.getSecret()).isNull();
        assertThat(client.getMetadata().getJWKSet().getKeys()).hasSize(1);
        assertThat(client.getMetadata().getDPoPBoundAccessTokens()).isTrue();

        // A DPoP-bound token with private_key_jwt.
        DPoPProofFactory dpop = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
        PrivateKeyJWT auth = assertion(client, key, issuer);
        HTTPRequest tokenRequest = new TokenRequest(as.getTokenEndpointURI(), auth, new ClientCredentialsGrant(), (Scope) null).toHTTPRequest();
        tokenRequest.setDPoP(dpop.createDPoPJWT("POST", as.getTokenEndpointURI()));
        TokenResponse tr = TokenResponse.parse(send(tokenRequest));
        assertThat(tr.indicatesSuccess()).as(() -> tr.toErrorResponse().getErrorObject().toString()).isTrue();
        AccessToken token = ((AccessTokenResponse) tr).getTokens().getAccessToken();
        assertThat(token).isInstanceOf(DPoPAccessToken.class);
        assertThat(token.getType()).isEqualTo(AccessTokenType.DPOP);

        // The same assertion again (a fresh DPoP proof): refused.
        HTTPRequest replay = new TokenRequest(as.getTokenEndpointURI(), auth, new ClientCredentialsGrant(), (Scope) null).toHTTPRequest();
        replay.setDPoP(dpop.createDPoPJWT("POST", as.getTokenEndpointURI()));
        TokenResponse refused = TokenResponse.parse(send(replay));
        assertThat(refused.indicatesSuccess()).isFalse();
        assertThat(((TokenErrorResponse) refused).getErrorObject().getCode()).isEqualTo("invalid_client");

        // Without a DPoP proof: refused (the client and the token require DPoP).
        TokenResponse bearer = TokenResponse.parse(send(new TokenRequest(as.getTokenEndpointURI(), assertion(client, key, issuer),
                new ClientCredentialsGrant(), (Scope) null).toHTTPRequest()));
        assertThat(((TokenErrorResponse) bearer).getErrorObject().getCode()).isEqualTo("invalid_dpop_proof");

        // Introspection with an assertion (aud: the token endpoint, as many libraries send): cnf.jkt is the proof key's thumbprint.
        PrivateKeyJWT toTokenEndpoint = new PrivateKeyJWT(client.getID(), as.getTokenEndpointURI(), JWSAlgorithm.ES256,
                key.toECPrivateKey(), key.getKeyID(), null);
        TokenIntrospectionResponse ir = TokenIntrospectionResponse.parse(send(
                new TokenIntrospectionRequest(as.getIntrospectionEndpointURI(), toTokenEndpoint, token).toHTTPRequest()));
        assertThat(ir.indicatesSuccess()).isTrue();
        TokenIntrospectionSuccessResponse info = ir.toSuccessResponse();
        assertThat(info.isActive()).isTrue();
        assertThat(info.getTokenType()).isEqualTo(AccessTokenType.DPOP);
        assertThat(info.getJWKThumbprintConfirmation()).isNotNull();
        assertThat(info.getJWKThumbprintConfirmation().getValue()).isEqualTo(key.computeThumbprint());

        // Rotate the key through RFC 7592: the old key stops working at once, the new one works.
        ECKey newKey = newKey();
        ClientMetadata rotated = new ClientMetadata(client.getMetadata());
        rotated.setJWKSet(new JWKSet(newKey.toPublicJWK()));
        HTTPResponse upd = send(new ClientUpdateRequest(client.getRegistrationURI(), client.getID(), client.getRegistrationAccessToken(),
                rotated, null).toHTTPRequest());
        assertThat(upd.getStatusCode()).as(upd.getBody()).isEqualTo(200);
        ClientInformation after = ClientInformationResponse.parse(upd).getClientInformation();
        assertThat(after.getMetadata().getJWKSet().getKeys().get(0).getKeyID()).isEqualTo(newKey.getKeyID());

        HTTPRequest old = new TokenRequest(as.getTokenEndpointURI(), assertion(client, key, issuer), new ClientCredentialsGrant(), (Scope) null)
                .toHTTPRequest();
        old.setDPoP(dpop.createDPoPJWT("POST", as.getTokenEndpointURI()));
        TokenResponse oldRefused = TokenResponse.parse(send(old));
        assertThat(((TokenErrorResponse) oldRefused).getErrorObject().getCode()).isEqualTo("invalid_client");
        HTTPRequest fresh = new TokenRequest(as.getTokenEndpointURI(), assertion(client, newKey, issuer), new ClientCredentialsGrant(), (Scope) null)
                .toHTTPRequest();
        fresh.setDPoP(new DefaultDPoPProofFactory(newKey, JWSAlgorithm.ES256).createDPoPJWT("POST", as.getTokenEndpointURI()));
        assertThat(TokenResponse.parse(send(fresh)).indicatesSuccess()).isTrue();
    }
}
