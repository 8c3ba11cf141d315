package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.MasterKey;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * V13 (issue 17 Must 8): the replay check's table keyed by (expires_at, id). The ids recorded before the upgrade
 * are kept (a JWT used just before it is still refused just after), and a node of the previous release, whose
 * PostgreSQL statement names the old key, fails closed instead of accepting replays.
 */
@BothBackends
class ReplayKeyMigrationTest {
    @Parameter
    String backend;

    private static final long UNTIL = 4_102_444_800_000L; // 2100: never purged during the test

    /** The database as `serve` would open it, without Gatehouse's own pool (Flyway steps through the versions). */
    private static DataSource dataSource(Backend b) {
        Config config = Config.load(b.env());
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
    void idsRecordedBeforeTheUpgradeAreStillRefusedAndOldStatementsFailClosed() throws Exception {
        try (Backend b = Backend.create(backend)) {
            Map<String, String> env = b.env();
            DataSource ds = dataSource(b);
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").target("12").load().migrate();
            String before = Replays.id(Replays.ASSERTION, "client-a", "used-before-the-upgrade");
            try (var c = ds.getConnection(); var s = c.prepareStatement("INSERT INTO used_jtis (id, expires_at) VALUES (?, ?)")) {
                s.setString(1, before);
                s.setLong(2, UNTIL);
                s.executeUpdate();
            }
            try (Gatehouse g = Gatehouse.open(Config.load(env), Database.SchemaPolicy.MIGRATE)) { // applies V13
                assertThat(g.replays.firstUse(Replays.ASSERTION, "client-a", "used-before-the-upgrade", UNTIL)).as("kept by V13").isFalse();
                assertThat(g.replays.firstUse(Replays.ASSERTION, "client-a", "new", UNTIL)).isTrue();
                assertThat(g.replays.firstUse(Replays.ASSERTION, "client-a", "new", UNTIL)).as("a replay").isFalse();
                if (g.db.isPostgres()) {
                    // The previous release's statement (V8's key): refused, so its node cannot accept a replay.
                    assertThatThrownBy(() -> g.db.withHandle(h -> h.execute(
                            "INSERT INTO used_jtis (id, expires_at) VALUES ('x', 1) ON CONFLICT (id) DO NOTHING")))
                            .hasMessageContaining("ON CONFLICT");
                }
                long rows = g.db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM used_jtis").mapTo(Long.class).one());
                assertThat(rows).isEqualTo(2);
            }
        }
    }
}
