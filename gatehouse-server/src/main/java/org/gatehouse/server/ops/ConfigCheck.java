package org.gatehouse.server.ops;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.crypto.JwsCrypto;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.http.ServerTls;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.SchemaStatus;

/**
 * `gatehouse config check` (issue 16 item 5): everything `serve` would check before it listens — the
 * settings, transport security, the TLS certificate and key, the master key, the database and its schema —
 * without migrating, writing or starting anything. Nothing is created: a missing embedded database or key
 * file is reported as what the first `serve` will create.
 */
public final class ConfigCheck {
    public record Finding(boolean ok, String line) {
    }

    private ConfigCheck() {
    }

    /** Runs every check it can; a check that cannot run (no configuration) ends the list. */
    public static List<Finding> run(Map<String, String> env) {
        List<Finding> out = new ArrayList<>();
        Config config;
        try {
            config = Config.load(env);
        } catch (ConfigException e) {
            out.add(new Finding(false, e.getMessage()));
            return out;
        }
        // Under GATEHOUSE_CONFIG_STRICT=true unknown names already failed Config.load: here they are warnings.
        config.warnings.forEach(w -> out.add(new Finding(true, "warning: " + w)));
        out.add(new Finding(true, "settings: valid (issuer " + config.issuer + ", " + config.bind + ":" + config.port + ")"));
        check(out, "transport security", () -> {
            config.requireTransportSecurity();
            return config.tls() ? "HTTPS with " + config.tlsCert : "plain HTTP (loopback, or behind a TLS proxy)";
        });
        if (config.tls()) check(out, "TLS certificate and key", () -> {
            ServerTls.fromConfig(config);
            return "readable and matching";
        });
        check(out, "signatures", () -> JwsCrypto.select(config.cryptoProvider).describe());
        boolean embedded = config.dbUrl.isEmpty();
        boolean keyFileMissing = config.masterKey.isEmpty() && !Files.exists(MasterKey.file(config.dataDir));
        if (embedded && !Database.embeddedDefaultExists(config)) {
            out.add(new Finding(true, "database: the embedded database under " + config.dataDir + " does not exist yet; the first `serve`"
                    + " creates it" + (keyFileMissing ? " and the master key file " + MasterKey.file(config.dataDir) : "")));
            return out;
        }
        if (keyFileMissing && embedded) {
            out.add(new Finding(false, "master key: GATEHOUSE_MASTER_KEY is not set and " + MasterKey.file(config.dataDir)
                    + " does not exist, but the embedded database does: set the key it was created with"));
            return out;
        }
        MasterKey key = null; // stays null only for an external database with no key yet (not needed to connect)
        if (!keyFileMissing) {
            try {
                key = MasterKey.load(config.masterKey, config.dataDir);
            } catch (ConfigException e) {
                out.add(new Finding(false, "master key: " + e.getMessage()));
                return out;
            }
        }
        try (Database db = Database.openOnce(config, key, Database.SchemaPolicy.INSPECT)) {
            out.add(new Finding(true, "database: reachable (" + (db.isPostgres() ? "PostgreSQL" : "H2") + ")"));
            SchemaStatus status = db.schemaStatus();
            out.add(schema(status, config.dbMigrate));
            out.add(masterKey(db, key, status.empty(), config));
        } catch (ConfigException e) {
            out.add(new Finding(false, e.getMessage()));
        }
        return out;
    }

    private static Finding masterKey(Database db, MasterKey key, boolean newDatabase, Config config) {
        java.util.Optional<String> stored = newDatabase ? java.util.Optional.empty() : db.storedMasterKeyCheck();
        if (key == null) {
            return stored.isEmpty()
                    ? new Finding(true, "master key: none yet; the first start creates " + MasterKey.file(config.dataDir) + " (back it up)")
                    : new Finding(false, "master key: GATEHOUSE_MASTER_KEY is not set and " + MasterKey.file(config.dataDir)
                    + " does not exist, but this database was created with a key: set that key");
        }
        if (stored.isEmpty()) return new Finding(true, "master key: not yet recorded in this database (the first start records it)");
        return stored.get().equals(key.checkValue())
                ? new Finding(true, "master key: matches this database")
                : new Finding(false, "master key: does not match this database (set GATEHOUSE_MASTER_KEY to the key it was created with)");
    }

    private static Finding schema(SchemaStatus s, boolean serveMigrates) {
        if (s.newer()) {
            return new Finding(false, "schema: version " + s.current() + " is newer than this Gatehouse knows (" + s.latestKnown()
                    + "): run a release at least as new as the one that migrated it");
        }
        if (s.pending().isEmpty()) return new Finding(true, "schema: up to date (version " + s.current() + ")");
        String what = s.pending().size() + " pending migration(s), from version " + s.current() + " to " + s.latestKnown();
        return serveMigrates
                ? new Finding(true, "schema: " + what + "; `serve` applies them at start (or run `gatehouse db migrate` first)")
                : new Finding(false, "schema: " + what + " and GATEHOUSE_DB_MIGRATE=false: run `gatehouse db migrate` before `serve`");
    }

    private interface Step {
        String run();
    }

    private static void check(List<Finding> out, String what, Step step) {
        try {
            out.add(new Finding(true, what + ": " + step.run()));
        } catch (ConfigException e) {
            out.add(new Finding(false, what + ": " + e.getMessage()));
        }
    }
}
