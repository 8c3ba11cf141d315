package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 3: when the server has rotated but the rotated credentials cannot replace the store
 * (the failure is made real in the file system: the credentials file's place is taken by a
 * directory the rename cannot replace), they are kept in memory and in the pending file, and the
 * next start finishes the rotation.
 */
class RotationRecoveryTest {
    @TempDir
    Path tmp;

    @Test
    void rotatedCredentialsThatCannotBeSavedAreKeptAndRecoveredOnTheNextStart() throws Exception {
        TestServer s = TestServer.shared(Backend.H2);
        ControlledTransport http = new ControlledTransport();
        Path store = tmp.resolve("store");
        List<String> events = new ArrayList<>();
        GatehouseClient gh = Fixtures.client(store).transport(http).listener(new ClientListener() {
            @Override
            public void rotationNotSaved(Credentials now, CredentialStoreException why) {
                events.add("not saved");
            }

            @Override
            public void rotationRecovered(Credentials now) {
                events.add("recovered");
            }
        }).build();
        Credentials before = gh.enrol(Fixtures.tokenFile(s, tmp, 1, null)).credentials();
        Path file = store.resolve(CredentialStore.FILE);
        http.before(r -> {
            if (r.method().equals("PUT")) blockWithDirectory(file);
        });

        assertThatThrownBy(gh::rotateSecret).isInstanceOf(CredentialStoreException.class)
                .hasMessageContaining("are kept in").hasMessageContaining("moved into place on the next start");
        assertThat(events).containsExactly("not saved");
        Path pending = store.resolve(CredentialStore.PENDING_FILE);
        assertThat(pending).exists();
        // this process goes on with the new credentials (the server has no others now)
        Credentials inMemory = gh.credentials();
        assertThat(inMemory.clientSecret()).isNotEqualTo(before.clientSecret());
        assertThat(gh.tokenSource().accessToken()).isNotEmpty();

        // the obstacle goes; the next start finds the pending rotation and finishes it
        unblock(file);
        Files.writeString(file, "{}"); // whatever is there now is replaced by the pending credentials
        GatehouseClient next = Fixtures.client(store).listener(new ClientListener() {
            @Override
            public void rotationRecovered(Credentials now) {
                events.add("recovered");
            }
        }).build();
        assertThat(next.credentials()).isEqualTo(inMemory);
        assertThat(events).containsExactly("not saved", "recovered");
        assertThat(pending).doesNotExist();
        assertThat(next.tokenSource().accessToken()).isNotEmpty();
        assertThat(next.status(true).serverState()).isEqualTo(GatehouseClient.ServerState.ACTIVE);
    }

    /**
     * Review of issue 15: while the last rotation's credentials are still unsaved (their only copy on
     * disk is the pending file), a second rotation is refused before the server is asked and the
     * pending file is left alone; without that the second rotation replaced the pending file and,
     * when its request failed, deleted it, so a crash lost the registration.
     */
    @Test
    void aSecondRotationWhileTheLastOnesCredentialsAreUnsavedIsRefusedAndKeepsThePendingFile() throws Exception {
        ControlledTransport http = new ControlledTransport();
        Path store = tmp.resolve("store");
        GatehouseClient gh = enrolled(store, http);
        Path file = store.resolve(CredentialStore.FILE);
        http.before(r -> {
            if (r.method().equals("PUT")) blockWithDirectory(file);
        });
        assertThatThrownBy(gh::rotateSecret).isInstanceOf(CredentialStoreException.class).hasMessageContaining("are kept in");
        Path pending = store.resolve(CredentialStore.PENDING_FILE);
        String rotated = Files.readString(pending);
        Credentials inMemory = gh.credentials();

        AtomicInteger asked = new AtomicInteger();
        http.before(r -> {
            if (r.method().equals("PUT")) asked.incrementAndGet();
        });
        http.down(true); // were the server asked, the request would fail and the rotation be abandoned
        assertThatThrownBy(gh::rotateSecret).isInstanceOf(CredentialStoreException.class)
                .hasMessageContaining("not rotating").hasMessageContaining("not saved").hasMessageContaining("the server was not asked");
        assertThat(asked).hasValue(0);
        assertThat(Files.readString(pending)).isEqualTo(rotated);
        // the store refuses by itself too: a pending file with rotated credentials is never replaced
        try (AutoCloseable locked = gh.store().lock()) {
            assertThatThrownBy(() -> gh.store().beginRotation(inMemory)).isInstanceOf(CredentialStoreException.class)
                    .hasMessageContaining("not rotating").hasMessageContaining("earlier rotation");
        }
        assertThat(Files.readString(pending)).isEqualTo(rotated);
        http.down(false);

        // the process ends here (a crash); the obstacle goes, and the next start has the rotated credentials
        unblock(file);
        GatehouseClient next = Fixtures.client(store).build();
        assertThat(next.credentials()).isEqualTo(inMemory);
        assertThat(pending).doesNotExist();
        assertThat(next.tokenSource().accessToken()).isNotEmpty();
        assertThat(next.status(true).serverState()).isEqualTo(GatehouseClient.ServerState.ACTIVE);
    }

    @Test
    void aRotationThatNeverGotTheServersAnswerLeavesTheStoredCredentials() throws Exception {
        ControlledTransport http = new ControlledTransport();
        Path store = tmp.resolve("store");
        GatehouseClient gh = enrolled(store, http);
        Credentials before = gh.credentials();
        http.down(true);
        assertThatThrownBy(gh::rotateSecret).isInstanceOf(ServerUnavailableException.class);
        assertThat(store.resolve(CredentialStore.PENDING_FILE)).doesNotExist();
        http.down(false);
        assertThat(gh.credentials()).isEqualTo(before);
        assertThat(gh.tokenSource().accessToken()).isNotEmpty();
    }

    @Test
    void aPendingFileCutShortByACrashIsKeptAsideAndTheStoredCredentialsAreUsed() throws Exception {
        TestServer s = TestServer.shared(Backend.H2);
        Path store = tmp.resolve("store");
        GatehouseClient gh = Fixtures.client(store).build();
        Credentials before = gh.enrol(Fixtures.tokenFile(s, tmp, 1, null)).credentials();
        Path pending = store.resolve(CredentialStore.PENDING_FILE);
        String full = Files.readString(store.resolve(CredentialStore.FILE));
        Files.writeString(pending, full.substring(0, full.length() / 2)); // a crash in the middle of writing it
        Files.setPosixFilePermissions(pending, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        assertThat(Fixtures.client(store).build().credentials()).isEqualTo(before);
        assertThat(pending).doesNotExist();
        assertThat(store.resolve(CredentialStore.PENDING_FILE + ".corrupt")).exists(); // never deleted
    }

    /** A client of the shared H2 server, enrolled in {@code store}, whose requests go through {@code http}. */
    private GatehouseClient enrolled(Path store, ControlledTransport http) {
        GatehouseClient gh = Fixtures.client(store).transport(http).build();
        gh.enrol(Fixtures.tokenFile(TestServer.shared(Backend.H2), tmp, 1, null));
        return gh;
    }

    private static void blockWithDirectory(Path file) {
        try {
            Files.delete(file);
            Files.createDirectories(file.resolve("obstacle"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void unblock(Path file) throws IOException {
        Files.delete(file.resolve("obstacle"));
        Files.delete(file);
    }
}
