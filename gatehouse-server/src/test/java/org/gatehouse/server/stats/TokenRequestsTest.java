package org.gatehouse.server.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SortedMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.gatehouse.server.store.StatsStore;
import org.junit.jupiter.api.Test;

/** The in-memory token request counters: per token and hour, the system total added up, bounded, nothing lost to a flush. */
class TokenRequestsTest {
    private static final long H = TokenRequests.HOUR;
    private static final long T0 = 1_800_000_000_000L - Math.floorMod(1_800_000_000_000L, TokenRequests.HOUR);

    private static TokenRequests counters(int max) {
        return new TokenRequests(null, null, null, max);
    }

    private static long get(SortedMap<StatsStore.HourKey, Long> m, String iat, long hour) {
        return m.getOrDefault(new StatsStore.HourKey(iat, hour), 0L);
    }

    @Test
    void perTokenAndHourWithTheSystemTotal() {
        TokenRequests r = counters(100);
        r.record("iat_a", T0 + 5);
        r.record("iat_a", T0 + H - 1);
        r.record("iat_b", T0 + 10);
        r.record("iat_a", T0 + H); // the next hour
        r.record(null, T0 + 1); // a client without a token: the total only
        SortedMap<StatsStore.HourKey, Long> m = r.take(T0 + H + 1);
        assertThat(get(m, "iat_a", T0)).isEqualTo(2);
        assertThat(get(m, "iat_b", T0)).isEqualTo(1);
        assertThat(get(m, "iat_a", T0 + H)).isEqualTo(1);
        assertThat(get(m, StatsStore.ALL, T0)).isEqualTo(4);
        assertThat(get(m, StatsStore.ALL, T0 + H)).isEqualTo(1);
        assertThat(m).hasSize(5); // no row for "no token"
        // Taken: the next take has nothing, and the past hour's counters are dropped once found empty.
        assertThat(r.take(T0 + H + 2)).isEmpty();
        assertThat(r.size()).isEqualTo(1); // the current hour's counter of iat_a stays
    }

    @Test
    void memoryIsBoundedAndTheTotalStaysRight() {
        TokenRequests r = counters(3);
        for (int i = 0; i < 10; i++) r.record("iat_" + i, T0);
        assertThat(r.size()).isLessThanOrEqualTo(4); // three tokens and the hour's "other"
        assertThat(r.overflowed()).isEqualTo(7);
        SortedMap<StatsStore.HourKey, Long> m = r.take(T0);
        assertThat(get(m, StatsStore.ALL, T0)).isEqualTo(10);
        assertThat(m.keySet().stream().filter(k -> !k.iatId().equals(StatsStore.ALL)).count()).isEqualTo(3);
    }

    @Test
    void countsPutBackAfterAFailedWriteComeBackWhole() {
        TokenRequests r = counters(100);
        r.record("iat_a", T0);
        r.record(null, T0);
        SortedMap<StatsStore.HourKey, Long> first = r.take(T0);
        r.putBack(first);
        r.record("iat_a", T0);
        SortedMap<StatsStore.HourKey, Long> m = r.take(T0);
        assertThat(get(m, "iat_a", T0)).isEqualTo(2);
        assertThat(get(m, StatsStore.ALL, T0)).isEqualTo(3);
    }

    @Test
    void takingWhileCountingLosesNothing() throws Exception {
        TokenRequests r = counters(1000);
        int threads = 4;
        int each = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String iat = "iat_" + (t % 2);
            done.add(pool.submit(() -> {
                for (int i = 0; i < each; i++) r.record(iat, T0 + i % 1000);
            }));
        }
        long total = 0;
        while (!done.stream().allMatch(Future::isDone)) total += get(r.take(T0), StatsStore.ALL, T0);
        for (Future<?> f : done) f.get();
        pool.shutdown();
        total += get(r.take(T0), StatsStore.ALL, T0);
        assertThat(total).isEqualTo((long) threads * each);
    }
}
