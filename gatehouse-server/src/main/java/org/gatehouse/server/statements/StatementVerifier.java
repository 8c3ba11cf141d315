package org.gatehouse.server.statements;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.gatehouse.server.crypto.Ed25519Jws;
import org.gatehouse.server.domain.PublisherRecord;
import org.gatehouse.server.text.Text;

/**
 * Verifies a software statement (RFC 7591 §2.3): a JWS in compact form, signed with ES256, EdDSA
 * or RS256 by a key of the publisher named in {@code iss}, issued in the past, not expired, and
 * naming the software it speaks for ({@code software_id}). Every failure is
 * {@code invalid_software_statement}, except an issuer this server does not know, which is
 * {@code unapproved_software_statement}.
 */
public final class StatementVerifier {
    /** Algorithms accepted; "none" and HMAC never (RFC 7591 §2.3: "digitally signed or MACed" — a MAC key would be shared with us). */
    public static final Set<JWSAlgorithm> ALGS = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.EdDSA, JWSAlgorithm.RS256);
    public static final int MAX_CHARS = 8000;
    public static final Duration SKEW = Duration.ofSeconds(60);

    /** A statement that verified, with its claims (JSON types: String, Long, List, Map). */
    public record Verified(String jws, PublisherRecord publisher, Map<String, Object> claims, String softwareId) {
    }

    private final Function<String, Optional<PublisherRecord>> publishers;
    private final PublisherKeys keys;

    public StatementVerifier(Function<String, Optional<PublisherRecord>> publishers, PublisherKeys keys) {
        this.publishers = publishers;
        this.keys = keys;
    }

    public Verified verify(Object value, long now) {
        SignedJWT jwt = parse(value);
        JWSHeader header = jwt.getHeader();
        if (!ALGS.contains(header.getAlgorithm())) {
            throw StatementErrors.invalid("software_statement alg " + header.getAlgorithm() + " is not accepted (ES256, EdDSA or RS256)");
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw StatementErrors.invalid("software_statement has critical header parameters this server does not understand");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw StatementErrors.invalid("software_statement claims are not a valid JWT claims set");
        }
        String iss = claims.getIssuer();
        if (iss == null || iss.isBlank()) throw StatementErrors.invalid("software_statement has no iss (RFC 7591 §2.3: it MUST contain iss)");
        PublisherRecord publisher = publishers.apply(iss).orElseThrow(() ->
                StatementErrors.unapproved("software_statement issuer '" + Text.printable(iss) + "' is not a publisher this server knows"));
        checkSignature(jwt, publisher);
        checkTimes(claims, publisher, now);
        Object softwareId = claims.getClaim("software_id");
        if (!(softwareId instanceof String) || ((String) softwareId).isBlank()) {
            throw StatementErrors.invalid("software_statement has no software_id: a statement must name the software it speaks for");
        }
        if (claims.getClaim("installation_id") != null) {
            throw StatementErrors.invalid("software_statement must not contain installation_id: it names one machine, a statement all copies of the software");
        }
        return new Verified(jwt.serialize(), publisher, claims.toJSONObject(), (String) softwareId);
    }

    private static SignedJWT parse(Object value) {
        if (!(value instanceof String)) throw StatementErrors.invalid("software_statement must be a string (a JWS in compact serialization)");
        String s = ((String) value).strip();
        if (s.length() > MAX_CHARS) throw StatementErrors.invalid("software_statement is longer than " + MAX_CHARS + " characters");
        JWT jwt;
        try {
            jwt = JWTParser.parse(s);
        } catch (ParseException e) {
            throw StatementErrors.invalid("software_statement is not a JWT in compact serialization");
        }
        if (jwt instanceof PlainJWT) throw StatementErrors.invalid("software_statement is unsigned (alg none): it must be signed by its publisher");
        if (!(jwt instanceof SignedJWT)) throw StatementErrors.invalid("software_statement must be signed (JWS), not encrypted");
        return (SignedJWT) jwt;
    }

    private void checkSignature(SignedJWT jwt, PublisherRecord publisher) {
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        String kid = jwt.getHeader().getKeyID();
        JWKSet set = keys.keys(publisher);
        List<JWK> candidates = candidates(set, kid, alg);
        if (candidates.isEmpty() && kid != null) {
            // Publisher key rotation: a key id we have not seen may be in a fresher JWKS.
            Optional<JWKSet> fresh = keys.refreshed(publisher);
            if (fresh.isPresent()) candidates = candidates(fresh.get(), kid, alg);
        }
        for (JWK k : candidates) {
            if (verifies(jwt, k, alg)) return;
        }
        throw StatementErrors.invalid("software_statement signature does not verify with "
                + (kid == null ? "any key" : "a key '" + Text.printable(kid) + "'") + " of publisher " + publisher.name());
    }

    private static List<JWK> candidates(JWKSet set, String kid, JWSAlgorithm alg) {
        return set.getKeys().stream()
                .filter(k -> kid == null || kid.equals(k.getKeyID()))
                .filter(k -> k.getAlgorithm() == null || k.getAlgorithm().equals(alg))
                .toList();
    }

    private static boolean verifies(SignedJWT jwt, JWK k, JWSAlgorithm alg) {
        try {
            JWSVerifier v;
            if (JWSAlgorithm.ES256.equals(alg) && k instanceof ECKey) v = new ECDSAVerifier((ECKey) k);
            else if (JWSAlgorithm.RS256.equals(alg) && k instanceof RSAKey) v = new RSASSAVerifier((RSAKey) k);
            else if (JWSAlgorithm.EdDSA.equals(alg) && k instanceof OctetKeyPair) v = Ed25519Jws.verifier(((OctetKeyPair) k).getDecodedX());
            else return false;
            return jwt.verify(v);
        } catch (JOSEException | RuntimeException e) {
            return false;
        }
    }

    private static void checkTimes(JWTClaimsSet claims, PublisherRecord publisher, long now) {
        Date iat = claims.getIssueTime();
        if (iat == null) throw StatementErrors.invalid("software_statement has no iat (issued at)");
        if (iat.getTime() > now + SKEW.toMillis()) throw StatementErrors.invalid("software_statement iat is in the future");
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.getTime() > now + SKEW.toMillis()) throw StatementErrors.invalid("software_statement is not valid yet (nbf)");
        Date exp = claims.getExpirationTime();
        if (exp != null && exp.getTime() <= now - SKEW.toMillis()) throw StatementErrors.invalid("software_statement has expired (exp)");
        if (publisher.maxAgeSeconds() != null && now - iat.getTime() > publisher.maxAgeSeconds() * 1000 + SKEW.toMillis()) {
            throw StatementErrors.invalid("software_statement is older than publisher " + publisher.name()
                    + " allows (" + publisher.maxAgeSeconds() + " s): the software needs a newer statement");
        }
    }
}
