package org.gatehouse.interop;

import java.util.List;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoders;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * The JWT decoder a Spring Security resource server builds from {@code issuer-uri}, configured for
 * RFC 9068 access tokens. What had to be configured, and why:
 * <ul>
 * <li>Spring discovers the metadata from the issuer by trying {@code /.well-known/openid-configuration}
 *     first; it moves on to RFC 8414's {@code /.well-known/oauth-authorization-server} only after a 4xx
 *     answer, so the server must answer 404 there (checked separately).</li>
 * <li>Spring Security 7's default validators ({@code JwtValidators.createDefault*}) include
 *     {@code JwtTypeValidator.jwt()}, which accepts only {@code typ: JWT} (or none) and so rejects every
 *     RFC 9068 token ({@code typ: at+jwt}, §2.1). {@code createDefaultWithValidators} adds that default
 *     type validator only when the list has no {@code JwtTypeValidator}: passing
 *     {@code new JwtTypeValidator("at+jwt", "application/at+jwt")} replaces it. In a Spring Boot 4
 *     application the same is one {@code JwtTypeValidator} bean; Boot 3.5 (Security 6.5) additionally
 *     needs {@code validateType(false)} on the decoder builder, because there Nimbus itself checks typ.</li>
 * <li>An API with its own audience (RFC 8707 resource, RFC 9068 §4: the resource server checks that
 *     {@code aud} contains its own identifier) adds the validator Spring Boot builds from
 *     {@code spring.security.oauth2.resourceserver.jwt.audiences}: a {@link JwtClaimValidator} on
 *     {@code aud} that wants at least one of the configured audiences. A token for another API, or one
 *     with the default audience (the issuer), then fails with {@code invalid_token}.</li>
 * </ul>
 */
final class SpringResourceServer {
    private SpringResourceServer() {
    }

    /** The decoder with RFC 9068's typ accepted, plus Spring's default timestamp and issuer validation. */
    static NimbusJwtDecoder decoder(String issuer) {
        NimbusJwtDecoder decoder = JwtDecoders.fromIssuerLocation(issuer);
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(
                new JwtIssuerValidator(issuer),
                new JwtTypeValidator("at+jwt", "application/at+jwt")));
        return decoder;
    }

    /**
     * The decoder of an API whose audience is {@code audience} (docs/protocol.md §13a): {@link #decoder}
     * plus the audience validator, what {@code audiences: <audience>} configures in Spring Boot.
     */
    static NimbusJwtDecoder decoder(String issuer, String audience) {
        NimbusJwtDecoder decoder = JwtDecoders.fromIssuerLocation(issuer);
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(
                new JwtIssuerValidator(issuer),
                new JwtTypeValidator("at+jwt", "application/at+jwt"),
                new JwtClaimValidator<List<String>>(JwtClaimNames.AUD, aud -> aud != null && aud.contains(audience))));
        return decoder;
    }

    /** The decoder exactly as {@code JwtDecoders.fromIssuerLocation} returns it, with no configuration. */
    static NimbusJwtDecoder stockDecoder(String issuer) {
        return JwtDecoders.fromIssuerLocation(issuer);
    }
}
