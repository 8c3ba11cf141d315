package org.gatehouse.server.jobs;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.stats.Figures;
import org.gatehouse.server.store.AuditStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.ReplayStore;
import org.gatehouse.server.store.RevocationStore;
import org.gatehouse.server.store.SettingsStore;

/**
 * The periodic job: stale clean-up, purge of expired revocation entries, of used client assertion and
 * DPoP proof ids past their JWTs' acceptance window, of audit events past
 * retention, of token request counts past theirs (90 days, {@link Figures#RETENTION}), and of client change rows
 * older than a day. Every node asks; one conditional UPDATE decides which node's turn it is, so the job
 * runs once per interval across all nodes.
 */
public final class Maintenance {
    public record Report(InstallationService.CleanupReport cleanup, int revocationsPurged, int auditPurged, int usedJtisPurged,
                         int tokenRequestHoursPurged, int clientChangesPurged) {
    }

    /**
     * How long client change rows are kept (issue 18 Must 5): far longer than any node's poll can lag while its
     * cache still serves what it read (GATEHOUSE_CLIENT_CACHE_MAX_AGE is at most 1 h).
     */
    public static final long CLIENT_CHANGES_RETENTION_MILLIS = 24 * 3600_000L;

    private static final String JOB = "job.maintenance";
    private final Database db;
    private final SettingsStore settings;
    private final InstallationService installations;
    private final RevocationStore revocations;
    private final ReplayStore replays;
    private final AuditStore audit;
    private final Clock clock;
    private final Duration interval;
    private final Duration auditRetention;
    private final Figures figures;

    public Maintenance(Database db, SettingsStore settings, InstallationService installations, RevocationStore revocations,
                       ReplayStore replays, AuditStore audit, Clock clock, Duration interval, Duration auditRetention,
                       Figures figures) {
        this.figures = figures;
        this.db = db;
        this.settings = settings;
        this.installations = installations;
        this.revocations = revocations;
        this.replays = replays;
        this.audit = audit;
        this.clock = clock;
        this.interval = interval;
        this.auditRetention = auditRetention;
    }

    /** Runs the job if no node has run it within the interval; empty when it was not this node's turn. */
    public Optional<Report> runIfDue() {
        long now = clock.millis();
        boolean mine = db.inTransaction(h -> settings.claim(h, JOB, now, now - interval.toMillis()));
        return mine ? Optional.of(run()) : Optional.empty();
    }

    public Report run() {
        InstallationService.CleanupReport cleanup = installations.cleanup(false, Actor.system(), p -> { });
        long now = clock.millis();
        int revoked = db.inTransaction(h -> revocations.purgeExpired(h, now));
        int audited = db.inTransaction(h -> audit.purgeBefore(h, now - auditRetention.toMillis()));
        int jtis = db.inTransaction(h -> replays.purgeExpired(h, now));
        int hours = figures.purge();
        int changes = db.inTransaction(h -> org.gatehouse.server.store.ClientChangeStore.purgeBefore(h, now - CLIENT_CHANGES_RETENTION_MILLIS));
        return new Report(cleanup, revoked, audited, jtis, hours, changes);
    }
}
