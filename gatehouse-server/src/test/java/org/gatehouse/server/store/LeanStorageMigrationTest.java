package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * V15 (issue 18 Must 4) on a database with rows written before it: the registration access token's keyed hash
 * survives the column's replacement (RFC 7592 §2 requests still authorise, wrong tokens still fail), the client's
 * metadata reads as before, the installation identity stays unique per account, the dropped indexes are gone, and
 * a client registered after V15 is stored whole, and a lean row (its metadata without the columns it repeats, as the
 * next release writes it) reads back whole.
 */
@BothBackends
class LeanStorageMigrationTest {
    @Parameter
    String backend;

    private static final String METADATA = "{\"grant_types\":[\"client_credentials\"],\"response_types\":[],"
            + "\"token_endpoint_auth_method\":\"client_secret_basic\",\"scope\":\"prefs:read\",\"client_name\":\"Old PC\","
            + "\"software_id\":\"app\",\"software_version\":\"1.0\",\"installation_id\":\"old-installation-0001\"}";

    /** The database as `serve` would open it, without Gatehouse's own pool (Flyway steps through the versions). */
    private static DataSource dataSource(Config config) {
        if (!config.dbUrl.isEmpty()) {
            org.postgresql.ds.PGSimpleDataSource pg = new org.postgresql.ds.PGSimpleDataSource();
            pg.setURL(config.dbUrl);
            pg.setUser(config.dbUser);
            pg.setPassword(config.dbPassword);
            return pg;
        }
        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + config.dataDir.resolve("gatehouse") + ";AUTO_SERVER=TRUE");
        h2.setUser("gatehouse");
        h2.setPassword(HexFormat.of().formatHex(MasterKey.load(config.masterKey, config.dataDir).derive("gatehouse embedded database password v1")));
        return h2;
    }

    @Test
    void rowsWrittenBeforeV15StillWorkNewOnesAreStoredWholeAndLeanOnesReadBackWhole() throws Exception {
        try (Backend b = Backend.create(backend)) {
            Config config = Config.load(b.env());
            DataSource ds = dataSource(config);
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").target("14").load().migrate();
            Secrets secrets = new Secrets(MasterKey.load(config.masterKey, config.dataDir).derive("gatehouse secret pepper v1"));
            String rat = Secrets.newSecret(Secrets.REGISTRATION_ACCESS_TOKEN);
            long now = System.currentTimeMillis();
            try (var c = ds.getConnection(); var s = c.createStatement()) {
                s.executeUpdate("INSERT INTO initial_access_tokens (id, token_hash, label, scope, max_registrations, registrations,"
                        + " created_at, created_by, expires_at) VALUES ('iat_old', 'h', 'old', 'prefs:read', 10, 1, " + now + ", 'cli', "
                        + (now + 86_400_000L) + ")");
                s.executeUpdate("INSERT INTO installations (id, owner_account, installation_id, first_iat_id, last_iat_id, registrations,"
                        + " created_at, last_registered_at) VALUES ('inst_old', 'operator', 'old-installation-0001', 'iat_old', 'iat_old', 1, " + now + ", " + now + ")");
                s.executeUpdate("INSERT INTO clients (client_id, kind, iat_id, secret_hash, secret_issued_at, secret_expires_at, rat_hash,"
                        + " token_endpoint_auth_method, scope, client_name, software_id, software_version, installation_id, metadata,"
                        + " created_at, updated_at, installation_ref) VALUES ('old-client', 'installation', 'iat_old', 'x', " + now + ", 0, '"
                        + secrets.hash(rat) + "', 'client_secret_basic', 'prefs:read', 'Old PC', 'app', '1.0', 'old-installation-0001', '" + METADATA + "', "
                        + now + ", " + now + ", 'inst_old')");
            }
            try (Gatehouse g = Gatehouse.open(Config.load(b.env()), Database.SchemaPolicy.MIGRATE)) { // applies V15
                ClientRecord old = g.registrations.read("old-client", rat);
                assertThat(old.metadata()).as("a row from before V15 reads as it was written").isEqualTo(METADATA);
                assertThatThrownBy(() -> g.registrations.read("old-client", Secrets.newSecret(Secrets.REGISTRATION_ACCESS_TOKEN)))
                        .isInstanceOf(OAuthError.class);
                boolean lean = g.db.withHandle(h -> h.createQuery("SELECT metadata_lean FROM clients WHERE client_id = 'old-client'")
                        .mapTo(Boolean.class).one());
                assertThat(lean).isFalse();

                // The identity key still refuses a second installation with the same id in one account.
                assertThatThrownBy(() -> g.db.withHandle(h -> h.execute("INSERT INTO installations (id, owner_account, installation_id,"
                        + " first_iat_id, last_iat_id, registrations, created_at, last_registered_at)"
                        + " VALUES ('inst_dup', 'operator', 'old-installation-0001', 'iat_old', 'iat_old', 1, 1, 1)")))
                        .satisfies(e -> assertThat(e.getMessage().toLowerCase(java.util.Locale.ROOT)).contains("installations_identity"));
                assertThat(g.installations.find("old-installation-0001")).as("found by the installation id alone").hasSize(1);
                assertThat(indexes(g)).contains("installations_installation_id").noneMatch(i -> i.contains("rat_hash"))
                        .anyMatch(i -> i.startsWith("installations_identity"));

                // A registration after V15: stored whole (this release writes no lean row: an older node may still read it).
                String iat = g.iats.create(IatService.Spec.of("new", 10, Duration.ofDays(1), null), Actor.cli()).token();
                var issued = g.registrations.register(iat, Map.of("client_name", "New PC", "grant_types", List.of("client_credentials"),
                        "token_endpoint_auth_method", "client_secret_basic", "software_id", "app", "software_version", "2.0",
                        "installation_id", "new-installation-0001"), new Actor("iat", "127.0.0.1"));
                String id = issued.client().clientId();
                String whole = g.db.withHandle(h -> h.createQuery("SELECT metadata FROM clients WHERE client_id = :id AND NOT metadata_lean")
                        .bind("id", id).mapTo(String.class).one());
                assertThat(Json.parseObject(whole)).containsKeys(ClientStore.REPEATED.toArray(String[]::new));
                // A lean row, as the next release writes it, reads back whole.
                String leanForm = ClientStore.leanMetadata(g.db.withHandle(h -> new ClientStore().find(h, id)).orElseThrow());
                assertThat(leanForm).isNotNull();
                g.db.withHandle(h -> h.createUpdate("UPDATE clients SET metadata = :m, metadata_lean = TRUE WHERE client_id = :id")
                        .bind("m", leanForm).bind("id", id).execute());
                assertThat(Json.parseObject(leanForm)).doesNotContainKeys(ClientStore.REPEATED.toArray(String[]::new));
                assertThat(Json.parseObject(g.registrations.read(id, issued.registrationAccessToken()).metadata()))
                        .isEqualTo(Json.parseObject(issued.client().metadata()))
                        .containsEntry("client_name", "New PC").containsEntry("installation_id", "new-installation-0001")
                        .containsEntry("software_version", "2.0").containsEntry("token_endpoint_auth_method", "client_secret_basic");
            }
        }
    }

    private static List<String> indexes(Gatehouse g) {
        String sql = g.db.isPostgres()
                ? "SELECT indexname FROM pg_indexes WHERE tablename IN ('clients', 'installations')"
                : "SELECT INDEX_NAME FROM INFORMATION_SCHEMA.INDEXES WHERE TABLE_NAME IN ('CLIENTS', 'INSTALLATIONS')";
        return g.db.withHandle(h -> h.createQuery(sql).mapTo(String.class).list()).stream()
                .map(s -> s.toLowerCase(java.util.Locale.ROOT)).toList();
    }
}
