package org.gatehouse.server.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.gatehouse.server.net.Cidr;
import org.junit.jupiter.api.Test;

/** An initial access token's scopes and address ranges as values, without a server or a database. */
class IatRecordTest {
    private static IatRecord.Builder token() {
        return IatRecord.builder().id("iat_1").label("x").maxRegistrations(1).reregistration(Reregistration.REPLACE);
    }

    @Test
    void scopesKeepTheirOrderAndReadAsOneRfc6749ScopeString() {
        IatRecord t = token().scopes(List.of("prefs:write", "prefs:read")).build();
        assertThat(t.scopes()).containsExactly("prefs:write", "prefs:read");
        assertThat(t.scope()).isEqualTo("prefs:write prefs:read");
        assertThat(token().build().scopes()).isEmpty();
        assertThat(token().build().scope()).isEmpty();
    }

    @Test
    void theListsAreCopiesThatCannotBeChanged() {
        List<String> scopes = new ArrayList<>(List.of("a"));
        List<Cidr> ranges = new ArrayList<>(List.of(Cidr.parse("10.0.0.0/8")));
        IatRecord t = token().scopes(scopes).clientCidrs(ranges).build();
        scopes.add("b");
        ranges.clear();
        assertThat(t.scopes()).containsExactly("a");
        assertThat(t.clientCidrs()).hasSize(1);
        assertThatThrownBy(() -> t.scopes().add("c")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(t.toBuilder().build()).isEqualTo(t);
    }

    @Test
    void withoutRangesEveryAddressMayRegister() {
        IatRecord any = token().build();
        assertThat(any.clientCidrs()).isNull();
        assertThat(any.allowsAddress("192.0.2.1")).isTrue();
        assertThat(any.allowsAddress("2001:db8::1")).isTrue();
    }

    @Test
    void withRangesOnlyAddressesInOneOfThem() {
        IatRecord t = token().clientCidrs(Cidr.parseList("10.0.0.0/8 2001:db8::/32")).build();
        assertThat(t.allowsAddress("10.1.2.3")).isTrue();
        assertThat(t.allowsAddress("::ffff:10.1.2.3")).as("IPv4-mapped IPv6 (RFC 4291 §2.5.5.2)").isTrue();
        assertThat(t.allowsAddress("2001:db8:1::7")).isTrue();
        assertThat(t.allowsAddress("11.0.0.1")).isFalse();
        assertThat(t.allowsAddress("2001:db9::1")).isFalse();
        assertThat(t.allowsAddress("not an address")).isFalse();
        assertThat(Cidr.joined(t.clientCidrs())).isEqualTo("10.0.0.0/8 2001:db8:0:0:0:0:0:0/32");
    }

    /** Stored ranges that no longer parse (the store keeps their text): no address may register, none is "any". */
    @Test
    void unreadableStoredRangesAdmitNoAddress() {
        IatRecord t = token().clientCidrs(null).clientCidrsUnreadable("10.0.0.0/33").build();
        assertThat(t.clientCidrs()).isEmpty();
        assertThat(t.allowsAddress("10.1.2.3")).isFalse();
        assertThat(t.allowsAddress("192.0.2.1")).isFalse();
        assertThat(t.toBuilder().build()).isEqualTo(t);
    }
}
