package org.gatehouse.server.store;

import java.sql.ResultSet;
import java.sql.SQLException;

final class Rows {
    private Rows() {
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
