package org.gatehouse.server.store;

import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** SQL for the small settings table. */
public final class SettingsStore {
    public Optional<String> get(Handle h, String name) {
        return h.createQuery("SELECT setting_value FROM settings WHERE name = :name").bind("name", name).mapTo(String.class).findOne();
    }

    /** Inserts the value unless the name is already set; returns the value now stored. */
    public String putIfAbsent(Handle h, String name, String value) {
        h.createUpdate("INSERT INTO settings (name, setting_value) SELECT :name, :value"
                        + " WHERE NOT EXISTS (SELECT 1 FROM settings WHERE name = :name)")
                .bind("name", name).bind("value", value).execute();
        return get(h, name).orElseThrow();
    }
}
