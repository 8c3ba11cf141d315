package org.gatehouse.server.statements;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.testing.TestServer;

/** Test helpers: publishers with fresh keys, statements, tokens that require them. */
final class Statements {
    private Statements() {
    }

    /** A publisher known to the server, with its private key. */
    record Publisher(String name, JWK key) {
        String sign(String softwareId, String version, Map<String, Object> more) {
            return sign(Instant.now(), null, softwareId, version, more);
        }

        String sign(Instant iat, Instant exp, String softwareId, String version, Map<String, Object> more) {
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("software_id", softwareId);
            claims.put("software_version", version);
            if (more != null) claims.putAll(more);
            return StatementKeys.sign(key, name, iat, exp, claims);
        }
    }

    static JWK key(String alg) {
        return org.gatehouse.server.keys.SigningKeys.generate(alg, alg.toLowerCase() + "-" + Secrets.randomId(4));
    }

    static String jwks(JWK... keys) {
        return new JWKSet(List.of(keys)).toPublicJWKSet().toString(true);
    }

    static Publisher publisher(TestServer s, String alg) {
        JWK k = key(alg);
        String name = "org.example." + Secrets.randomId(6);
        s.gatehouse().publishers.add(name, jwks(k), null, null, Actor.cli());
        return new Publisher(name, k);
    }

    /** A token that requires a statement from one of the publishers (and optionally these software ids). */
    static String tokenRequiring(TestServer s, List<String> softwareIds, String scope, String... publishers) {
        IatService.Spec spec = new IatService.Spec("statements", 10, Duration.ofDays(1), scope, softwareIds, null, null, null);
        return s.gatehouse().iats.create(spec, Actor.cli(), s.gatehouse().statements.requirement(List.of(publishers))).token();
    }

    static String body(String statement, String more) {
        StringBuilder b = new StringBuilder("{\"installation_id\":\"" + Secrets.randomId(32) + "\"");
        if (statement != null) b.append(",\"software_statement\":\"").append(statement).append('"');
        if (more != null) b.append(',').append(more);
        return b.append('}').toString();
    }

    static String unsigned(String issuer, String softwareId) {
        Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
        String header = e.encodeToString("{\"alg\":\"none\"}".getBytes());
        String payload = e.encodeToString(("{\"iss\":\"" + issuer + "\",\"iat\":" + Instant.now().getEpochSecond()
                + ",\"software_id\":\"" + softwareId + "\"}").getBytes());
        return header + "." + payload + ".";
    }

    static String hmac(String issuer, String softwareId) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().issuer(issuer)
                .issueTime(new java.util.Date()).claim("software_id", softwareId).build());
        jwt.sign(new MACSigner(new byte[32]));
        return jwt.serialize();
    }
}
