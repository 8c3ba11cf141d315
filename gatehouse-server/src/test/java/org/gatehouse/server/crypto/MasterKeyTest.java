package org.gatehouse.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.gatehouse.server.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root secret: its two sources, what is derived from it, and signing keys encrypted at rest. */
class MasterKeyTest {
    @TempDir
    Path dir;

    @Test
    void fromTheConfigurationOnly32BytesOfBase64url() {
        String text = MasterKey.generateText();
        assertThat(text).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(MasterKey.load(text, dir).checkValue()).isEqualTo(MasterKey.load(" " + text + "\n", dir).checkValue());
        assertThat(Files.exists(MasterKey.file(dir))).isFalse(); // the configured key is not written anywhere
        for (String bad : new String[] {"short", text + "AA", "not base64 at all!!", text.substring(0, 42) + "*"}) {
            assertThatThrownBy(() -> MasterKey.load(bad, dir)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("GATEHOUSE_MASTER_KEY").hasMessageNotContaining(bad);
        }
    }

    @Test
    void withoutConfigurationAnOwnerOnlyFileIsMadeOnceAndReused() throws Exception {
        Path data = dir.resolve("data");
        MasterKey first = MasterKey.load("", data);
        MasterKey again = MasterKey.load("", data);
        assertThat(again.checkValue()).isEqualTo(first.checkValue());
        Path file = MasterKey.file(data);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        assertThat(Files.list(data)).containsExactly(file); // no temporary file left
        assertThat(MasterKey.load(Files.readString(file, StandardCharsets.US_ASCII).trim(), dir).checkValue()).isEqualTo(first.checkValue());
        Files.writeString(file, "garbage\n");
        assertThatThrownBy(() -> MasterKey.load("", data)).isInstanceOf(ConfigException.class).hasMessageContaining(file.toString());
    }

    @Test
    void subKeysDependOnTheKeyAndTheLabel() {
        MasterKey a = MasterKey.load(MasterKey.generateText(), dir);
        MasterKey b = MasterKey.load(MasterKey.generateText(), dir);
        assertThat(a.derive("pepper")).hasSize(32).isEqualTo(a.derive("pepper")).isNotEqualTo(a.derive("pepper2")).isNotEqualTo(b.derive("pepper"));
        assertThat(a.checkValue()).isNotEqualTo(b.checkValue());
    }

    @Test
    void encryptionIsBoundToTheKeyAndTheRow() {
        MasterKey k = MasterKey.load(MasterKey.generateText(), dir);
        byte[] secret = "a signing key's private part".getBytes(StandardCharsets.UTF_8);
        String c1 = k.encrypt(secret, "key k1");
        String c2 = k.encrypt(secret, "key k1");
        assertThat(c1).isNotEqualTo(c2); // a fresh nonce each time
        assertThat(k.decrypt(c1, "key k1")).isEqualTo(secret);
        assertThat(k.decrypt(c2, "key k1")).isEqualTo(secret);
        MasterKey other = MasterKey.load(MasterKey.generateText(), dir);
        for (Runnable bad : new Runnable[] {
                () -> k.decrypt(c1, "key k2"), // moved to another row
                () -> other.decrypt(c1, "key k1"), // another master key
                () -> k.decrypt(c1.substring(0, c1.length() - 2), "key k1"), // cut short
                () -> k.decrypt("AAAA", "key k1"),
                () -> k.decrypt("not base64!", "key k1")}) {
            assertThatThrownBy(bad::run).isInstanceOf(ConfigException.class).hasMessageContaining("master key does not match");
        }
    }
}
