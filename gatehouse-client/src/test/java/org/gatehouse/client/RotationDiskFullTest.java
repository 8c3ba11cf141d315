package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gatehouse.client.cli.Main;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 3: a secret rotation never loses the registration. The store lives on a small
 * tmpfs that the test fills (it needs root to mount; without it the test is skipped, and the
 * rename failure test below needs no mount). Against a real server.
 */
class RotationDiskFullTest {
    @TempDir
    Path tmp;
    private Path mnt;
    private Path filler;

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        mnt = Files.createDirectories(tmp.resolve("mnt"));
        int code = command("mount", "-t", "tmpfs", "-o", "size=256k,mode=700", "tmpfs", mnt.toString());
        assumeTrue(code == 0, "mounting a tmpfs is not permitted here");
        filler = mnt.resolve("filler");
    }

    @AfterEach
    void unmount() throws Exception {
        if (filler != null) command("umount", mnt.toString());
    }

    @Test
    void aFullDiskStopsTheRotationBeforeTheServerIsAsked() throws Exception {
        TestServer s = TestServer.shared(Backend.H2);
        ControlledTransport http = new ControlledTransport();
        Path store = mnt.resolve("store");
        GatehouseClient gh = Fixtures.client(store).transport(http).build();
        Credentials before = gh.enrol(Fixtures.tokenFile(s, tmp, 1, null)).credentials();
        fillDisk();

        assertThatThrownBy(gh::rotateSecret).isInstanceOf(CredentialStoreException.class)
                .hasMessageContaining("not rotating").hasMessageContaining("No space left on device")
                .hasMessageContaining("the server was not asked");
        assertThat(http.count("PUT /register")).isZero();
        // the CLI says the same with exit code 4, and the server was still not asked
        assertThat(cli(store, "rotate")).startsWith("4 ");
        assertThat(http.count("PUT /register")).isZero();
        assertThat(gh.store().load()).isEqualTo(before);
        assertThat(Files.exists(store.resolve(CredentialStore.PENDING_FILE))).isFalse();
        assertThat(gh.tokenSource().accessToken()).isNotEmpty(); // the registration works on

        Files.delete(filler); // space is back
        Credentials after = gh.rotateSecret();
        assertThat(after.clientSecret()).isNotEqualTo(before.clientSecret());
        assertThat(cli(store, "token")).startsWith("0 ");
    }

    @Test
    void aDiskThatFillsUpWhileTheServerRotatesLosesNothing() {
        TestServer s = TestServer.shared(Backend.H2);
        ControlledTransport http = new ControlledTransport();
        Path store = mnt.resolve("store");
        GatehouseClient gh = Fixtures.client(store).transport(http).build();
        Credentials before = gh.enrol(Fixtures.tokenFile(s, tmp, 1, null)).credentials();
        http.before(r -> {
            if (r.method().equals("PUT")) fillDisk(); // another program fills the disk at the worst moment
        });

        Credentials after = gh.rotateSecret();
        assertThat(after.clientSecret()).isNotEqualTo(before.clientSecret());
        assertThat(gh.store().load()).isEqualTo(after);
        assertThat(Files.exists(store.resolve(CredentialStore.PENDING_FILE))).isFalse();
        gh.tokenSource().invalidate();
        assertThat(gh.tokenSource().accessToken()).isNotEmpty();
        assertThat(Fixtures.client(store).build().tokenSource().accessToken()).isNotEmpty(); // a fresh start too
    }

    @Test
    void tokenSourcesAutomaticRotationWaitsForSpaceAndKeepsWorking() {
        TestServer own = TestServer.start(Backend.H2, Map.of("GATEHOUSE_CLIENT_SECRET_TTL", "1h"));
        try {
            MutableClock clock = MutableClock.now();
            ControlledTransport http = new ControlledTransport();
            Path store = mnt.resolve("store");
            GatehouseClient gh = Fixtures.client(store).transport(http).clock(clock).build();
            Credentials before = gh.enrol(Fixtures.tokenFile(own, tmp, 1, null)).credentials();
            fillDisk();
            clock.advance(Duration.ofMinutes(46)); // past three quarters of the secret's hour: rotation due
            gh.tokenSource().invalidate();
            assertThat(gh.tokenSource().accessToken()).isNotEmpty(); // with the current secret, still valid
            assertThat(http.count("PUT /register")).isZero();
            assertThat(gh.store().load()).isEqualTo(before);

            Files.delete(filler);
            gh.tokenSource().invalidate();
            assertThat(gh.tokenSource().accessToken()).isNotEmpty();
            assertThat(http.count("PUT /register")).isEqualTo(1);
            assertThat(gh.store().load().clientSecret()).isNotEqualTo(before.clientSecret());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            own.close();
        }
    }

    /** Fills the tmpfs until the kernel says ENOSPC. */
    private void fillDisk() {
        byte[] chunk = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) out.write(chunk);
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left on device");
        }
    }

    /** gatehouse-enrol with this test's machine id: "exit-code message". */
    private static String cli(Path store, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--store";
        all[args.length + 1] = store.toString();
        int code = Main.run(all, new PrintWriter(out), new PrintWriter(err),
                dir -> GatehouseClient.builder(dir).machineIdSource(MachineIds.fixed(Fixtures.MACHINE_ID)), Map.of());
        return code + " " + out + err;
    }

    private static int command(String... cmd) throws Exception {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
