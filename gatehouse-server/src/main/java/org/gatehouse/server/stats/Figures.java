package org.gatehouse.server.stats;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.StatsStore;

/**
 * The figures behind the portal's pictures (issue 14, Must 5): registrations and token requests per day, installations
 * by status, tokens close to expiry or to their registration limit — for the whole system (an admin), for one
 * account's own tokens (an issuer), or for one token. One call per page, read in one transaction.
 *
 * <p>Days are UTC days. Registrations are new client credentials (first registrations and re-registrations, as
 * the clients table records them); token requests are the grants counted by {@link TokenRequests}, written at
 * every last-seen flush (GATEHOUSE_LAST_SEEN_FLUSH), so the last minute or so is not in them yet.
 */
public final class Figures {
    /** The days a picture covers, at most. */
    public static final int DAYS = 30;
    /** A token "expires soon" within this many days. */
    public static final int SOON_DAYS = 14;
    /** A token is "close to its limit" from this share of its registrations used. */
    public static final int NEAR_LIMIT_PERCENT = 80;
    /** How long token request counts are kept (the maintenance job purges older hours). */
    public static final Duration RETENTION = Duration.ofDays(90);
    static final int ATTENTION_LIMIT = 50;
    /**
     * Counting installations by status reads every one of them (measured at 1,000,000: 1.0–1.6 s on PostgreSQL, 11 s
     * on H2, on a loaded 2-core machine): up to this many they are counted for every page, above it at most once per
     * {@link #RECOUNT} per account (and once for the whole system).
     */
    public static final int LIVE_UP_TO = 10_000;
    public static final Duration RECOUNT = Duration.ofMinutes(1);
    private static final int CACHED_ACCOUNTS = 1_000;
    private static final String SYSTEM = "";
    /** Counts of more than {@link #LIVE_UP_TO} installations, per account (and the system), recounted by one caller at a time. */
    private final Recounts<Statuses> counted = new Recounts<>(RECOUNT.toMillis(), CACHED_ACCOUNTS);
    private static final long DAY = 86_400_000L;

    /** Counts per day from {@code first} to {@code last} (UTC, both included), one entry per day. */
    public record PerDay(LocalDate first, LocalDate last, long[] counts) {
        public long total() {
            long t = 0;
            for (long c : counts) t += c;
            return t;
        }
    }

    /**
     * Installations by status, each counted once: revoked, else flagged (possible cloned image), else stale
     * (not seen — no token request, no registration — for {@code staleAfter}, marked by the maintenance job), else active.
     * {@code countedAt}: when they were counted, if not just now (more than {@link #LIVE_UP_TO} installations are
     * counted at most once per {@link #RECOUNT}); null: counted for this page.
     */
    public record Statuses(long active, long stale, long flagged, long revoked, Duration staleAfter, Long countedAt) {
        public long total() {
            return active + stale + flagged + revoked;
        }
    }

    /**
     * A usable token that expires within {@link #SOON_DAYS} days or has used {@link #NEAR_LIMIT_PERCENT} % of its
     * registrations. {@code daysLeft}: whole days to its expiry rounded up, 0 when less than one.
     */
    public record Attention(IatRecord token, boolean expiresSoon, boolean nearLimit, long daysLeft) {
    }

    /** The dashboard's figures. {@code wholeSystem}: every account's tokens and installations (an admin's view). */
    public record Overview(boolean wholeSystem, PerDay registrations, PerDay tokenRequests, Statuses installations,
                           List<Attention> attention, boolean moreAttention) {
    }

    /** One token's activity, from its creation day (at most the last {@link #DAYS} days). */
    public record TokenActivity(PerDay registrations, PerDay tokenRequests) {
    }

    private final Database db;
    private final StatsStore store;
    private final Clock clock;
    private final Duration staleAfter;

    public Figures(Database db, StatsStore store, Clock clock, Duration staleAfter) {
        this.db = db;
        this.store = store;
        this.clock = clock;
        this.staleAfter = staleAfter;
    }

    /** The dashboard of {@code viewer}: the whole system for an admin (AccountRecord.mayView), else the account's own tokens. */
    public Overview overview(AccountRecord viewer) {
        return overview(viewer.mayView(null) ? null : viewer.id());
    }

    /** The dashboard's figures: {@code owner} null for the whole system, else that account's own tokens. */
    Overview overview(String owner) {
        long now = clock.millis();
        LocalDate today = day(now);
        LocalDate first = today.minusDays(DAYS - 1);
        long from = start(first);
        long to = start(today.plusDays(1));
        return db.inTransaction(h -> {
            PerDay regs = perDay(store.registrationsPerDayOf(h, owner, from, to), first, today);
            PerDay reqs = perDay(store.tokenRequestsPerDayOf(h, owner, from, to), first, today);
            Statuses statuses = statuses(h, owner, now);
            List<IatRecord> tokens = store.tokensNeedingAttention(h, owner, now, now + SOON_DAYS * DAY, NEAR_LIMIT_PERCENT, ATTENTION_LIMIT + 1);
            List<Attention> attention = tokens.stream().limit(ATTENTION_LIMIT).map(t -> attention(t, now)).toList();
            return new Overview(owner == null, regs, reqs, statuses, attention, tokens.size() > ATTENTION_LIMIT);
        });
    }

    /**
     * Installations by status: counted now, or (more than {@link #LIVE_UP_TO} of them) as counted within {@link #RECOUNT};
     * when those are older, one caller recounts and the others meanwhile get the last figures ({@link Recounts}).
     */
    private Statuses statuses(org.jdbi.v3.core.Handle h, String owner, long now) {
        boolean many = store.installations(h, owner, LIVE_UP_TO + 1) > LIVE_UP_TO;
        if (!many) return count(h, owner, null);
        return counted.get(owner == null ? SYSTEM : owner, now, () -> count(h, owner, now));
    }

    private Statuses count(org.jdbi.v3.core.Handle h, String owner, Long countedAt) {
        Map<String, Long> s = store.installationsByStatus(h, owner);
        return new Statuses(s.getOrDefault("active", 0L), s.getOrDefault("stale", 0L), s.getOrDefault("flagged", 0L),
                s.getOrDefault("revoked", 0L), staleAfter, countedAt);
    }

    static Attention attention(IatRecord t, long now) {
        boolean soon = t.expiresAt() <= now + SOON_DAYS * DAY;
        boolean near = (long) t.registrations() * 100 >= (long) t.maxRegistrations() * NEAR_LIMIT_PERCENT;
        long left = t.expiresAt() - now; // whole days, rounded up: 2.9 days left is "3 days"; less than one is 0
        return new Attention(t, soon, near, left < DAY ? 0 : (left + DAY - 1) / DAY);
    }

    /** A token's registrations and token requests per day, from its creation day or the last {@link #DAYS} days. */
    public TokenActivity token(IatRecord t) {
        long now = clock.millis();
        LocalDate today = day(now);
        LocalDate first = today.minusDays(DAYS - 1);
        LocalDate created = day(t.createdAt());
        if (created.isAfter(first)) first = created.isAfter(today) ? today : created;
        LocalDate from = first;
        long to = start(today.plusDays(1));
        return db.inTransaction(h -> new TokenActivity(
                perDay(store.registrationsPerDay(h, t.id(), start(from), to), from, today),
                perDay(store.tokenRequestsPerDay(h, t.id(), start(from), to), from, today)));
    }

    /** Retention: drops token request counts older than {@link #RETENTION}; returns how many hours were dropped. */
    public int purge() {
        long before = clock.millis() - RETENTION.toMillis();
        return db.inTransaction(h -> store.purgeTokenRequestsBefore(h, before));
    }

    static PerDay perDay(Map<Long, Long> byDay, LocalDate first, LocalDate last) {
        int n = (int) (last.toEpochDay() - first.toEpochDay()) + 1;
        long[] counts = new long[n];
        byDay.forEach((d, c) -> {
            long i = d - first.toEpochDay();
            if (i >= 0 && i < n) counts[(int) i] += c;
        });
        return new PerDay(first, last, counts);
    }

    private static LocalDate day(long millis) {
        return LocalDate.ofEpochDay(Math.floorDiv(millis, DAY));
    }

    private static long start(LocalDate d) {
        return d.toEpochDay() * DAY;
    }
}
