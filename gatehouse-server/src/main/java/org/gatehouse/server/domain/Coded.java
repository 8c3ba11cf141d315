package org.gatehouse.server.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * An enum whose constants have a fixed lower-case name: the value stored in the database (mapped in
 * {@code store/}), shown by the API and the CLI. Renaming a constant never changes it.
 */
public interface Coded {
    String code();

    /**
     * The constant of {@code values} whose code is exactly {@code code} (case-sensitive, no trimming); empty for
     * null or any other string. The one place a code is turned back into a constant: the edges (API, portal,
     * CLI) answer an empty result with their input error, {@code store/} with a broken-row error.
     */
    static <E extends Coded> Optional<E> parse(E[] values, String code) {
        if (code == null) return Optional.empty();
        for (E e : values) {
            if (e.code().equals(code)) return Optional.of(e);
        }
        return Optional.empty();
    }

    /** The codes of {@code values}, in order (a form's choices). */
    static List<String> codes(Coded[] values) {
        List<String> out = new ArrayList<>(values.length);
        for (Coded c : values) out.add(c.code());
        return List.copyOf(out);
    }

    /** The codes of {@code values} for a message, e.g. "active, revoked or expired". */
    static String choices(Coded[] values) {
        if (values.length == 1) return values[0].code();
        StringJoiner j = new StringJoiner(", ");
        for (int i = 0; i < values.length - 1; i++) j.add(values[i].code());
        return j + " or " + values[values.length - 1].code();
    }
}
