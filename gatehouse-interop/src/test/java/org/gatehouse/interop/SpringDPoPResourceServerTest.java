package org.gatehouse.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

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
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockServletContext;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.filter.DelegatingFilterProxy;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * Issue 17: a stock Spring Security 7.1 resource server (an {@code @EnableWebSecurity} configuration whose
 * {@link SecurityFilterChain} is built with {@link HttpSecurity}: {@code oauth2ResourceServer(o ->
 * o.jwt(withDefaults()).dPoP(withDefaults()))}, exactly the configuration in docs/protocol.md §10) and a
 * Spring MVC controller, in a real Spring web application context. The requests go through spring-test's
 * {@link MockMvc} with the security filter chain registered as a servlet container registers it (a
 * {@link DelegatingFilterProxy} to {@code springSecurityFilterChain}). The tokens come from a real Gatehouse
 * server; the DPoP proofs are made with Nimbus's {@link DefaultDPoPProofFactory}.
 *
 * <p>What this configuration does (Spring Security 7.1.2): {@code Authorization: DPoP} with a proof is checked
 * by the DPoP filter (RFC 9449 §7.1: signature by the proof's {@code jwk}, {@code htm}, {@code htu},
 * {@code ath}, the token's {@code cnf.jkt}); {@code Authorization: Bearer} is checked by the bearer filter, which
 * accepts a token without {@code cnf} and refuses a DPoP-bound one (RFC 9449 §7.2). So both kinds of client
 * are accepted, each with its own scheme. Without {@code .dPoP(...)} Spring Security 7.1 adds no DPoP filter
 * ({@code OAuth2ResourceServerConfigurer} configures it only when {@code dPoP} was called), and a DPoP request
 * is refused: {@link #withoutDPoPConfiguredADpopRequestIsRefused}.
 */
@BothBackends
class SpringDPoPResourceServerTest {
    private static final String RESOURCE = "https://prefs.example.org/api/prefs";
    private static final String ISSUER_PROPERTY = "gatehouse.issuer";

    @Parameter
    String backend;

    /** The application's security configuration, as a user writes it (docs/protocol.md §10). */
    @Configuration
    @EnableWebSecurity
    @Import(Application.class)
    static class ResourceServerConfig {
        @Bean
        SecurityFilterChain api(HttpSecurity http) throws Exception {
            http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
                .oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults()).dPoP(Customizer.withDefaults()));
            return http.build();
        }
    }

    /** The same application without {@code .dPoP(...)}: JWT bearer tokens only. */
    @Configuration
    @EnableWebSecurity
    @Import(Application.class)
    static class BearerOnlyConfig {
        @Bean
        SecurityFilterChain api(HttpSecurity http) throws Exception {
            http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
                .oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults()));
            return http.build();
        }
    }

    /** The rest of the application: Spring MVC, its controller, and its JWT decoder. */
    @Configuration
    @EnableWebMvc
    static class Application {
        /** What Spring Boot builds from {@code issuer-uri}, plus the RFC 9068 typ validator (§10). */
        @Bean
        JwtDecoder jwtDecoder(Environment env) {
            return SpringResourceServer.decoder(env.getRequiredProperty(ISSUER_PROPERTY));
        }

        @Bean
        PrefsController prefsController() {
            return new PrefsController();
        }
    }

    @RestController
    static class PrefsController {
        @GetMapping("/api/prefs")
        String prefs(@AuthenticationPrincipal Jwt jwt) {
            return "prefs of " + jwt.getClaimAsString("client_id");
        }
    }

    /** A running application: its context (closed by the caller) and MockMvc over it. */
    private record App(AnnotationConfigWebApplicationContext context, MockMvc mvc) implements AutoCloseable {
        static App start(Class<?> config, String issuer) {
            AnnotationConfigWebApplicationContext ctx = new AnnotationConfigWebApplicationContext();
            ctx.setServletContext(new MockServletContext());
            ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("gatehouse", Map.of(ISSUER_PROPERTY, issuer)));
            ctx.register(config);
            ctx.refresh();
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(ctx).addFilters(new DelegatingFilterProxy("springSecurityFilterChain", ctx)).build();
            return new App(ctx, mvc);
        }

        MockHttpServletResponse call(Map<String, String> headers) throws Exception {
            // MockMvc leaves the port of a URL without one at 80 (so the request URL would be
            // https://prefs.example.org:80/api/prefs); a servlet container serving https on 443 reports 443.
            MockHttpServletRequestBuilder request = get(URI.create(RESOURCE)).with(r -> {
                r.setServerPort(443);
                return r;
            });
            headers.forEach((name, value) -> request.header(name, value));
            return mvc.perform(request).andReturn().getResponse();
        }

        @Override
        public void close() {
            context.close();
        }
    }

    /** A DPoP-bound access token from the server (RFC 9449 §5), for a client registered with the defaults. */
    private static String dpopToken(TestServer s, Flow.Client c, DefaultDPoPProofFactory proofs) throws Exception {
        Http.Response r = s.http.exchange("POST", "/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                Map.of("Authorization", Http.basic(c.id(), c.secret()), "DPoP", proofs.createDPoPJWT("POST", URI.create(s.issuer + "/token")).serialize()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json()).containsEntry("token_type", "DPoP");
        return r.str("access_token");
    }

    @Test
    void aStockResourceServerAcceptsADpopBoundTokenOnlyWithAProofOfItsKeyForThisRequest() throws Exception {
        TestServer s = TestServer.shared(backend);
        Flow.Client c = Flow.register(s);
        ECKey key = new ECKeyGenerator(Curve.P_256).generate();
        DefaultDPoPProofFactory proofs = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
        String token = dpopToken(s, c, proofs);

        try (App app = App.start(ResourceServerConfig.class, s.issuer)) {
            // A proof for this request (htm GET, htu the resource URL, ath the token's hash): 200.
            String proof = proofs.createDPoPJWT("GET", URI.create(RESOURCE), new DPoPAccessToken(token)).serialize();
            MockHttpServletResponse ok = app.call(Map.of("Authorization", "DPoP " + token, "DPoP", proof));
            assertThat(ok.getStatus()).as("%s", ok.getHeader("WWW-Authenticate")).isEqualTo(200);
            assertThat(ok.getContentAsString()).isEqualTo("prefs of " + c.id());
            // The same proof again (same jti, RFC 9449 §11.1): refused, Spring remembers the jti in memory.
            assertThat(app.call(Map.of("Authorization", "DPoP " + token, "DPoP", proof)).getStatus()).isEqualTo(401);

            // The same token as a Bearer token (RFC 9449 §7.2): 401.
            MockHttpServletResponse asBearer = app.call(Map.of("Authorization", "Bearer " + token));
            assertThat(asBearer.getStatus()).isEqualTo(401);
            assertThat(asBearer.getContentAsString()).isEmpty();

            // A proof signed by another key (cnf.jkt does not match): 401 with a DPoP challenge.
            ECKey other = new ECKeyGenerator(Curve.P_256).generate();
            MockHttpServletResponse wrongKey = app.call(Map.of("Authorization", "DPoP " + token,
                    "DPoP", new DefaultDPoPProofFactory(other, JWSAlgorithm.ES256).createDPoPJWT("GET", URI.create(RESOURCE), new DPoPAccessToken(token)).serialize()));
            assertThat(wrongKey.getStatus()).isEqualTo(401);
            assertThat(wrongKey.getHeader("WWW-Authenticate")).startsWith("DPoP");

            // A proof for another URL (htu), and one for another method (htm): 401.
            MockHttpServletResponse elsewhere = app.call(Map.of("Authorization", "DPoP " + token,
                    "DPoP", proofs.createDPoPJWT("GET", URI.create("https://other.example/api/prefs"), new DPoPAccessToken(token)).serialize()));
            assertThat(elsewhere.getStatus()).isEqualTo(401);
            MockHttpServletResponse otherMethod = app.call(Map.of("Authorization", "DPoP " + token,
                    "DPoP", proofs.createDPoPJWT("POST", URI.create(RESOURCE), new DPoPAccessToken(token)).serialize()));
            assertThat(otherMethod.getStatus()).isEqualTo(401);

            // A proof without ath (not bound to this token): 401. No proof at all: 401.
            MockHttpServletResponse noAth = app.call(Map.of("Authorization", "DPoP " + token,
                    "DPoP", proofs.createDPoPJWT("GET", URI.create(RESOURCE)).serialize()));
            assertThat(noAth.getStatus()).isEqualTo(401);
            assertThat(app.call(Map.of("Authorization", "DPoP " + token)).getStatus()).isEqualTo(401);
        }
    }

    @Test
    void theSameConfigurationAcceptsAPlainBearerTokenOfAClientWithoutDpop() throws Exception {
        TestServer s = TestServer.shared(backend);
        Flow.Client c = Flow.register(s);
        Http.Response r = s.http.exchange("POST", "/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                Map.of("Authorization", Http.basic(c.id(), c.secret())));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json()).containsEntry("token_type", "Bearer");
        String token = r.str("access_token");

        try (App app = App.start(ResourceServerConfig.class, s.issuer)) {
            MockHttpServletResponse ok = app.call(Map.of("Authorization", "Bearer " + token));
            assertThat(ok.getStatus()).as("%s", ok.getHeader("WWW-Authenticate")).isEqualTo(200);
            assertThat(ok.getContentAsString()).isEqualTo("prefs of " + c.id());
            // No token at all: 401.
            assertThat(app.call(Map.of()).getStatus()).isEqualTo(401);
        }
    }

    @Test
    void withoutDPoPConfiguredADpopRequestIsRefused() throws Exception {
        TestServer s = TestServer.shared(backend);
        Flow.Client c = Flow.register(s);
        DefaultDPoPProofFactory proofs = new DefaultDPoPProofFactory(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256);
        String token = dpopToken(s, c, proofs);

        try (App app = App.start(BearerOnlyConfig.class, s.issuer)) {
            MockHttpServletResponse dpop = app.call(Map.of("Authorization", "DPoP " + token,
                    "DPoP", proofs.createDPoPJWT("GET", URI.create(RESOURCE), new DPoPAccessToken(token)).serialize()));
            assertThat(dpop.getStatus()).isEqualTo(401);
            assertThat(app.call(Map.of("Authorization", "Bearer " + token)).getStatus()).isEqualTo(401);
        }
    }
}
