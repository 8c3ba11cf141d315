package org.gatehouse.bench.jmh;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Date;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.crypto.JwsCrypto;
import org.gatehouse.server.store.ReplayJournal;
import org.gatehouse.server.tokens.ClientAssertions;
import org.gatehouse.server.tokens.ClientKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 17 Must 8, piece by piece: what a private_key_jwt grant does beyond a secret grant — one ES256 signature
 * verification by the native verifier the server uses for client keys, the whole RFC 7523 check as the server does
 * it (parse, header and claim checks, that verification), and the replay check of the embedded database (SHA-256 of
 * the id and one journal append).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AssertionBench {
    private static final String ISSUER = "https://login.gatehouse.test";
    private static final String CLIENT = "client-bench-0123456789";

    private ECKey ec;
    private JWSVerifier verifier;
    private JWSHeader header;
    private byte[] signingInput;
    private Base64URL signature;
    private String assertion;
    private ClientKeys keys;
    private ClientAssertions assertions;
    private ReplayJournal journal;
    private Path dir;
    private long counter;
    private long fakeNow = System.currentTimeMillis();
    private MessageDigest sha;

    /** Made at the start of each iteration: an assertion lives 60 s (+ 60 s skew), as a client's does; a run is longer. */
    @Setup(Level.Iteration)
    public void freshAssertion() throws Exception {
        SignedJWT jwt = signedAssertion();
        assertion = jwt.serialize();
    }

    /** A client assertion (RFC 7523 §3) as a client makes it: 60 s lifetime, a fresh jti. */
    private SignedJWT signedAssertion() throws Exception {
        long now = System.currentTimeMillis();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(CLIENT).subject(CLIENT).audience(ISSUER)
                .issueTime(new Date(now)).expirationTime(new Date(now + 60_000L)).jwtID(UUID.randomUUID().toString()).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(), claims);
        jwt.sign(new ECDSASigner(ec));
        return jwt;
    }

    @Setup(Level.Trial)
    public void setup() throws Exception {
        ec = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        JwsCrypto crypto = JwsCrypto.select("native");
        SignedJWT jwt = signedAssertion();
        assertion = jwt.serialize();
        header = jwt.getHeader();
        signingInput = jwt.getSigningInput();
        signature = jwt.getSignature();
        keys = ClientKeys.of(new JWKSet(ec.toPublicJWK()).toString(), crypto);
        verifier = keys.select("k1").verifier();
        assertions = new ClientAssertions(ISSUER);
        dir = Files.createTempDirectory("assertion-bench");
        // A clock that moves 1 ms per check: generations come and go (with their files) as in a long run, memory stays bounded.
        journal = ReplayJournal.open(ReplayJournal.lock(dir.resolve("replays")), () -> fakeNow++);
        sha = MessageDigest.getInstance("SHA-256");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        journal.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One ES256 verification, nothing else: the budget's unit. */
    @Benchmark
    public boolean es256VerifyOnly() throws Exception {
        return verifier.verify(header, signingInput, signature);
    }

    /** RFC 7523 §3 as the server checks an assertion: parse, header and claim checks, the verification. */
    @Benchmark
    public Object assertionParseAndVerify() throws Exception {
        ClientAssertions.Parsed p = ClientAssertions.parse(assertion);
        return assertions.verify(p, CLIENT, keys, null, System.currentTimeMillis());
    }

    /** The embedded database's replay check: the id's SHA-256 and one journal append (a new id each time). */
    @Benchmark
    public Object replayJournalCheck() {
        sha.reset();
        sha.update(CLIENT.getBytes(StandardCharsets.UTF_8));
        sha.update(Long.toString(counter++).getBytes(StandardCharsets.UTF_8));
        return journal.firstUse(sha.digest(), fakeNow + 60_000);
    }
}
