package org.gatehouse.server.store;

import java.sql.SQLException;

/** Classifies database errors without tying callers to a driver. */
public final class Sql {
    private Sql() {
    }

    /** SQLSTATE 23505: a unique constraint refused a row (both H2 and PostgreSQL use it). */
    public static boolean isUniqueViolation(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException && "23505".equals(((SQLException) c).getSQLState())) return true;
        }
        return false;
    }
}
