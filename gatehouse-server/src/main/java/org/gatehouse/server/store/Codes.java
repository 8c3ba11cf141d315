package org.gatehouse.server.store;

import org.gatehouse.server.domain.Coded;

/** The database's strings for the domain's enums: a value no constant has is a broken row, not a default. */
final class Codes {
    private Codes() {
    }

    /**
     * The constant stored as {@code code} in {@code column}.
     *
     * @throws IllegalStateException when no constant has that code (a row written by something else, or a
     *                               newer version's value): reading on would treat it as something it is not
     */
    static <E extends Coded> E read(E[] values, String code, String column) {
        return Coded.parse(values, code)
                .orElseThrow(() -> new IllegalStateException("unknown value '" + code + "' in " + column));
    }

    /** As {@link #read}, with null for SQL NULL. */
    static <E extends Coded> E readOrNull(E[] values, String code, String column) {
        return code == null ? null : read(values, code, column);
    }

    /** The code of a nullable constant. */
    static String write(Coded value) {
        return value == null ? null : value.code();
    }
}
