package org.gatehouse.server.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The input error: several fields, kept in order, one summary line, collected before one throw. */
class InvalidInputTest {
    @Test
    void oneFieldIsSummarisedByItsMessage() {
        InvalidInput e = InvalidInput.of("label", "Enter a label.");
        assertThat(e.fields()).containsExactly(Map.entry("label", "Enter a label."));
        assertThat(e.summary()).isEqualTo("Enter a label.").isEqualTo(e.getMessage());
    }

    @Test
    void severalFieldsKeepTheirOrderAndMakeOneLine() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("max_registrations", "Enter a number.");
        f.put("client_cidrs", "These are not address ranges: a,\nb.");
        f.put("label", "Enter a label.");
        InvalidInput e = new InvalidInput(f);
        assertThat(e.fields().keySet()).containsExactly("max_registrations", "client_cidrs", "label");
        assertThat(e.summary()).isEqualTo("max_registrations: Enter a number.; client_cidrs: These are not address ranges: a, b.; label: Enter a label.")
                .doesNotContain("\n");
        f.clear(); // a copy is kept
        assertThat(e.fields()).hasSize(3);
        assertThatThrownBy(() -> e.fields().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void noFieldIsAProgrammingError() {
        assertThatThrownBy(() -> new InvalidInput(Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void problemsAreCollectedAndThrownTogether() {
        InvalidInput.Problems p = new InvalidInput.Problems();
        p.throwIfAny(); // nothing yet
        p.add("label", "Too long.");
        Object none = p.collect(() -> {
            throw InvalidInput.of("scope", "Unknown scope.");
        });
        assertThat(none).isNull();
        assertThat(p.collect(() -> "fine")).isEqualTo("fine");
        p.add("label", "Not printable.").add("label", "Not printable.");
        assertThat(p.has("scope")).isTrue();
        assertThatThrownBy(p::throwIfAny).isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.fields())
                .containsExactly(Map.entry("label", "Too long. Not printable."), Map.entry("scope", "Unknown scope.")));
    }

    @Test
    void renamedMapsApiMembersToFormInputs() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("expires_in", "Too far.");
        f.put("label", "Empty.");
        InvalidInput e = new InvalidInput(f).renamed(Map.of("expires_in", "days"));
        assertThat(e.fields()).containsExactly(Map.entry("days", "Too far."), Map.entry("label", "Empty."));
    }

    @Test
    void itCarriesNoStackTrace() {
        assertThat(InvalidInput.of("a", "b").getStackTrace()).isEmpty();
    }
}
