package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Verification kept until expiry; revocation checks kept at most the ttl, dropped at once by a local revocation. */
class IntrospectionCacheTest {
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final AtomicInteger verifications = new AtomicInteger();
    private final AtomicInteger checks = new AtomicInteger();

    private Optional<TokenService.Verified> verify(String token) {
        verifications.incrementAndGet();
        return Optional.of(new TokenService.Verified(null, "jti", "client", 10_000));
    }

    private boolean check(boolean notRevoked) {
        checks.incrementAndGet();
        return notRevoked;
    }

    @Test
    void keepsVerificationUntilExpiryAndRevocationChecksWithinTheTtl() {
        IntrospectionCache cache = new IntrospectionCache(Duration.ofSeconds(2), 10, nanos::get);
        assertThat(cache.verify("t", this::verify, 1_000)).isPresent();
        assertThat(cache.verify("t", this::verify, 9_999)).isPresent();
        assertThat(verifications).hasValue(1);

        assertThat(cache.notRevoked("t", () -> check(true))).isTrue();
        nanos.addAndGet(Duration.ofMillis(1999).toNanos());
        assertThat(cache.notRevoked("t", () -> check(false))).isTrue();
        assertThat(checks).hasValue(1);
        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(cache.notRevoked("t", () -> check(false))).isFalse();
        assertThat(checks).hasValue(2);
        assertThat(cache.verify("t", this::verify, 10_000)).isPresent(); // expired entry: verified again
        assertThat(verifications).hasValue(2);
    }

    @Test
    void aLocalRevocationInvalidatesAtOnce() {
        IntrospectionCache cache = new IntrospectionCache(Duration.ofSeconds(2), 10, nanos::get);
        cache.verify("t", this::verify, 1_000);
        assertThat(cache.notRevoked("t", () -> check(true))).isTrue();
        cache.revoked();
        assertThat(cache.notRevoked("t", () -> check(false))).isFalse();
        assertThat(checks).hasValue(2);
    }

    @Test
    void staysBounded() {
        IntrospectionCache cache = new IntrospectionCache(Duration.ofSeconds(2), 3, nanos::get);
        for (int i = 0; i < 10; i++) cache.verify("t" + i, this::verify, 1_000);
        assertThat(cache.size()).isLessThanOrEqualTo(3);
    }
}
