package org.gatehouse.server.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A token's stored address ranges, parsed once (the token hot path). */
class CidrCacheTest {
    private final CidrCache cache = new CidrCache();

    @Test
    void noRangesAllowEveryAddress() {
        assertThat(cache.allows(null, "203.0.113.7")).isTrue();
        assertThat(cache.allows("", "203.0.113.7")).isTrue();
        assertThat(cache.allows("  ", "2001:db8::1")).isTrue();
    }

    @Test
    void storedRangesAreSeparatedBySpacesOrCommas() {
        String ranges = "192.0.2.0/24, 2001:db8::/32 10.0.0.0/8";
        for (int i = 0; i < 2; i++) { // the second time from the cache, same answers
            assertThat(cache.allows(ranges, "192.0.2.77")).isTrue();
            assertThat(cache.allows(ranges, "2001:db8:1::5")).isTrue();
            assertThat(cache.allows(ranges, "::ffff:10.1.2.3")).isTrue();
            assertThat(cache.allows(ranges, "198.51.100.1")).isFalse();
            assertThat(cache.allows(ranges, "not an address")).isFalse();
        }
        assertThat(cache.allows("198.51.100.0/24", "198.51.100.1")).isTrue(); // another key, another answer
    }

    /** A stored value that no longer parses refuses every address (and an unknown one), without an exception. */
    @Test
    void aCorruptStoredRangeIsClosedNotAnOpenDoorNorAnError() {
        for (int i = 0; i < 2; i++) {
            assertThat(cache.allows("10.0.0.0/33", "10.0.0.1")).isFalse();
            assertThat(cache.check("10.0.0.0/33", "10.0.0.1")).isEqualTo(CidrCache.Verdict.UNREADABLE);
            assertThat(cache.check("10.0.0.0/33", null)).isEqualTo(CidrCache.Verdict.UNREADABLE);
        }
        assertThat(cache.check("10.0.0.0/8", "10.0.0.1")).isEqualTo(CidrCache.Verdict.ALLOWED);
        assertThat(cache.check("10.0.0.0/8", "11.0.0.1")).isEqualTo(CidrCache.Verdict.REFUSED);
    }
}
