package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Machine id derivation for each OS, from fixtures of what the OS really prints. */
class MachineIdTest {
    private static final String ISSUER = "https://gatehouse.example.org";

    static Path fixture(String name) {
        try {
            return Path.of(MachineIdTest.class.getResource("/machine-id/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(String name) throws IOException {
        return Files.readString(fixture(name), StandardCharsets.UTF_8);
    }

    @Test
    void linuxReadsEtcMachineId() {
        MachineIdSource s = MachineIds.linux(List.of(fixture("linux-etc-machine-id"), fixture("linux-dbus-machine-id")));
        assertThat(s.machineId()).isEqualTo("4c4c4544005a3510804bb4c04f4e4d33");
    }

    @Test
    void linuxFallsBackToDbusWhenEtcIsMissingOrUninitialized(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path missing = dir.resolve("machine-id");
        assertThat(MachineIds.linux(List.of(missing, fixture("linux-dbus-machine-id"))).machineId())
                .isEqualTo("d2f4b1a9c0e34c5f8a7b6e5d4c3b2a19");
        assertThat(MachineIds.linux(List.of(fixture("linux-uninitialized"), fixture("linux-dbus-machine-id"))).machineId())
                .isEqualTo("d2f4b1a9c0e34c5f8a7b6e5d4c3b2a19");
    }

    @Test
    void linuxWithoutAnyMachineIdFailsClosed(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertThatThrownBy(() -> MachineIds.linux(List.of(dir.resolve("a"), fixture("linux-uninitialized"))).machineId())
                .isInstanceOf(GatehouseClientException.class).hasMessageContaining("no machine id");
    }

    @Test
    void windowsParsesRegQuery() throws IOException {
        String out = text("windows-reg-query.txt");
        List<List<String>> ran = new ArrayList<>();
        MachineIdSource s = MachineIds.windows(cmd -> {
            ran.add(cmd);
            return out;
        });
        assertThat(s.machineId()).isEqualTo("9b5c8f2e-3d4a-4e6f-8a1b-2c3d4e5f6a7b");
        assertThat(ran).containsExactly(MachineIds.WINDOWS_COMMAND);
        assertThat(ran.get(0)).contains("/reg:64");
    }

    @Test
    void macParsesIoreg() throws IOException {
        String out = text("macos-ioreg.txt");
        MachineIdSource s = MachineIds.mac(cmd -> {
            assertThat(cmd).isEqualTo(MachineIds.MAC_COMMAND);
            return out;
        });
        assertThat(s.machineId()).isEqualTo("1A2B3C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D");
    }

    @Test
    void commandFailureOrGarbageFailsClosed() {
        assertThatThrownBy(() -> MachineIds.windows(cmd -> { throw new IOException("reg not found"); }).machineId())
                .isInstanceOf(GatehouseClientException.class).hasMessageContaining("reg not found");
        assertThatThrownBy(() -> MachineIds.mac(cmd -> "no such thing").machineId())
                .isInstanceOf(GatehouseClientException.class).hasMessageContaining("IOPlatformUUID");
    }

    @Test
    void installationIdIsOneAppOnOneMachineOrOneUsersCopyOfIt() throws Exception {
        String machine = "4c4c4544005a3510804bb4c04f4e4d33";
        String id = InstallationId.derive(machine, ISSUER, "org.example.app", null);
        byte[] expected = java.security.MessageDigest.getInstance("SHA-256")
                .digest(("gatehouse-installation-id-v2\n" + machine + "\n" + ISSUER + "\norg.example.app\n").getBytes(StandardCharsets.UTF_8));
        assertThat(id).isEqualTo(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(expected));
        assertThat(id).hasSize(43).matches("[A-Za-z0-9_-]{16,128}").doesNotContain("4c4c4544");
        // another issuer, another app, another user of a per-user install: another installation
        assertThat(InstallationId.derive(machine, "https://other.example.org", "org.example.app", null)).isNotEqualTo(id);
        assertThat(InstallationId.derive(machine, ISSUER, "org.example.other", null)).isNotEqualTo(id);
        assertThat(InstallationId.derive(machine, ISSUER, "org.example.app", "alice"))
                .isNotEqualTo(id).isNotEqualTo(InstallationId.derive(machine, ISSUER, "org.example.app", "bob"));
        // the separator cannot be smuggled into a field to make two inputs collide
        assertThatThrownBy(() -> InstallationId.derive(machine, ISSUER, "a\nb", null)).isInstanceOf(IllegalArgumentException.class);
        // known vectors (computed with openssl), the ones docs/protocol.md §5 gives for other languages
        assertThat(InstallationId.derive("0123456789abcdef0123456789abcdef", "http://127.0.0.1:8080", "org.example.myapp", null))
                .isEqualTo("mFvO-OWRY8em1VgrgkBf-iVF8JMo00TL6W1owU5CULg");
        assertThat(InstallationId.derive("0123456789abcdef0123456789abcdef", "http://127.0.0.1:8080", "org.example.myapp", "alice"))
                .isEqualTo("SaNGn-PwACTdIeWcJTqY47w1O-64drWHvEkcAy7b6Rc");
    }

    @Test
    void theFirstReleasesMachineWideIdIsStillComputedForExistingStores() {
        assertThat(InstallationId.deriveV1("0123456789abcdef0123456789abcdef", "http://127.0.0.1:8080"))
                .isEqualTo("VXNz0PERmyvme6j5YFG1w7kUg7jLbTN3vl7VYGlnrWg");
    }
}
