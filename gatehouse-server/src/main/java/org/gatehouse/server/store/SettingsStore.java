package org.gatehouse.server.store;

import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** SQL for the small settings table. */
public final class SettingsStore {
    /** Tells whether the database was created with this master key (see MasterKey#checkValue). */
    public static final String MASTER_KEY_CHECK = "master_key.check";

    public Optional<String> get(Handle h, String name) {
        return h.createQuery("SELECT setting_value FROM settings WHERE name = :name").bind("name", name).mapTo(String.class).findOne();
    }

    /**
     * Inserts the value unless the name is already set; returns the value now stored. Call it in a
     * transaction: when another process inserts the same name at the same moment (several nodes starting
     * at once on an empty database), the losing insert is rolled back to a savepoint and the winner's value
     * is returned.
     */
    public String putIfAbsent(Handle h, String name, String value) {
        h.savepoint("settings_put");
        try {
            h.createUpdate("INSERT INTO settings (name, setting_value) SELECT :name, :value"
                            + " WHERE NOT EXISTS (SELECT 1 FROM settings WHERE name = :name)")
                    .bind("name", name).bind("value", value).execute();
        } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
            h.rollbackToSavepoint("settings_put");
            if (get(h, name).isEmpty()) throw e;
        }
        return get(h, name).orElseThrow();
    }

    /** Replaces a value that is set (see {@link #putIfAbsent}). */
    public void set(Handle h, String name, String value) {
        h.createUpdate("UPDATE settings SET setting_value = :value WHERE name = :name").bind("name", name).bind("value", value).execute();
    }

    /**
     * Serialises a rule across nodes: takes the row lock of setting {@code name} (created on first use) until
     * the transaction ends, so that transactions calling this with the same name run one after another.
     */
    public void lock(Handle h, String name) {
        putIfAbsent(h, name, "lock");
        h.createUpdate("UPDATE settings SET setting_value = setting_value WHERE name = :name").bind("name", name).execute();
    }

    /**
     * Claims a job's turn: sets its last-run time to now if it last ran at or before dueBefore.
     * One conditional UPDATE, so exactly one of several nodes asking at once wins.
     */
    public boolean claim(Handle h, String job, long now, long dueBefore) {
        return h.createUpdate("UPDATE settings SET setting_value = :now WHERE name = :job"
                        + " AND CAST(setting_value AS BIGINT) <= :due")
                .bind("job", job).bind("now", Long.toString(now)).bind("due", dueBefore).execute() == 1;
    }
}
