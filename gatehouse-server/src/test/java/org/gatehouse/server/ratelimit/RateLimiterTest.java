package org.gatehouse.server.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Token buckets with an injected clock: no waiting, exact arithmetic. */
class RateLimiterTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private void advanceSeconds(double s) {
        nanos.addAndGet((long) (s * 1e9));
    }

    @Test
    void aBurstOfOneMinutesWorthThenOneEveryPeriod() {
        RateLimiter limiter = new RateLimiter("test", 60, nanos::get); // 1 per second, burst 60
        for (int i = 0; i < 60; i++) assertThat(limiter.acquire("a")).as("permit " + i).isZero();
        assertThat(limiter.acquire("a")).isEqualTo(1);
        assertThat(limiter.peek("a")).isEqualTo(1);
        advanceSeconds(1);
        assertThat(limiter.peek("a")).isZero();
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isEqualTo(1);
    }

    @Test
    void retryAfterSaysHowLongUntilTheNextPermit() {
        RateLimiter limiter = new RateLimiter("test", 30, nanos::get); // one every 2 s, burst 30 (exact in binary)
        for (int i = 0; i < 30; i++) limiter.acquire("a");
        assertThat(limiter.acquire("a")).isEqualTo(2);
        advanceSeconds(1);
        assertThat(limiter.peek("a")).isEqualTo(1);
        assertThat(limiter.acquire("a")).isEqualTo(1);
        advanceSeconds(1);
        assertThat(limiter.acquire("a")).isZero();
    }

    @Test
    void keysHaveTheirOwnBucketsAndRefillStopsAtTheBurst() {
        RateLimiter limiter = new RateLimiter("test", 2, nanos::get);
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isPositive();
        assertThat(limiter.acquire("b")).isZero();
        assertThat(limiter.peek("never-seen")).isZero();
        advanceSeconds(3600); // an hour refills to the burst (2), not to 120
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isPositive();
    }

    @Test
    void peekTakesNothing() {
        RateLimiter limiter = new RateLimiter("test", 60, nanos::get);
        for (int i = 0; i < 100; i++) assertThat(limiter.peek("a")).isZero();
        for (int i = 0; i < 60; i++) assertThat(limiter.acquire("a")).as("permit " + i).isZero();
        assertThat(limiter.peek("a")).isEqualTo(1);
        assertThat(limiter.peek("a")).isEqualTo(1);
    }

    @Test
    void zeroPerMinuteDisablesTheLimit() {
        RateLimiter limiter = new RateLimiter("off", 0, nanos::get);
        for (int i = 0; i < 1000; i++) assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.peek("a")).isZero();
        assertThat(limiter.name()).isEqualTo("off");
    }
}
