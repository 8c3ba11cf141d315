package org.gatehouse.server.statements;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.Locale;
import java.util.Map;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.keys.SigningKeys;

/**
 * The publisher's side, used at build time: a signing key pair (private JWK file, owner-readable
 * only, and its public JWKS beside it for the server's admin) and statements signed with it.
 */
public final class StatementKeys {
    public static final String PUBLIC_SUFFIX = ".jwks.json";
    private static final DateTimeFormatter KID_DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    private StatementKeys() {
    }

    /** Where the public JWKS of a private key file goes. */
    public static Path publicFile(Path privateFile) {
        return privateFile.resolveSibling(privateFile.getFileName() + PUBLIC_SUFFIX);
    }

    /** Creates a key pair; refuses to overwrite either file. Returns the key id. */
    public static String keygen(Path out, String alg) throws IOException {
        String kid = alg.toLowerCase(Locale.ROOT) + "-" + KID_DATE.format(Instant.now()) + "-" + Secrets.randomId(6);
        JWK key = SigningKeys.generate(alg, kid);
        Path pub = publicFile(out);
        if (Files.exists(pub)) throw new FileAlreadyExistsException(pub + " exists already");
        writeOwnerOnly(out, key.toJSONString());
        Files.writeString(pub, new JWKSet(key.toPublicJWK()).toString(true) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE_NEW);
        return kid;
    }

    /** Reads a private key file written by {@link #keygen}. */
    public static JWK readPrivate(Path file) throws IOException {
        try {
            JWK k = JWK.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (!k.isPrivate()) throw InvalidInput.of("key", file + " holds a public key: signing needs the private key file");
            return k;
        } catch (ParseException e) {
            throw InvalidInput.of("key", file + " is not a JWK (a private key file from 'gatehouse statement keygen')");
        }
    }

    /** Signs a statement: iss, iat, optional exp, and the given client metadata claims. */
    public static String sign(JWK key, String issuer, Instant now, Instant expires, Map<String, Object> metadata) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer).issueTime(Date.from(now));
        if (expires != null) claims.expirationTime(Date.from(expires));
        metadata.forEach((k, v) -> {
            if (v != null) claims.claim(k, v);
        });
        try {
            JWSAlgorithm alg = algorithmOf(key);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), claims.build());
            jwt.sign(SigningKeys.signer(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with key " + key.getKeyID() + ": " + e.getMessage(), e);
        }
    }

    private static JWSAlgorithm algorithmOf(JWK key) {
        if (key instanceof ECKey) return JWSAlgorithm.ES256;
        if (key instanceof RSAKey) return JWSAlgorithm.RS256;
        if (key instanceof OctetKeyPair) return JWSAlgorithm.EdDSA;
        throw InvalidInput.of("key", "unsupported key type " + key.getKeyType() + ": use a key file from 'gatehouse statement keygen'");
    }

    /** Creates the file readable by its owner only (0600 where POSIX permissions exist); never overwrites. */
    private static void writeOwnerOnly(Path file, String text) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
    }
}
