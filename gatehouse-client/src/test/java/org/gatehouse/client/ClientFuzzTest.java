package org.gatehouse.client;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.AfterAll;

/**
 * Issue 8 §3: Jazzer fuzz targets for what the client library parses from outside: token files,
 * the credential store, and JWTs given to {@link TokenVerifier}. Each may refuse its input only with
 * its documented exception; anything else (NullPointerException, ClassCastException, ...) fails.
 * Regression inputs: src/test/resources/org/gatehouse/client/ClientFuzzTestInputs/&lt;target&gt;/.
 */
class ClientFuzzTest {
    static final AtomicLong EXECUTIONS = new AtomicLong();
    private static volatile Object[] verifier; // {TokenVerifier, real token}
    private static volatile Path storeDir;

    @AfterAll
    static void report() {
        System.out.println("client fuzz executions: " + EXECUTIONS.get());
    }

    @FuzzTest(maxDuration = "20s")
    void tokenFile(FuzzedDataProvider data) {
        EXECUTIONS.incrementAndGet();
        try {
            TokenFile.parse(data.consumeRemainingAsString(), "fuzz");
        } catch (TokenFileException expected) {
            // refused with a message naming the file: fine
        }
    }

    @FuzzTest(maxDuration = "20s")
    void credentialStore(FuzzedDataProvider data) throws IOException {
        EXECUTIONS.incrementAndGet();
        Path dir = store();
        CredentialStore store = new CredentialStore(dir);
        Files.write(store.file(), data.consumeRemainingAsBytes());
        Files.setPosixFilePermissions(store.file(), PosixFilePermissions.fromString("rw-------"));
        try {
            store.load();
        } catch (CredentialStoreException expected) {
            // a corrupt store is refused, never half-used
        }
    }

    @FuzzTest(maxDuration = "20s")
    void jwt(FuzzedDataProvider data) {
        EXECUTIONS.incrementAndGet();
        Object[] v = verifier();
        TokenVerifier tv = (TokenVerifier) v[0];
        String[] real = ((String) v[1]).split("\\.");
        int mode = data.consumeInt(0, 2);
        String token = switch (mode) {
            case 0 -> data.consumeRemainingAsString();
            case 1 -> real[0] + "." + b64(data.consumeBytes(2000)) + "." + b64(data.consumeRemainingAsBytes());
            default -> b64(data.consumeRemainingAsBytes()) + "." + real[1] + "." + real[2];
        };
        try {
            tv.verify(token);
        } catch (InvalidTokenException expected) {
            // refused: fine
        }
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static Path store() {
        if (storeDir == null) {
            try {
                storeDir = Files.createTempDirectory("gatehouse-fuzz-store-", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return storeDir;
    }

    private static Object[] verifier() {
        if (verifier == null) {
            TestServer s = TestServer.shared(Backend.H2);
            var c = s.http.postJson("/register", s.iatToken(1), "{}");
            String token = s.http.postForm("/token", c.str("client_id"), c.str("client_secret"),
                    Map.of("grant_type", "client_credentials")).str("access_token");
            verifier = new Object[] {TokenVerifier.builder(s.issuer).build(), token};
        }
        return verifier;
    }
}
