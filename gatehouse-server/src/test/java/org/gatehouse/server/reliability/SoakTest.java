package org.gatehouse.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.ServerProcess;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 8 §5: mixed load against `gatehouse serve` in its own JVM: installations register, get
 * tokens, introspect, revoke, rotate their secret and unenrol, while resource servers introspect.
 * 0 errors; resident memory flat (end of run against the end of the warm-up third); the database
 * grows with registrations only (no write per token request) and by a bounded amount per registration.
 *
 * <p>CI runs 20 s per backend. The documented long run (10 minutes):
 * {@code ./gatehouse test -pl gatehouse-server -Dtest=SoakTest -Dsoak.seconds=600} (add
 * {@code -Dsoak.backend=h2} or {@code postgres} for one database only)
 */
@BothBackends
@Slow
class SoakTest {
    static final int THREADS = 6;

    @Parameter
    String backend;

    @Test
    void mixedLoadHasNoErrorsAndFlatMemoryAndStorage() throws Exception {
        long seconds = Long.getLong("soak.seconds", 20);
        String only = System.getProperty("soak.backend"); // -Dsoak.backend=h2 for one database's long run
        org.junit.jupiter.api.Assumptions.assumeTrue(only == null || only.equals(backend), "soak.backend=" + only);
        try (Backend b = Backend.create(backend)) {
            Map<String, String> env = ServerProcess.env(b, ServerProcess.freePort());
            String iat;
            String rsId;
            String rsSecret;
            try (Gatehouse g = Gatehouse.open(Config.load(env), Database.SchemaPolicy.MIGRATE)) {
                iat = g.iats.create(org.gatehouse.server.iat.IatService.Spec.of("soak", 1_000_000, java.time.Duration.ofDays(1), null), Actor.cli()).token();
                var rs = g.resourceServers.create("soak rs", "client_secret_basic", Actor.cli());
                rsId = rs.client().clientId();
                rsSecret = rs.secret();
            }
            try (ServerProcess server = ServerProcess.start(env)) {
                AtomicLong ops = new AtomicLong();
                AtomicLong registrations = new AtomicLong();
                List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds / 3);
                ExecutorService pool = Executors.newFixedThreadPool(THREADS);
                List<Future<?>> workers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    workers.add(pool.submit(() -> {
                        for (long i = 0; i < 10_000_000 && System.nanoTime() < end && errors.size() < 10; i++) {
                            cycle(server.http, iat, rsId, rsSecret, ops, registrations, errors);
                        }
                    }));
                }
                // The warm-up third: then memory and storage are measured, and again at the end.
                long rssWarm = 0;
                long dbWarm = 0;
                long regWarm = 0;
                for (Future<?> f : workers) {
                    long left = warmEnd - System.nanoTime();
                    if (left > 0) {
                        try {
                            f.get(left, TimeUnit.NANOSECONDS);
                        } catch (java.util.concurrent.TimeoutException stillRunning) {
                            break;
                        }
                    }
                }
                rssWarm = rss(server.pid());
                dbWarm = dbBytes(b, env);
                regWarm = registrations.get();
                for (Future<?> f : workers) f.get(seconds + 120, TimeUnit.SECONDS);
                pool.shutdownNow();
                long rssEnd = rss(server.pid());
                long dbEnd = dbBytes(b, env);
                long regs = registrations.get() - regWarm;
                System.out.printf("soak [%s]: %d s, %d operations, %d errors; RSS %d → %d MiB; database %d → %d KiB over %d registrations%n",
                        backend, seconds, ops.get(), errors.size(), rssWarm >> 20, rssEnd >> 20, dbWarm >> 10, dbEnd >> 10, regs);
                assertThat(errors).as("the server's warnings and errors: %s", server.log().lines()
                        .filter(l -> l.contains("ERROR") || l.contains("WARN") || l.contains("Exception")).limit(40).toList()).isEmpty();
                assertThat(ops.get()).isPositive();
                // The server JVM runs with the launcher's options (serial GC, -Xmx112m since 2026-12-06, -Xmx192m when these figures were taken), so its RSS has a ceiling
                // (≈ 410 MiB measured for H2 under this load after 10 minutes). In a short run the heap, H2's page
                // cache and the JIT code cache are still filling after the warm-up third (a CI run saw H2 go from
                // 219 to 376 MiB in 20 s), so only the ceiling is checked there; flatness needs a long run.
                assertThat(rssEnd).as("resident memory stays under the ceiling").isLessThanOrEqualTo(448L << 20);
                if (seconds >= 120) {
                    assertThat(rssEnd).as("resident memory stays flat").isLessThanOrEqualTo(rssWarm + Math.max(rssWarm / 2, 128L << 20));
                }
                // Measured (2 minutes): PostgreSQL about 4 KiB per registration, H2 about 7 KiB now that the
                // server compacts the file (store/H2Housekeeping); without that, H2 grew by about 180 KiB.
                long perRegistration = Backend.H2.equals(backend) ? 32 * 1024 : 16 * 1024;
                assertThat(dbEnd - dbWarm).as("storage grows by a bounded amount per registration")
                        .isLessThanOrEqualTo(regs * perRegistration + (8L << 20));
                server.stop();
            }
        }
    }

    /** One installation's life, plus a resource server's look at its token. */
    private static void cycle(Http http, String iat, String rsId, String rsSecret, AtomicLong ops, AtomicLong registrations,
                              List<String> errors) {
        Http.Response reg = http.postJson("/register", iat, "{\"client_name\":\"soak\",\"installation_id\":\""
                + org.gatehouse.server.crypto.Secrets.randomId(32) + "\"}");
        if (!expect(reg, 201, errors)) return;
        registrations.incrementAndGet();
        String id = reg.str("client_id");
        String secret = reg.str("client_secret");
        String rat = reg.str("registration_access_token");
        String token = null;
        for (int i = 0; i < 10; i++) {
            Http.Response t = http.postForm("/token", id, secret, Map.of("grant_type", "client_credentials"));
            if (!expect(t, 200, errors)) return;
            token = t.str("access_token");
        }
        Http.Response in = http.postForm("/introspect", rsId, rsSecret, Map.of("token", token));
        if (!expect(in, 200, errors)) return;
        if (!Boolean.TRUE.equals(in.json().get("active"))) {
            errors.add("a token just issued introspects inactive: " + in.body());
            return;
        }
        if (!expect(http.postForm("/revoke", id, secret, Map.of("token", token)), 200, errors)) return;
        Http.Response upd = http.putJson("/register/" + id, rat, "{\"client_id\":\"" + id + "\",\"rotate_client_secret\":true}");
        if (!expect(upd, 200, errors)) return;
        if (!expect(http.postForm("/token", id, upd.str("client_secret"), Map.of("grant_type", "client_credentials")), 200, errors)) return;
        if (!expect(http.delete("/register/" + id, upd.str("registration_access_token")), 204, errors)) return;
        ops.addAndGet(16);
    }

    private static boolean expect(Http.Response r, int status, List<String> errors) {
        if (r.status() == status) return true;
        errors.add(r.status() + " " + r.body());
        return false;
    }

    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    private static long dbBytes(Backend b, Map<String, String> env) throws IOException {
        if (Backend.H2.equals(b.kind)) return Files.size(b.dataDir.resolve("gatehouse.mv.db"));
        try (var c = java.sql.DriverManager.getConnection(env.get("GATEHOUSE_DB_URL"), "postgres", "");
             var rs = c.createStatement().executeQuery("SELECT pg_database_size(current_database())")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
    }
}
