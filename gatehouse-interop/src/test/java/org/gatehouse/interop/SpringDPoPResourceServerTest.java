package org.gatehouse.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import java.net.URI;
import java.util.Map;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.DPoPAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.web.DPoPAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.oauth2.server.resource.web.authentication.DPoPAuthenticationConverter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;

/**
 * Issue 17: a Spring Security 7 resource server accepts a Gatehouse DPoP-bound token with a proof and
 * refuses it as a Bearer token. The filters are Spring Security's own classes, put together the way
 * {@code http.oauth2ResourceServer(o -> o.jwt(...).dPoP(withDefaults()))} puts them together
 * (OAuth2ResourceServerConfigurer.DPoPConfigurer: an AuthenticationFilter with DPoPAuthenticationConverter,
 * DPoPAuthenticationProvider over the JWT provider, DPoPAuthenticationEntryPoint; then
 * BearerTokenAuthenticationFilter), with the decoder of {@link SpringResourceServer} (RFC 9068 typ).
 * They run on Spring's servlet mocks instead of a servlet container. The token comes from a real server.
 */
@BothBackends
class SpringDPoPResourceServerTest {
    private static final String RESOURCE = "https://prefs.example.org/api/prefs";

    @Parameter
    String backend;

    /** reachedTheResource: the request got past the filters as an authenticated caller. */
    private record Outcome(int status, boolean reachedTheResource, String challenge) {
    }

    private static Outcome call(NimbusJwtDecoder decoder, Map<String, String> headers) throws Exception {
        JwtAuthenticationProvider jwt = new JwtAuthenticationProvider(decoder);
        ProviderManager tokenManager = new ProviderManager(jwt);
        AuthenticationFilter dpop = new AuthenticationFilter(new ProviderManager(new DPoPAuthenticationProvider(tokenManager)),
                new DPoPAuthenticationConverter());
        dpop.setRequestMatcher(r -> r.getHeader("Authorization") != null && r.getHeader("Authorization").regionMatches(true, 0, "DPoP ", 0, 5));
        dpop.setSuccessHandler((req, res, a) -> { });
        dpop.setFailureHandler(new AuthenticationEntryPointFailureHandler(new DPoPAuthenticationEntryPoint()));
        BearerTokenAuthenticationFilter bearer = new BearerTokenAuthenticationFilter(tokenManager);

        URI u = URI.create(RESOURCE);
        MockHttpServletRequest request = new MockHttpServletRequest("GET", u.getPath());
        request.setScheme(u.getScheme());
        request.setServerName(u.getHost());
        request.setServerPort(443);
        request.setSecure(true);
        headers.forEach(request::addHeader);
        MockHttpServletResponse response = new MockHttpServletResponse();
        boolean[] reached = {false};
        MockFilterChain chain = new MockFilterChain(new jakarta.servlet.http.HttpServlet() {
            @Override
            protected void service(jakarta.servlet.http.HttpServletRequest req, jakarta.servlet.http.HttpServletResponse res) {
                // What .anyRequest().authenticated() would demand: an authenticated caller.
                var a = org.springframework.security.core.context.SecurityContextHolder.getContext().getAuthentication();
                reached[0] = a != null && a.isAuthenticated();
                if (!reached[0]) res.setStatus(401);
            }
        }, dpop, bearer);
        try {
            chain.doFilter(request, response);
        } finally {
            org.springframework.security.core.context.SecurityContextHolder.clearContext();
        }
        return new Outcome(response.getStatus(), reached[0], response.getHeader("WWW-Authenticate"));
    }

    @Test
    void aDpopBoundTokenIsAcceptedWithItsProofAndRefusedAsBearer() throws Exception {
        TestServer s = TestServer.shared(backend);
        Flow.Client c = Flow.register(s);
        ECKey key = new ECKeyGenerator(Curve.P_256).generate();
        DefaultDPoPProofFactory proofs = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
        Http.Response r = s.http.exchange("POST", "/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                Map.of("Authorization", Http.basic(c.id(), c.secret()), "DPoP", proofs.createDPoPJWT("POST", URI.create(s.issuer + "/token")).serialize()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json()).containsEntry("token_type", "DPoP");
        String token = r.str("access_token");
        NimbusJwtDecoder decoder = SpringResourceServer.decoder(s.issuer);

        String proof = proofs.createDPoPJWT("GET", URI.create(RESOURCE), new DPoPAccessToken(token)).serialize();
        Outcome ok = call(decoder, Map.of("Authorization", "DPoP " + token, "DPoP", proof));
        assertThat(ok.reachedTheResource()).as("status %s, %s", ok.status(), ok.challenge()).isTrue();
        assertThat(ok.status()).isEqualTo(200);

        Outcome asBearer = call(decoder, Map.of("Authorization", "Bearer " + token));
        assertThat(asBearer.reachedTheResource()).isFalse();
        assertThat(asBearer.status()).isEqualTo(401);

        // A proof by another key, and a proof for another URI: refused.
        ECKey other = new ECKeyGenerator(Curve.P_256).generate();
        String foreign = new DefaultDPoPProofFactory(other, JWSAlgorithm.ES256).createDPoPJWT("GET", URI.create(RESOURCE), new DPoPAccessToken(token))
                .serialize();
        Outcome wrongKey = call(decoder, Map.of("Authorization", "DPoP " + token, "DPoP", foreign));
        assertThat(wrongKey.reachedTheResource()).isFalse();
        assertThat(wrongKey.status()).isEqualTo(401);
        String elsewhere = proofs.createDPoPJWT("GET", URI.create("https://other.example/api"), new DPoPAccessToken(token)).serialize();
        assertThat(call(decoder, Map.of("Authorization", "DPoP " + token, "DPoP", elsewhere)).reachedTheResource()).isFalse();
    }
}
