package org.gatehouse.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Coded.parse: the one way a stored or typed code becomes an enum constant, and the enums' codes themselves. */
class CodedTest {
    /** Every Coded enum of the domain: a new one belongs here. */
    private static final List<Coded[]> ALL = List.of(AccountRole.values(), AccountStatus.values(), ApiTokenStatus.values(),
            ClientKind.values(), ClientStatus.values(), IatStatus.values(), InstallationStatus.values(), KeyState.values(),
            Reregistration.values(), TokenFilter.Status.values(), InstallationFilter.Status.values());

    @Test
    void parseFindsTheConstantByItsExactCode() {
        assertThat(Coded.parse(Reregistration.values(), "reject")).contains(Reregistration.REJECT);
        assertThat(Coded.parse(ClientKind.values(), "resource_server")).contains(ClientKind.RESOURCE_SERVER);
        assertThat(Coded.parse(IatStatus.values(), "used_up")).contains(IatStatus.USED_UP);
    }

    @Test
    void parseAnswersEmptyForAnythingElse() {
        for (String s : new String[] {null, "", "REJECT", "Reject", " reject", "reject ", "rejec", "used-up", "USED_UP",
                "resource server", "reject\n"}) {
            assertThat(Coded.parse(Reregistration.values(), s)).as("'%s'", s).isEmpty();
            assertThat(Coded.parse(IatStatus.values(), s)).as("'%s'", s).isEmpty();
            assertThat(Coded.parse(ClientKind.values(), s)).as("'%s'", s).isEmpty();
        }
        // the constant's name is not its code
        assertThat(Coded.parse(ClientKind.values(), "RESOURCE_SERVER")).isEmpty();
        assertThat(Coded.parse(new Reregistration[0], "replace")).isEmpty();
    }

    @Test
    void everyCodeParsesBackToItsConstantAndIsLowerCaseAndUniqueInItsEnum() {
        for (Coded[] values : ALL) {
            Set<String> seen = new HashSet<>();
            for (Coded c : values) {
                assertThat(Coded.parse(values, c.code())).containsSame(c);
                assertThat(c.code()).isEqualTo(c.code().toLowerCase(Locale.ROOT)).isNotBlank();
                assertThat(seen.add(c.code())).as("duplicate code %s", c.code()).isTrue();
                assertThat(c.toString()).as("text built from the constant reads as the code").isEqualTo(c.code());
            }
        }
    }

    @Test
    void theEnumsOwnParseMethodsGoThroughIt() {
        assertThat(AccountRole.parse("admin")).contains(AccountRole.ADMIN);
        assertThat(AccountRole.parse("Admin")).isEmpty();
        assertThat(AccountRole.parse(null)).isEmpty();
        assertThat(Reregistration.parse("allow")).contains(Reregistration.ALLOW);
        assertThat(Reregistration.parse("")).isEmpty();
    }

    @Test
    void choicesListsTheCodesForAMessage() {
        assertThat(Coded.choices(Reregistration.values())).isEqualTo("replace, reject or allow");
        assertThat(Coded.choices(AccountRole.values())).isEqualTo("admin or issuer");
        assertThat(Coded.choices(new Coded[] {ClientKind.INSTALLATION})).isEqualTo("installation");
        assertThat(Coded.codes(TokenFilter.Status.values())).containsExactly("active", "revoked", "expired");
        assertThat(Coded.codes(InstallationFilter.Status.values())).containsExactly("active", "revoked");
    }

    @Test
    void theStoredCodesOfTheStatesAreThoseOfTheDatabase() {
        // accounts.status and signing_keys.state hold these strings (no migration): renaming a constant must not change them
        assertThat(List.of(AccountStatus.values())).extracting(Coded::code).containsExactly("active", "disabled");
        assertThat(List.of(KeyState.values())).extracting(Coded::code).containsExactly("next", "active", "retired");
        assertThat(List.of(ApiTokenStatus.values())).extracting(Coded::code).containsExactly("active", "expired", "revoked");
    }

    @Test
    void theListFiltersParseOnlyTheirOwnCodes() {
        assertThat(TokenFilter.Status.parse("expired")).contains(TokenFilter.Status.EXPIRED);
        assertThat(TokenFilter.Status.parse("used_up")).as("a used-up token is active or expired here").isEmpty();
        assertThat(TokenFilter.Status.parse(null)).isEmpty();
        assertThat(InstallationFilter.Status.parse("revoked")).contains(InstallationFilter.Status.REVOKED);
        assertThat(InstallationFilter.Status.parse("stale")).as("staleness is its own filter").isEmpty();
        assertThat(InstallationFilter.Status.parse("expired")).isEmpty();
        assertThat(InstallationFilter.Status.parse("Active")).isEmpty();
    }

    @Test
    void anApiTokensStatusAtAMoment() {
        ApiTokenRecord live = new ApiTokenRecord("apt_1", "acc_1", "x", List.of("tokens:read"), 0, 1000, null, null, null);
        assertThat(live.status(999)).isSameAs(ApiTokenStatus.ACTIVE);
        assertThat(live.status(1000)).isSameAs(ApiTokenStatus.EXPIRED);
        ApiTokenRecord revoked = new ApiTokenRecord("apt_1", "acc_1", "x", List.of("tokens:read"), 0, 1000, null, 500L, "test");
        assertThat(revoked.status(10)).isSameAs(ApiTokenStatus.REVOKED);
        assertThat(revoked.status(2000)).as("revoked wins over expired").isSameAs(ApiTokenStatus.REVOKED);
    }
}
