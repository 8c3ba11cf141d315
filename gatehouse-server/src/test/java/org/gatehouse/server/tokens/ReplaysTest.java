package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The stored id of one JWT use (the INSERT itself is tested over HTTP by ClientAssertionsTest and DPoPProofsTest). */
class ReplaysTest {
    @Test
    void theIdIsAFixedLengthDigestOfKindScopeAndJti() {
        String id = Replays.id(Replays.DPOP, "thumbprint", "jti-1");
        assertThat(id).hasSize(43).matches("[A-Za-z0-9_-]+").isEqualTo(Replays.id(Replays.DPOP, "thumbprint", "jti-1"));
        assertThat(id).doesNotContain("jti-1").doesNotContain("thumbprint");
        // any part changes it, and the parts cannot be shifted into one another
        assertThat(Replays.id(Replays.ASSERTION, "thumbprint", "jti-1")).isNotEqualTo(id);
        assertThat(Replays.id(Replays.DPOP, "thumbprint", "jti-2")).isNotEqualTo(id);
        assertThat(Replays.id(Replays.DPOP, "thumb", "printjti-1")).isNotEqualTo(id);
        assertThat(Replays.id(Replays.ASSERTION, "client", "")).isNotEqualTo(Replays.id(Replays.ASSERTION, "", "client"));
        // a jti of any length: one row of the same size
        assertThat(Replays.id(Replays.ASSERTION, "client", "x".repeat(10_000))).hasSize(43);
    }
}
