package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 §5 on the embedded database: sustained registrations must not grow the H2 file by a
 * chunk per commit. Without compaction each registration left about 180 KiB of file behind
 * (10-minute soak: 1.7 GB to 8.1 GB); the live data is a few KiB. The rate limits are off: this
 * is about storage, not about one address registering 4,000 times.
 */
@Slow // 4,000 registrations: a small soak, not a quick check
class H2HousekeepingTest {

    @Test
    void theEmbeddedFileGrowsWithTheLiveDataNotWithTheNumberOfCommits() throws Exception {
        try (Backend b = Backend.create(Backend.H2)) {
            Map<String, String> env = new HashMap<>(b.env());
            env.put("GATEHOUSE_RATE_REGISTER_PER_TOKEN", "0");
            env.put("GATEHOUSE_RATE_REGISTER_PER_ADDRESS", "0");
            try (Gatehouse g = Gatehouse.open(Config.load(env))) {
                grow(b, g);
            }
        }
    }

    private static void grow(Backend b, Gatehouse g) throws Exception {
        String iat = g.iats.create(IatService.Spec.of("housekeeping", 1_000_000, Duration.ofDays(1), null), Actor.cli()).token();
        H2Housekeeping housekeeping = g.db.h2Housekeeping();
        assertThat(housekeeping).isNotNull();

        int registrations = 4_000;
        for (int i = 1; i <= registrations; i++) {
            g.registrations.register(iat, Map.of("client_name", "housekeeping " + i, "installation_id", Secrets.randomId(32)), Actor.cli());
            // A round every 200 registrations, whatever the speed of the machine (the timer adds its own).
            if (i % 200 == 0) housekeeping.compactOnce();
        }
        long size = Files.size(b.dataDir.resolve("gatehouse.mv.db"));
        System.out.printf("H2 file after %d registrations: %d KiB (%d KiB each), chunks %d %% live%n",
                registrations, size >> 10, (size >> 10) / registrations, housekeeping.chunksFillRate());
        // Measured: about 5 KiB per registration with compaction, 53 KiB without it (RETENTION_TIME=0 alone).
        assertThat(size).as("H2 file size").isLessThan(registrations * 32L * 1024);
    }
}
