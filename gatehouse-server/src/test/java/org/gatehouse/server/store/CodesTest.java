package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.gatehouse.server.domain.ClientKind;
import org.gatehouse.server.domain.Reregistration;
import org.junit.jupiter.api.Test;

/** The database's codes: a stored value no constant has is a broken row, never a default. */
class CodesTest {
    @Test
    void readsTheConstantOfAStoredCode() {
        assertThat(Codes.read(ClientKind.values(), "installation", "clients.kind")).isSameAs(ClientKind.INSTALLATION);
        assertThat(Codes.readOrNull(Reregistration.values(), null, "iats.reregistration")).isNull();
        assertThat(Codes.write(Reregistration.ALLOW)).isEqualTo("allow");
        assertThat(Codes.write(null)).isNull();
    }

    @Test
    void anUnknownStoredCodeIsABrokenRowNamingTheColumn() {
        assertThatThrownBy(() -> Codes.read(ClientKind.values(), "INSTALLATION", "clients.kind"))
                .isInstanceOf(IllegalStateException.class).hasMessage("unknown value 'INSTALLATION' in clients.kind");
        assertThatThrownBy(() -> Codes.read(ClientKind.values(), null, "clients.kind"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("clients.kind");
    }
}
