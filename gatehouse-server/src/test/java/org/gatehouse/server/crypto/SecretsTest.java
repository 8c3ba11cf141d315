package org.gatehouse.server.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Secrets handed out and their keyed hashes. */
class SecretsTest {
    private final Secrets secrets = new Secrets("pepper one, 32 bytes long......".getBytes(StandardCharsets.UTF_8));

    @Test
    void newSecretsCarryTheirPrefixAnd256RandomBits() {
        Set<String> seen = new HashSet<>();
        for (String prefix : new String[] {Secrets.CLIENT_SECRET, Secrets.INITIAL_ACCESS_TOKEN, Secrets.REGISTRATION_ACCESS_TOKEN}) {
            String s = Secrets.newSecret(prefix);
            assertThat(s).startsWith(prefix).hasSize(prefix.length() + 43).matches("gh[sir]_[A-Za-z0-9_-]{43}");
            seen.add(s);
        }
        assertThat(seen).hasSize(3);
        assertThat(Secrets.randomId(16)).hasSize(22).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void theHashIsKeyedDeterministicAndNotTheSecret() {
        String s = Secrets.newSecret(Secrets.CLIENT_SECRET);
        String h = secrets.hash(s);
        assertThat(secrets.hash(s)).isEqualTo(h);
        assertThat(h).hasSize(43).doesNotContain(s.substring(4, 20));
        Secrets otherPepper = new Secrets("pepper two, 32 bytes long......".getBytes(StandardCharsets.UTF_8));
        assertThat(otherPepper.hash(s)).isNotEqualTo(h);
        assertThat(secrets.hash(s + "x")).isNotEqualTo(h);
    }

    @Test
    void matchesOnlyTheRightSecretAndNeverAMissingHash() {
        String s = Secrets.newSecret(Secrets.INITIAL_ACCESS_TOKEN);
        String h = secrets.hash(s);
        assertThat(secrets.matches(s, h)).isTrue();
        assertThat(secrets.matches(s + "x", h)).isFalse();
        assertThat(secrets.matches(null, h)).isFalse();
        assertThat(secrets.matches(s, null)).isFalse();
        assertThat(secrets.matches(null, null)).isFalse();
        assertThat(secrets.matches("", null)).isFalse(); // the hash of "" is not the empty stored value
        assertThat(secrets.matches(s, "")).isFalse();
    }

    @Test
    void aPresentedSecretMatchesTheCurrentOrThePreviousHash() {
        String current = Secrets.newSecret(Secrets.CLIENT_SECRET);
        String previous = Secrets.newSecret(Secrets.CLIENT_SECRET);
        String hc = secrets.hash(current);
        String hp = secrets.hash(previous);
        assertThat(secrets.match(current, hc, hp)).isEqualTo(Secrets.Match.CURRENT);
        assertThat(secrets.match(previous, hc, hp)).isEqualTo(Secrets.Match.PREVIOUS);
        assertThat(secrets.match("ghs_other", hc, hp)).isEqualTo(Secrets.Match.NONE);
        assertThat(secrets.match(current, hc, null)).isEqualTo(Secrets.Match.CURRENT);
        assertThat(secrets.match(previous, null, hp)).isEqualTo(Secrets.Match.PREVIOUS);
        assertThat(secrets.match(current, null, null)).isEqualTo(Secrets.Match.NONE);
        assertThat(secrets.match(null, null, null)).isEqualTo(Secrets.Match.NONE);
        assertThat(secrets.match(current, hc, hc)).isEqualTo(Secrets.Match.CURRENT); // current wins
    }
}
