package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.client.cli.Main;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15 items 5 and 8: the library as a well-behaved dependency of a desktop application. */
class LibraryTest {
    @TempDir
    Path tmp;

    /**
     * Checked on the objects themselves, not by counting JVM threads (which cannot see a client that
     * started and stopped meanwhile, and sees other tests' threads): a builder's own transport has
     * made no HttpClient, and one given a transport made no JdkTransport, hence no HttpClient, at all.
     */
    @Test
    void buildersStartNoHttpClientUntilTheServerIsAskedAndCloseReleasesIt() throws Exception {
        List<AutoCloseable> built = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            GatehouseClient own = Fixtures.client(tmp.resolve("s" + i)).build();
            TokenVerifier verifier = TokenVerifier.builder("https://issuer.example").build();
            GatehouseClient custom = Fixtures.client(tmp.resolve("t" + i)).transport(r -> { throw new java.io.IOException("unused"); }).build();
            built.addAll(List.of(own, verifier, custom));
            own.tokenSource();
            custom.tokenSource("https://api.example");
            assertThat(own.ownTransport()).isNotNull();
            assertThat(own.ownTransport().started()).isFalse();
            assertThat(verifier.ownTransport()).isNotNull();
            assertThat(verifier.ownTransport().started()).isFalse();
            assertThat(custom.ownTransport()).isNull();
        }
        for (AutoCloseable c : built) c.close();

        TestServer s = TestServer.shared(Backend.H2);
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).build();
        assertThat(gh.ownTransport().started()).isFalse();
        gh.enrol(Fixtures.tokenFile(s, tmp, 1, null));
        assertThat(gh.tokenSource().accessToken()).isNotEmpty();
        assertThat(gh.ownTransport().started()).isTrue(); // made on the first request
        gh.close();
        assertThat(gh.ownTransport().started()).isFalse(); // released
        gh.tokenSource().invalidate();
        assertThatThrownBy(() -> gh.tokenSource().token()).isInstanceOf(ServerUnavailableException.class).hasMessageContaining("closed");
        assertThat(gh.ownTransport().started()).isFalse(); // and not made again
    }

    @Test
    void specificExceptionsCarryWhatTheServerSaid() {
        ServerErrorException e = new ServerErrorException("registration refused", 400, "invalid_client_metadata", "scope 'x' is not allowed");
        assertThat(e.error()).isEqualTo("invalid_client_metadata");
        assertThat(e.description()).isEqualTo("scope 'x' is not allowed");
        assertThat(Http.retryAfter("120")).hasSeconds(120);
        assertThat(Http.retryAfter("soon")).isNull();
        assertThat(Http.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isZero(); // a date in the past: now
    }

    @Test
    void aMissingMachineIdIsItsOwnErrorAndExitCode() {
        assertThatThrownBy(() -> MachineIds.linux(List.of(tmp.resolve("none"))).machineId()).isInstanceOf(MachineIdException.class);
        Path store = tmp.resolve("store");
        TestServer s = TestServer.shared(Backend.H2);
        StringWriter out = new StringWriter();
        int code = Main.run(new String[] {"enrol", "--json", "--token-file", Fixtures.tokenFile(s, tmp, 1, null).toString(), "--store", store.toString()},
                new PrintWriter(out), new PrintWriter(new StringWriter()),
                dir -> GatehouseClient.builder(dir).machineIdSource(MachineIds.linux(List.of(tmp.resolve("none")))), Map.of());
        assertThat(code).isEqualTo(9);
        assertThat(out.toString()).contains("\"error\": \"no_machine_id\"").contains("no machine id found");
    }

    @Test
    void upperCaseLinuxMachineIdsAreKeptAsTheyAre() {
        assertThat(MachineIds.parseLinux("4C4C4544005A3510804BB4C04F4E4D33\n")).isEqualTo("4C4C4544005A3510804BB4C04F4E4D33");
        assertThat(MachineIds.parseLinux("uninitialized\n")).isNull();
    }

    @Test
    void osToolsRunByAbsolutePath() {
        assertThat(MachineIds.MAC_COMMAND.get(0)).isEqualTo("/usr/sbin/ioreg");
        assertThat(MachineIds.WINDOWS_COMMAND.get(0)).matches("[A-Za-z]:\\\\.*\\\\System32\\\\reg\\.exe");
    }

    @Test
    void storeProblemsAreSaidPlainly() throws Exception {
        assertThat(CredentialStore.describe(new AccessDeniedException("/x/credentials.json"))).isEqualTo("permission denied");
        assertThat(CredentialStore.defaultDirectory(Map.of("XDG_CONFIG_HOME", "/cfg"))).isEqualTo(Path.of("/cfg", "gatehouse"));

        // an existing world-open store directory is narrowed before it is used
        Path dir = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        TestServer s = TestServer.shared(Backend.H2);
        Fixtures.client(dir).build().enrol(Fixtures.tokenFile(s, tmp, 1, null));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwxr-x---");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Fixtures.client(dir).build().credentials();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwxr-x---");
    }

    @Test
    void theWaitForTheStoreLockIsInterruptible() throws Exception {
        TestServer s = TestServer.shared(Backend.H2);
        GatehouseClient gh = Fixtures.client(tmp.resolve("store")).build();
        gh.enrol(Fixtures.tokenFile(s, tmp, 1, null));
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread rotator = new Thread(() -> {
            try {
                gh.rotateSecret();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try (AutoCloseable held = gh.store().lock()) { // e.g. another thread's long rotation
            rotator.start();
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                while (rotator.getState() != Thread.State.WAITING) Thread.onSpinWait();
            }).get(60, java.util.concurrent.TimeUnit.SECONDS);
            rotator.interrupt();
            rotator.join(60_000);
            assertThat(rotator.isAlive()).isFalse();
        }
        assertThat(failure.get()).isInstanceOf(CredentialStoreException.class).hasMessageContaining("interrupted");
    }
}
