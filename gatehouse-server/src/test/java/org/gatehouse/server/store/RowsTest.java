package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.gatehouse.server.net.Cidr;
import org.junit.jupiter.api.Test;

/** Space-separated columns (scopes, software ids, address ranges) as lists and back, unchanged. */
class RowsTest {
    @Test
    void wordsAndBack() {
        assertThat(Rows.words(null)).isNull();
        assertThat(Rows.words("")).isEmpty();
        assertThat(Rows.words("prefs:read prefs:write")).containsExactly("prefs:read", "prefs:write");
        assertThat(Rows.joined(null)).isNull();
        assertThat(Rows.joined(List.of())).isEmpty();
        assertThat(Rows.joined(Rows.words("prefs:read prefs:write"))).isEqualTo("prefs:read prefs:write");
    }

    @Test
    void storedRangesReadBackAsTheSameText() {
        // the column keeps the normalised text the service wrote before the ranges became a list
        String stored = "10.0.0.0/8 192.0.2.7/32 2001:db8:0:0:0:0:0:0/32";
        assertThat(Rows.joined(Cidr.parseList(stored))).isEqualTo(stored);
    }
}
