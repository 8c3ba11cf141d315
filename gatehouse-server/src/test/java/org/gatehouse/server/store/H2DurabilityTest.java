package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.testing.Backend;
import org.junit.jupiter.api.Test;

/**
 * The embedded database stores every commit before the call returns ({@code WRITE_DELAY=0}), so a 201 is
 * never forgotten. {@code SHUTDOWN IMMEDIATELY} closes the file without storing what is only in memory,
 * as a kill -9 would: what a returned call wrote must be there after it. With a write delay in the
 * embedded URL (H2's default is 500 ms) the registration is lost here (seen with 1000 ms, issue 18).
 * CrashTest checks the same over HTTP with a real kill -9; this runs in seconds and in-process.
 */
class H2DurabilityTest {

    @Test
    void whatAReturnedCallWroteSurvivesAClosingOfTheFileWithoutAStore() throws Exception {
        try (Backend b = Backend.create(Backend.H2)) {
            Map<String, String> env = new HashMap<>(b.env());
            env.put("GATEHOUSE_RATE_REGISTER_PER_TOKEN", "0");
            env.put("GATEHOUSE_RATE_REGISTER_PER_ADDRESS", "0");
            String clientId;
            Gatehouse g = Gatehouse.open(Config.load(env));
            try {
                String iat = g.iats.create(IatService.Spec.of("durability", 100, Duration.ofDays(1), null), Actor.cli()).token();
                // A transaction (inTransaction) and a statement committing by itself (withHandle).
                clientId = g.registrations.register(iat, Map.of("client_name", "durability",
                        "installation_id", Secrets.randomId(32)), Actor.cli()).client().clientId();
                g.db.withHandle(h -> h.execute("INSERT INTO settings (name, setting_value) VALUES ('durability_test', 'written')"));
                // The file is closed without storing what is only in memory.
                try {
                    g.db.jdbi().useHandle(h -> h.execute("SHUTDOWN IMMEDIATELY"));
                } catch (org.jdbi.v3.core.JdbiException closed) {
                    // the statement closes its own connection: its update count cannot be read
                }
            } finally {
                try {
                    g.close();
                } catch (RuntimeException closedAlready) {
                    // the pool's connections died with the database
                }
            }
            try (Gatehouse again = Gatehouse.open(Config.load(env))) {
                long clients = again.db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM clients WHERE client_id = :id")
                        .bind("id", clientId).mapTo(Long.class).one());
                long audit = again.db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE subject = :id")
                        .bind("id", clientId).mapTo(Long.class).one());
                String setting = again.db.withHandle(h -> new SettingsStore().get(h, "durability_test").orElse(null));
                assertThat(clients).as("the registered client").isEqualTo(1);
                assertThat(audit).as("its audit event").isEqualTo(1);
                assertThat(setting).as("the setting written through withHandle").isEqualTo("written");
            }
        }
    }
}
