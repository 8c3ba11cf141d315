package org.gatehouse.server.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

final class Rows {
    private Rows() {
    }

    /** A space-separated column as its words: null for SQL NULL, no words for an empty string. */
    static List<String> words(String joined) {
        if (joined == null) return null;
        return joined.isEmpty() ? List.of() : List.of(joined.split(" "));
    }

    /** The words joined for a space-separated column (null for null). */
    static String joined(List<?> words) {
        if (words == null) return null;
        StringBuilder b = new StringBuilder();
        for (Object w : words) {
            if (b.length() > 0) b.append(' ');
            b.append(w);
        }
        return b.toString();
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
