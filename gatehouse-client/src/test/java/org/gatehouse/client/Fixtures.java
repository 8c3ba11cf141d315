package org.gatehouse.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.testing.TestServer;

/** Token files and server-side actions for tests, through the real server's own classes. */
final class Fixtures {
    static final String MACHINE_ID = "4c4c4544005a3510804bb4c04f4e4d33";

    private Fixtures() {
    }

    /** A token file as `gatehouse iat create --output` writes it. */
    static Path tokenFile(TestServer s, Path dir, int max, String scope) {
        IatService.Created created = s.iat(max, scope);
        Path f = dir.resolve("gatehouse-token-" + created.record().id() + ".json");
        try {
            org.gatehouse.server.iat.TokenFile.write(f, org.gatehouse.server.iat.TokenFile.content(created, s.issuer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    static GatehouseClient.Builder client(Path store) {
        return GatehouseClient.builder(store).software("org.example.testapp", "1.2.3").clientName("Test app")
                .machineIdSource(MachineIds.fixed(MACHINE_ID));
    }

    /** Revokes the client on the server, as an issuer revoking an installation would. */
    /** Revokes the client's installation through the running server's own service (as the portal, API or CLI would). */
    static void revokeOnServer(TestServer s, String clientId) {
        boolean done = s.gatehouse().installations.revokeCredential(clientId, "revoked by test", org.gatehouse.server.audit.Actor.cli());
        if (!done) throw new IllegalStateException("client " + clientId + " was not revoked");
    }

    /** An access token of a new installation enrolled with {@code s} (its store in a new directory under {@code dir}). */
    static String accessToken(TestServer s, Path dir) {
        GatehouseClient gh = client(dir.resolve("store-" + System.nanoTime())).build();
        gh.enrol(tokenFile(s, dir, 1, null));
        return gh.tokenSource().accessToken();
    }

    static Map<String, Object> introspect(TestServer s, Credentials c, String token) {
        return s.http.postForm("/introspect", c.clientId(), c.clientSecret(), Map.of("token", token)).json();
    }
}
