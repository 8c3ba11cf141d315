package org.gatehouse.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.gatehouse.server.crypto.JwsCrypto;
import org.gatehouse.server.keys.SigningKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 18: the CPU time of one signature and one verification per algorithm and provider, as the server's key
 * ring does them (JwsCrypto). Measured as this thread's CPU time, not wall time, so that other work on a shared
 * machine does not inflate it (it still shares caches and cores); the best of several rounds after a warm-up.
 */
@Command(name = "sign", mixinStandardHelpOptions = true, description = "CPU time per JWS signature and verification, native provider against the JDK.")
public final class SignCommand implements Callable<Integer> {
    @Option(names = "--iterations", defaultValue = "2000", description = "Operations per round (RS256 uses a tenth).")
    int iterations;
    @Option(names = "--rounds", defaultValue = "5", description = "Measured rounds (the best is reported), after as many warm-up rounds.")
    int rounds;

    @Override
    public Integer call() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        byte[] input = ("eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NiIsImtpZCI6ImVzMjU2LTIwMjYxMjA2LWFiY2RlZmdoIn0."
                + "eyJpc3MiOiJodHRwczovL2dhdGVob3VzZS5leGFtcGxlLm9yZyIsInN1YiI6Ilh5M2tROW1WYjJMd1AwYVI3dFpjMWciLCJhdWQiOiJodHRw"
                + "czovL2dhdGVob3VzZS5leGFtcGxlLm9yZyIsImV4cCI6MTc2NTAwMDYwMCwiaWF0IjoxNzY1MDAwMDAwLCJqdGkiOiJhYmNkZWZnaGlqa2xt").getBytes(StandardCharsets.US_ASCII);
        List<JwsCrypto> providers = JwsCrypto.select("auto").isNative() ? List.of(JwsCrypto.select("native"), JwsCrypto.JDK) : List.of(JwsCrypto.JDK);
        System.out.println("load average " + java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
        for (String alg : List.of("ES256", "EdDSA", "RS256")) {
            JWK key = SigningKeys.generate(alg, "k");
            JWSHeader header = new JWSHeader(JWSAlgorithm.parse(alg));
            int n = alg.equals("RS256") ? Math.max(10, iterations / 10) : iterations;
            for (JwsCrypto p : providers) {
                JWSSigner signer = p.signer(key);
                JWSVerifier verifier = p.verifier(key.toPublicJWK());
                Base64URL sig = signer.sign(header, input);
                double bestSign = Double.MAX_VALUE;
                double bestVerify = Double.MAX_VALUE;
                for (int r = 0; r < 2 * rounds; r++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < n; i++) signer.sign(header, input);
                    long t1 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < n; i++) if (!verifier.verify(header, input, sig)) throw new IllegalStateException("does not verify");
                    long t2 = mx.getCurrentThreadCpuTime();
                    if (r >= rounds) {
                        bestSign = Math.min(bestSign, (t1 - t0) / 1e3 / n);
                        bestVerify = Math.min(bestVerify, (t2 - t1) / 1e3 / n);
                    }
                }
                System.out.printf(Locale.ROOT, "%-6s %-5s sign %8.1f us CPU   verify %8.1f us CPU%n", alg, p.name(), bestSign, bestVerify);
            }
        }
        return 0;
    }
}
