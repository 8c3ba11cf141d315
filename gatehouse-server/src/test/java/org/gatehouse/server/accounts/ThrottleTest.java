package org.gatehouse.server.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Failed sign-ins per key in a window, with an injected clock: no waiting. */
class ThrottleTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Throttle throttle = new Throttle(3, 60_000, now::get);

    @Test
    void theLimitThenTheRestOfTheWindowRoundedUpToWholeSeconds() {
        for (int i = 0; i < 3; i++) assertThat(throttle.attempt("a@example.org")).as("attempt " + i).isZero();
        assertThat(throttle.attempt("a@example.org")).isEqualTo(60);
        assertThat(throttle.retryAfter("a@example.org")).isEqualTo(60);
        now.addAndGet(500);
        assertThat(throttle.retryAfter("a@example.org")).isEqualTo(60); // 59.5 s: 60
        now.addAndGet(59_000);
        assertThat(throttle.retryAfter("a@example.org")).isEqualTo(1); // 0.5 s left: never 0 while refused
        now.addAndGet(500);
        assertThat(throttle.retryAfter("a@example.org")).isZero();
        assertThat(throttle.attempt("a@example.org")).isZero(); // a new window
    }

    @Test
    void aRefusedAttemptIsNotCounted() {
        for (int i = 0; i < 3; i++) throttle.attempt("k");
        for (int i = 0; i < 10; i++) assertThat(throttle.attempt("k")).isPositive();
        now.addAndGet(60_000);
        for (int i = 0; i < 3; i++) assertThat(throttle.attempt("k")).isZero();
    }

    @Test
    void keysAreIndependentAndClearForgetsOne() {
        for (int i = 0; i < 3; i++) throttle.failure("a");
        assertThat(throttle.retryAfter("a")).isPositive();
        assertThat(throttle.retryAfter("b")).isZero();
        assertThat(throttle.attempt("b")).isZero();
        throttle.clear("a");
        assertThat(throttle.retryAfter("a")).isZero();
    }

    @Test
    void aRefundGivesBackOneCountedAttemptAndNeverGoesBelowZero() {
        throttle.refund("never seen"); // nothing to give back: no entry made
        assertThat(throttle.retryAfter("never seen")).isZero();
        for (int i = 0; i < 3; i++) throttle.attempt("k");
        throttle.refund("k");
        assertThat(throttle.attempt("k")).isZero();
        assertThat(throttle.attempt("k")).isPositive();
        Throttle one = new Throttle(1, 1000, now::get);
        one.refund("x");
        one.attempt("x");
        one.refund("x");
        one.refund("x");
        assertThat(one.attempt("x")).isZero();
        assertThat(one.attempt("x")).isEqualTo(1);
    }

    @Test
    void failuresOutsideTheWindowStartANewOne() {
        throttle.failure("k");
        throttle.failure("k");
        now.addAndGet(60_000);
        throttle.failure("k");
        assertThat(throttle.retryAfter("k")).isZero();
        assertThat(throttle.attempt("k")).isZero();
        assertThat(throttle.attempt("k")).isZero();
        assertThat(throttle.attempt("k")).isEqualTo(60);
    }
}
