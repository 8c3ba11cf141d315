package org.gatehouse.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The one visibility rule of the API and the portal (AccountRecord.mayView), without a server. */
class AccountRecordTest {
    private static AccountRecord account(String id, AccountRole role) {
        return new AccountRecord(id, id + "@example.org", role, AccountStatus.ACTIVE, null, null, 0, 0, "test", null, null);
    }

    @Test
    void anIssuerSeesOnlyWhatItsAccountOwns() {
        AccountRecord ann = account("acc_ann", AccountRole.ISSUER);
        assertThat(ann.mayView("acc_ann")).isTrue();
        assertThat(ann.mayView("acc_bob")).isFalse();
        assertThat(ann.mayView("operator")).isFalse(); // tokens made on the command line
        assertThat(ann.mayView(null)).isFalse();
    }

    @Test
    void anAdminSeesEverything() {
        AccountRecord root = account("acc_root", AccountRole.ADMIN);
        assertThat(root.mayView("acc_ann")).isTrue();
        assertThat(root.mayView("operator")).isTrue();
        assertThat(root.mayView(null)).isTrue();
    }
}
