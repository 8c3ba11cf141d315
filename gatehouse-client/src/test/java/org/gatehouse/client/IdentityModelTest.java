package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.domain.InstallationRecord;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 15 items 1 and 2 through the library against a real server: two apps and two users of one
 * machine keep working side by side; the same installation enrolling again replaces its old
 * credentials, and the replaced store says "lost here"; a revoked installation says so, cannot
 * enrol, and comes back once restored; stores from before the identity model keep working.
 */
@BothBackends
class IdentityModelTest {
    @Parameter
    String backend;

    @TempDir
    Path tmp;

    /** Each test its own machine: tests share a server and an owner, and must not be one another's installation. */
    private final String machine = java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(16));

    private GatehouseClient app(String store, String softwareId) {
        return GatehouseClient.builder(tmp.resolve(store)).software(softwareId, "1.0")
                .machineIdSource(MachineIds.fixed(machine)).build();
    }

    private GatehouseClient.Builder testApp(String store) {
        return Fixtures.client(tmp.resolve(store)).machineIdSource(MachineIds.fixed(machine));
    }

    /** A fresh token from each client: both must still be accepted by the server. */
    private static void bothWork(GatehouseClient... clients) {
        for (GatehouseClient gh : clients) {
            gh.tokenSource().invalidate();
            assertThat(gh.tokenSource().accessToken()).isNotBlank();
        }
    }

    /** Registrations made with a token file (Fixtures names the file after its token's id). */
    private static int registrationsOf(TestServer s, Path tokenFile) {
        String name = tokenFile.getFileName().toString();
        String id = name.substring("gatehouse-token-".length(), name.length() - ".json".length());
        return s.gatehouse().iats.get(id).orElseThrow().registrations();
    }

    @Test
    void twoAppsOnOneMachineEnrolAndBothKeepGettingTokens() {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = Fixtures.tokenFile(s, tmp, 2, null);
        GatehouseClient a = app("a", "org.example.a");
        GatehouseClient b = app("b", "org.example.b");
        a.enrol(tokenFile);
        bothWork(a);
        b.enrol(tokenFile);
        bothWork(a, b);
        assertThat(a.credentials().installationId()).isNotEqualTo(b.credentials().installationId());
        assertThat(s.gatehouse().installations.find(a.credentials().installationId()).get(0).activeClients()).isEqualTo(1);
        assertThat(s.gatehouse().installations.find(b.credentials().installationId()).get(0).activeClients()).isEqualTo(1);
    }

    @Test
    void twoUsersOfAPerUserInstallEnrolAndBothKeepGettingTokens() {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = Fixtures.tokenFile(s, tmp, 3, null);
        GatehouseClient alice = testApp("alice").perUser("alice").build();
        GatehouseClient bob = testApp("bob").perUser("bob").build();
        alice.enrol(tokenFile);
        bob.enrol(tokenFile);
        bothWork(alice, bob);
        assertThat(alice.credentials().installationId()).isNotEqualTo(bob.credentials().installationId());
        // the user running this JVM: their store is recognised by a client built without perUser (the CLI's token command)
        GatehouseClient me = testApp("me").perUser().build();
        me.enrol(tokenFile);
        assertThat(testApp("me").build().credentials().clientId()).isEqualTo(me.credentials().clientId());
        bothWork(alice, bob, me);
    }

    @Test
    void theSameInstallationEnrollingAgainReplacesItsCredentialsAndTheOldStoreSaysLostHereThenEnrolsAgain() {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = Fixtures.tokenFile(s, tmp, 3, null);
        // one app on one machine, machine-wide: a second store of it (a copy, a reinstall elsewhere on the disk) is the same installation
        GatehouseClient first = app("first", "org.example.a");
        GatehouseClient second = app("second", "org.example.a");
        first.enrol(tokenFile);
        bothWork(first);
        second.enrol(tokenFile);
        bothWork(second);
        first.tokenSource().invalidate();
        assertThatThrownBy(() -> first.tokenSource().accessToken()).isInstanceOf(CredentialsLostException.class)
                .hasMessageContaining("replaced").hasMessageContaining("enrol again")
                .satisfies(e -> assertThat(((RegistrationRevokedException) e).credentialState()).isEqualTo("replaced"));
        GatehouseClient.Status st = first.status(true);
        assertThat(st.serverState()).isEqualTo(GatehouseClient.ServerState.CREDENTIALS_LOST);

        // enrol on the store the server no longer accepts: not "already enrolled", but enrolled again, saying why
        GatehouseClient.Enrolment e = first.enrol(tokenFile);
        assertThat(e.alreadyEnrolled()).isFalse();
        assertThat(e.replacedBecause()).contains("replaced");
        bothWork(first);
        GatehouseClient.Enrolment again = first.enrol(tokenFile);
        assertThat(again.alreadyEnrolled()).isTrue();
        assertThat(again.serverState()).isEqualTo(GatehouseClient.ServerState.ACTIVE);
    }

    /**
     * Review of issue 19: enrolling again after the credentials were replaced drops the cached tokens
     * of every source, the per-resource ones (RFC 8707) too, not only the default one; none hands out
     * a token of the dead client afterwards.
     */
    @Test
    void enrollingAgainAfterReplacementForgetsTheTokensOfEveryResourceSource() {
        TestServer s = TestServer.shared(backend);
        String resource = "https://prefs.example.org/" + machine;
        s.gatehouse().resourceServers.create("Prefs API " + machine, "client_secret_basic", resource, null, Actor.cli());
        Path tokenFile = Fixtures.tokenFile(s, tmp, 3, null);
        GatehouseClient first = app("first", "org.example.a");
        String deadClient = first.enrol(tokenFile).credentials().clientId();
        String cachedDefault = first.tokenSource().accessToken();
        String cachedForResource = first.tokenSource(resource).accessToken();
        app("second", "org.example.a").enrol(tokenFile); // the same installation: first's credentials are replaced

        GatehouseClient.Enrolment e = first.enrol(tokenFile);
        assertThat(e.replacedBecause()).contains("replaced");
        String newClient = e.credentials().clientId();
        assertThat(newClient).isNotEqualTo(deadClient);
        String forResource = first.tokenSource(resource).accessToken(); // no invalidate(): the cache must be gone
        assertThat(forResource).isNotEqualTo(cachedForResource);
        assertThat(TokenVerifier.builder(s.issuer).audience(resource).build().verify(forResource).clientId()).isEqualTo(newClient);
        String byDefault = first.tokenSource().accessToken();
        assertThat(byDefault).isNotEqualTo(cachedDefault);
        assertThat(TokenVerifier.builder(s.issuer).build().verify(byDefault).clientId()).isEqualTo(newClient);
    }

    @Test
    void aRevokedInstallationSaysSoCannotEnrolAndComesBackWhenItsIssuerRestoresIt() {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = Fixtures.tokenFile(s, tmp, 3, null);
        GatehouseClient gh = app("store", "org.example.a");
        Credentials c = gh.enrol(tokenFile).credentials();
        bothWork(gh);
        InstallationRecord inst = s.gatehouse().installations.find(c.installationId()).get(0);
        s.gatehouse().installations.revoke(inst.id(), "laptop stolen", Actor.cli());

        gh.tokenSource().invalidate();
        assertThatThrownBy(() -> gh.tokenSource().accessToken()).isInstanceOf(RegistrationRevokedException.class)
                .isNotInstanceOf(CredentialsLostException.class)
                .hasMessageContaining("laptop stolen").hasMessageContaining("restore").hasMessageContaining(c.installationId());
        int used = registrationsOf(s, tokenFile);
        // enrol on the revoked store: refused with the reason, and no registration of the token file spent
        assertThatThrownBy(() -> gh.enrol(tokenFile)).isInstanceOf(RegistrationRevokedException.class)
                .hasMessageContaining("restore")
                .satisfies(e -> assertThat(((RegistrationRevokedException) e).credentialState()).isEqualTo("installation_revoked"));
        assertThat(registrationsOf(s, tokenFile)).isEqualTo(used);
        // unenrol, then enrol: still refused; the registration endpoint says so and how to come back, but not
        // why or when (a token file alone proves no right to the installation's revocation reason)
        assertThat(gh.unenrol()).isEqualTo(GatehouseClient.Unenrolment.ALREADY_GONE);
        assertThatThrownBy(() -> gh.enrol(tokenFile)).isInstanceOf(RegistrationRevokedException.class)
                .hasMessageContaining("revoked").hasMessageContaining("restore").hasMessageNotContaining("laptop stolen")
                .satisfies(e -> assertThat(((RegistrationRevokedException) e).credentialState()).isEqualTo("installation_revoked"));

        // the way back: the issuer restores it, the same enrol now works
        assertThat(s.gatehouse().installations.restoreAsOperator(inst.id(), Actor.cli())).isTrue();
        GatehouseClient.Enrolment back = gh.enrol(tokenFile);
        assertThat(back.alreadyEnrolled()).isFalse();
        bothWork(gh);
    }

    @Test
    void aStoreWithTheFirstReleasesMachineWideIdKeepsWorking() {
        TestServer s = TestServer.shared(backend);
        Path tokenFile = Fixtures.tokenFile(s, tmp, 1, null);
        GatehouseClient enrolled = app("store", "org.example.a");
        Credentials now = enrolled.enrol(tokenFile).credentials();
        // rewrite the store as the first releases wrote it: the same credentials under SHA-256(machine_id ":" issuer)
        String v1 = InstallationId.deriveV1(machine, s.issuer);
        Credentials old = new Credentials(now.issuer(), now.tokenEndpoint(), now.registrationClientUri(), v1, now.clientId(),
                now.clientSecret(), now.clientSecretExpiresAt(), now.secretReceivedAt(), now.registrationAccessToken(), now.scope(),
                now.tokenEndpointAuthMethod(), now.clientName(), now.softwareId(), now.softwareVersion(), Instant.EPOCH, now.label());
        enrolled.store().save(old);
        GatehouseClient upgraded = app("store", "org.example.a");
        assertThat(upgraded.credentials().installationId()).isEqualTo(v1);
        bothWork(upgraded);
        assertThat(upgraded.enrol(tokenFile).alreadyEnrolled()).isTrue();
        // on another machine it is still refused
        GatehouseClient elsewhere = GatehouseClient.builder(tmp.resolve("store")).software("org.example.a", "1.0")
                .machineIdSource(MachineIds.fixed("ffffffffffffffffffffffffffffffff")).build();
        assertThatThrownBy(elsewhere::credentials).isInstanceOf(CredentialStoreException.class).hasMessageContaining("another machine");
    }
}
