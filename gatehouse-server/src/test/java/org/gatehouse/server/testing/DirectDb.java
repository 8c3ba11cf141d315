package org.gatehouse.server.testing;

import java.util.Map;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.store.Database;
import org.jdbi.v3.core.HandleCallback;

/**
 * A test's own connection to a server's database (H2 through AUTO_SERVER, or PostgreSQL), opened the way
 * `db status` opens it: no migration, no write, so that a test can look at or tamper with the schema.
 */
public final class DirectDb {
    private DirectDb() {
    }

    public static <R> R with(Map<String, String> env, HandleCallback<R, RuntimeException> work) {
        Config config = Config.load(env);
        try (Database db = Database.open(config, MasterKey.load(config.masterKey, config.dataDir), Database.SchemaPolicy.INSPECT)) {
            return db.withHandle(work);
        }
    }

    public static void execute(Map<String, String> env, String... statements) {
        with(env, h -> {
            for (String s : statements) h.execute(s);
            return null;
        });
    }

    /** How many tables PostgreSQL's public schema holds (0: nothing was created). */
    public static long postgresTables(Map<String, String> env) {
        return with(env, h -> h.createQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")
                .mapTo(Long.class).one());
    }
}
