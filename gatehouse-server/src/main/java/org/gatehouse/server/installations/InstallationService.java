package org.gatehouse.server.installations;

import org.gatehouse.server.domain.InstallationFilter;
import org.gatehouse.server.domain.Reregistration;

import org.gatehouse.server.domain.ClientKind;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.ClientMetadata;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.domain.ClientRevocation;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.store.ClientStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.domain.InstallationRecord;
import org.gatehouse.server.store.InstallationStore;
import org.jdbi.v3.core.Handle;

/**
 * Installations: one machine's app, kept apart from its credentials (DESIGN §2). Re-registration
 * policy, cloned-image detection, revocation with cascade to credentials, and stale clean-up.
 */
public final class InstallationService {
    /** Who stale clean-up acts as; an installation revoked for staleness may register again. */
    public static final String STALE_ACTOR = "system:stale";
    public static final String CLONE_REASON = "possible cloned image";
    /** The revocation reason of credentials replaced by a new registration of their installation. */
    public static final String REPLACED_REASON = "replaced by a new registration of the same installation";
    /** credential_state values (docs/protocol.md §15). */
    public static final String INSTALLATION_REVOKED = "installation_revoked";
    public static final String CREDENTIALS_REVOKED = "credentials_revoked";
    /** What the API and the portal say when {@link #restore} finds nothing to restore. */
    public static final String NOT_REVOKED = "this installation is not revoked: there is nothing to restore";
    public static final String REPLACED = "replaced";
    public static final String STALE = "stale";
    /** Another copy of the credentials rotated them (a cloned credential store): not a revocation. */
    public static final String ROTATED_ELSEWHERE = "rotated_elsewhere";

    /** A registration refused because the installation re-registers too often (clone action "block"). */
    public static final class CloneBlocked extends RuntimeException {
        public final String installationRef;

        CloneBlocked(String installationRef) {
            super(null, null, false, false);
            this.installationRef = installationRef;
        }
    }

    /** What clean-up did (or, in a dry run, would do). */
    public record CleanupReport(long scanned, long markedStale, long revoked) {
    }

    private final Database db;
    private final InstallationStore store;
    private final ClientStore clients;
    private final AccountStore accounts;
    private final Audit audit;
    private final Clock clock;
    private final int cloneThreshold;
    private final Duration cloneWindow;
    private final boolean cloneBlock;
    private final Duration staleAfter;
    private final Duration staleRevokeAfter;

    public InstallationService(Database db, InstallationStore store, ClientStore clients, AccountStore accounts, Audit audit, Clock clock,
                               int cloneThreshold, Duration cloneWindow, boolean cloneBlock,
                               Duration staleAfter, Duration staleRevokeAfter) {
        this.db = db;
        this.store = store;
        this.clients = clients;
        this.accounts = accounts;
        this.audit = audit;
        this.clock = clock;
        this.cloneThreshold = cloneThreshold;
        this.cloneWindow = cloneWindow;
        this.cloneBlock = cloneBlock;
        this.staleAfter = staleAfter;
        this.staleRevokeAfter = staleRevokeAfter;
    }

    /**
     * Links a registration to its installation inside the registration's transaction, creating the
     * installation on first sight, and applies the token's re-registration policy to the
     * installation's current credentials. A new installation gets no audit event of its own: the
     * registration's {@code client.register} event names it and says it was created (one event per
     * registration, issue 18).
     */
    public Attached attach(Handle h, IatRecord iat, ClientMetadata md, long now, Actor actor) {
        Optional<InstallationRecord> found = md.installationId() == null
                ? Optional.empty() : store.findForUpdate(h, iat.ownerAccount(), md.installationId());
        if (found.isEmpty()) {
            String ref = "inst_" + Secrets.randomId(12);
            store.insert(h, InstallationRecord.builder().id(ref).ownerAccount(iat.ownerAccount()).installationId(md.installationId())
                    .firstIatId(iat.id()).lastIatId(iat.id()).softwareId(md.softwareId()).softwareVersion(md.softwareVersion())
                    .clientName(md.clientName()).registrations(1).createdAt(now).lastRegisteredAt(now).build());
            return new Attached(ref, true);
        }
        InstallationRecord inst = found.get();
        if (inst.revokedAt() != null && !STALE_ACTOR.equals(inst.revokedBy())) {
            // The caller proved only an initial access token of the same owner, not this installation's
            // credentials: the state and what to do, never when, why or which (the reason is the issuer's text).
            throw OAuthError.invalidClientMetadata("this installation was revoked; only the issuer of its token file or an"
                    + " administrator can restore it, then enrol again").withCredentialState(INSTALLATION_REVOKED);
        }
        checkClone(h, inst, now, actor);
        // The identity model (docs/protocol.md §5): one installation is one app (software_id) on one
        // machine, or one OS user's copy of it. Ids derived before that model (machine and issuer only)
        // are shared by every app of a machine, so a registration replaces or conflicts with only the
        // credentials of its own software_id: two apps never revoke each other, whatever the id.
        List<String> same = clients.activeOfInstallationSoftware(h, inst.id(), md.softwareId());
        if (!same.isEmpty()) {
            // Credentials admitted under "reject" are protected from every token of the owner, not only their own:
            // otherwise any token with "replace" could knock them out (the installation id is in every access token).
            Reregistration policy = clients.anyActiveAdmittedUnder(h, inst.id(), md.softwareId(), Reregistration.REJECT)
                    ? Reregistration.REJECT : iat.reregistration();
            switch (policy) {
                case REJECT:
                    throw OAuthError.invalidClientMetadata("this installation is already registered: delete that registration"
                            + " first (RFC 7592); neither the token it registered with nor this one may refuse re-registration");
                case ALLOW:
                    break;
                default:
                    for (String id : same) clients.revoke(h, id, now, actor.name(), REPLACED_REASON);
                    audit.record(h, now, actor, "installation.credentials_replaced", inst.id(), Map.of("clients", same));
            }
        }
        store.registered(h, inst.id(), iat.id(), md.softwareId(), md.softwareVersion(), md.clientName(), now);
        return new Attached(inst.id(), false);
    }

    /** The installation a registration was linked to, and whether the registration created it. */
    public record Attached(String ref, boolean created) {
    }

    /**
     * Why a client that proved its secret or registration access token is no longer accepted: an
     * OAuth error of the given kind with a {@code credential_state} and a description that says what
     * to do. "Revoked by a person" (the installation, or these credentials) is told apart from
     * "lost here" (replaced by a newer registration of the same installation, or dropped as stale).
     */
    public OAuthError notAccepted(ClientRecord c, Function<String, OAuthError> kind) {
        return db.withHandle(h -> notAccepted(h, c, kind));
    }

    public OAuthError notAccepted(Handle h, ClientRecord c, Function<String, OAuthError> kind) {
        ClientRevocation r = clients.revocation(h, c.clientId()).orElse(null);
        if (r == null || (r.revokedAt() == null && r.installationRevokedAt() == null)) {
            return kind.apply("these credentials are no longer valid");
        }
        if (r.installationRevokedAt() != null && !STALE_ACTOR.equals(r.installationRevokedBy())) {
            return kind.apply(revokedInstallation(r.installationRevokedAt(), r.installationRevokedReason(), r.installationId()))
                    .withCredentialState(INSTALLATION_REVOKED);
        }
        long at = r.revokedAt() != null ? r.revokedAt() : r.installationRevokedAt();
        if (STALE_ACTOR.equals(r.revokedBy()) || STALE_ACTOR.equals(r.installationRevokedBy())) {
            return kind.apply("these credentials were revoked on " + day(at) + " because the installation was unused;"
                    + " enrol again with a token file").withCredentialState(STALE);
        }
        if (REPLACED_REASON.equals(r.revokedReason())) {
            return kind.apply("these credentials were replaced on " + day(at) + " by a newer registration of the same installation"
                    + " (another copy of this credential store, or the same app enrolled again on this machine);"
                    + " enrol again with a token file to use the installation here").withCredentialState(REPLACED);
        }
        return kind.apply("these credentials were revoked on " + day(at) + (r.revokedReason() == null ? "" : " (" + r.revokedReason() + ")")
                + "; the installation itself is not revoked: enrol again with a token file").withCredentialState(CREDENTIALS_REVOKED);
    }

    /**
     * A client secret or registration access token that did not match the client's current one but
     * matched the previous one (kept at the last RFC 7592 §2.2 rotation, see ClientStore#rememberPrevious,
     * and read with the client's row): another copy of these credentials rotated them, and the caller,
     * who proved it held them, is told so ({@value #ROTATED_ELSEWHERE}) instead of a bare failure that
     * reads as "revoked". Null for anything but an installation's credentials. The caller compares the
     * presented value against both hashes with one keyed hash ({@link org.gatehouse.server.crypto.Secrets#match}),
     * so the failure path does no extra read and no extra hash.
     */
    public OAuthError rotatedElsewhere(Handle h, ClientRecord c, Function<String, OAuthError> kind) {
        if (c.kind() != ClientKind.INSTALLATION) return null;
        // A revocation is the more important truth, and what the other copy is told as well.
        if (!c.active()) return notAccepted(h, c, kind);
        return rotatedElsewhereError(kind);
    }

    /** {@link #rotatedElsewhere(Handle, ClientRecord, Function)} without an open handle (read only if the client is revoked). */
    public OAuthError rotatedElsewhere(ClientRecord c, Function<String, OAuthError> kind) {
        if (c.kind() != ClientKind.INSTALLATION) return null;
        if (!c.active()) return notAccepted(c, kind);
        return rotatedElsewhereError(kind);
    }

    private static OAuthError rotatedElsewhereError(Function<String, OAuthError> kind) {
        return kind.apply("these credentials were replaced by a rotation made with another copy of them (possibly a cloned"
                + " credential store: a copied disk, image or home directory), or the answer to this copy's own rotation"
                + " never arrived; the registration itself is active. To use it here, unenrol and enrol again with a"
                + " token file (that replaces the other copy's credentials), or ask the issuer").withCredentialState(ROTATED_ELSEWHERE);
    }

    /**
     * The audit side of {@link #rotatedElsewhere}: the first use of a previous credential since the
     * last rotation is recorded ({@code client.rotated_elsewhere}, a possible clone), later ones are
     * not, so a copy that keeps retrying cannot fill the log. Its own transaction: call it outside any other.
     */
    public void reportRotatedElsewhere(String clientId, String remoteAddr) {
        long now = clock.millis();
        db.inTransaction(h -> {
            if (clients.markPreviousReported(h, clientId, now)) {
                audit.record(h, now, new Actor("client:" + clientId, remoteAddr), "client.rotated_elsewhere", clientId,
                        Map.of("reason", CLONE_REASON));
            }
            return null;
        });
    }

    private static String revokedInstallation(long at, String reason, String installationId) {
        return "this installation was revoked on " + day(at) + (reason == null ? "" : " (" + reason + ")")
                + "; only the issuer of its token file or an administrator can restore it"
                + (installationId == null ? "" : " (installation id " + installationId + ")") + ", then enrol again";
    }

    private static String day(long millis) {
        return java.time.Instant.ofEpochMilli(millis).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    /** What the API and the portal say when an issuer tries to lift an administrator's revocation. */
    public static final String ADMIN_ONLY = "an administrator revoked this installation: only an administrator can restore it";

    /** A restore refused: the revocation was an administrator's and the caller is not one ({@link #ADMIN_ONLY}). */
    public static final class RestoreForbidden extends RuntimeException {
        RestoreForbidden() {
            super(ADMIN_ONLY, null, false, false);
        }
    }

    /** {@link #restore(String, AccountRecord, Actor)} by the operator (the CLI on the server's host): an administrator. */
    public boolean restoreAsOperator(String ref, Actor actor) {
        return restore(ref, actor, h -> true, null);
    }

    /**
     * The way back for a revoked installation: it may register again (with a valid token file); its
     * old credentials stay revoked, since they may be what leaked. False if unknown, not revoked, or not
     * the account's to see. Who may do it is decided here, from the account as it stands in this
     * transaction (not from the caller's copy, nor from a flag a handler passes): an account that is no
     * longer active restores nothing; an issuer restores only its own installations, and may undo its own
     * revocations, a token cascade it made and stale clean-up, never an administrator's decision
     * ({@link RestoreForbidden}); an administrator restores any.
     */
    public boolean restore(String ref, AccountRecord account, Actor actor) {
        String accountId = account.id();
        return restore(ref, actor, h -> {
            Optional<AccountRecord> current = accounts.findAccount(h, accountId).filter(AccountRecord::active);
            return current.map(AccountRecord::isAdmin).orElse(null);
        }, accountId);
    }

    /**
     * @param isAdmin  read in the transaction: true for an administrator, false for an issuer, null for nobody
     * @param issuerId the account an issuer acts for: it restores only what that account owns
     */
    private boolean restore(String ref, Actor actor, Function<Handle, Boolean> isAdmin, String issuerId) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            InstallationRecord before = store.find(h, ref).orElse(null);
            if (before == null || before.revokedAt() == null) return false;
            Boolean admin = isAdmin.apply(h);
            if (admin == null) return false;
            if (!admin) {
                if (issuerId == null || !issuerId.equals(before.ownerAccount())) return false; // not its own: as if unknown
                if (store.revokedByAdmin(h, ref)) throw new RestoreForbidden();
            }
            if (!store.restore(h, ref)) return false;
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("revoked_at", before.revokedAt());
            if (before.revokedReason() != null) d.put("revoked_reason", before.revokedReason());
            audit.record(h, now, actor, "installation.restore", ref, d);
            return true;
        });
    }

    /** Re-registering more than N times within T: a possible cloned disk image (DESIGN §2). */
    private void checkClone(Handle h, InstallationRecord inst, long now, Actor actor) {
        int recent = store.registrationsSince(h, inst.id(), now - cloneWindow.toMillis()) + 1;
        if (recent <= cloneThreshold) return;
        if (cloneBlock) throw new CloneBlocked(inst.id());
        flag(h, inst.id(), now, actor, recent);
    }

    /** Records the flag of a blocked registration in a transaction of its own (the registration rolled back). */
    public void flagBlocked(String ref, Actor actor) {
        long now = clock.millis();
        db.inTransaction(h -> {
            flag(h, ref, now, actor, -1);
            audit.record(h, now, actor, "installation.registration_blocked", ref, Map.of("reason", CLONE_REASON));
            return null;
        });
    }

    private void flag(Handle h, String ref, long now, Actor actor, int recent) {
        if (store.flag(h, ref, now, CLONE_REASON)) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("reason", CLONE_REASON);
            if (recent > 0) d.put("registrations_in_window", recent);
            d.put("window_seconds", cloneWindow.getSeconds());
            audit.record(h, now, actor, "installation.flagged", ref, d);
        }
    }

    /**
     * One page of the installations {@code viewer} may see (AccountRecord.mayView), newest first: the API's and the
     * portal's lists come here. An admin's filter stands as given (no owner: every account's); an issuer asking for
     * no owner or another account's gets their own.
     */
    public List<InstallationRecord> list(AccountRecord viewer, InstallationFilter filter, int limit, String after) {
        return list(scoped(viewer, filter), limit, after);
    }

    /** How many of the installations {@code viewer} may see match, up to {@code cap}. */
    public int count(AccountRecord viewer, InstallationFilter filter, int cap) {
        return count(scoped(viewer, filter), cap);
    }

    /** The visibility rule on a list: the filter's owner if {@code viewer} may see that owner's installations, else the viewer's own. */
    static InstallationFilter scoped(AccountRecord viewer, InstallationFilter f) {
        return viewer.mayView(f.owner()) ? f : new InstallationFilter(f.iatId(), f.status(), f.stale(), f.flagged(), viewer.id());
    }

    /** Unscoped: the operator's view (the command line); handlers for an account use {@link #list(AccountRecord, InstallationFilter, int, String)}. */
    public List<InstallationRecord> list(InstallationFilter filter, int limit, String after) {
        return db.withHandle(h -> store.list(h, filter, Math.max(1, Math.min(limit, 10_000)), after));
    }

    /** How many installations match, up to {@code cap}. */
    public int count(InstallationFilter filter, int cap) {
        return db.withHandle(h -> store.count(h, filter, cap));
    }

    public List<InstallationRecord> find(String id) {
        return db.withHandle(h -> store.findByEitherId(h, id));
    }

    /**
     * The installation an inst_… reference names, if {@code viewer} may see it (AccountRecord.mayView: their own, or
     * any for an admin); another account's is answered like one that does not exist.
     */
    public Optional<InstallationRecord> visibleTo(String ref, AccountRecord viewer) {
        if (ref == null || !ref.startsWith("inst_") || ref.length() > 40) return Optional.empty();
        List<InstallationRecord> found = find(ref);
        if (found.size() != 1) return Optional.empty();
        return Optional.of(found.get(0)).filter(i -> viewer.mayView(i.ownerAccount()));
    }

    /**
     * An installation as people read it: the owner by e-mail address ("operator" for tokens made on
     * the command line), tokens by label, with the credentials it has held.
     */
    public record Details(InstallationRecord installation, String owner, String firstTokenLabel, String lastTokenLabel,
                          List<ClientRecord> credentials, Map<String, String> tokenLabels) {
    }

    /** Every installation {@code id} names (an inst_… reference or an installation id), with names for its ids. */
    public List<Details> details(String id) {
        return db.withHandle(h -> {
            List<Details> out = new ArrayList<>();
            for (InstallationRecord r : store.findByEitherId(h, id)) {
                List<ClientRecord> creds = clients.listByInstallation(h, r.id());
                Map<String, String> labels = new LinkedHashMap<>();
                for (String iat : java.util.stream.Stream.concat(java.util.stream.Stream.of(r.firstIatId(), r.lastIatId()),
                        creds.stream().map(ClientRecord::iatId)).toList()) {
                    if (iat != null) labels.computeIfAbsent(iat, k -> store.tokenLabel(h, k).orElse(k));
                }
                String owner = store.accountEmail(h, r.ownerAccount()).orElse(r.ownerAccount());
                out.add(new Details(r, owner, labels.get(r.firstIatId()), labels.get(r.lastIatId()), creds, labels));
            }
            return out;
        });
    }

    public List<ClientRecord> credentials(String ref) {
        return db.withHandle(h -> clients.listByInstallation(h, ref));
    }

    /** Revokes an installation and every credential it holds. False if unknown or already revoked. */
    public boolean revoke(String ref, String reason, Actor actor) {
        long now = clock.millis();
        return db.inTransaction(h -> revoke(h, ref, now, actor, reason));
    }

    private boolean revoke(Handle h, String ref, long now, Actor actor, String reason) {
        if (!store.revoke(h, ref, now, actor.name(), reason)) return false;
        List<String> revoked = clients.revokeActiveOfInstallation(h, ref, now, actor.name(), reason);
        Map<String, Object> d = new LinkedHashMap<>();
        if (reason != null) d.put("reason", reason);
        d.put("clients", revoked);
        audit.record(h, now, actor, "installation.revoke", ref, d);
        return true;
    }

    /**
     * Revokes one installation's credential (client) and keeps its installation, which may register
     * again. Only installation credentials: a resource server's are revoked through ResourceServers.
     */
    public boolean revokeCredential(String clientId, String reason, Actor actor) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            boolean installation = clients.find(h, clientId).filter(c -> c.kind() == ClientKind.INSTALLATION).isPresent();
            boolean done = installation && clients.revoke(h, clientId, now, actor.name(), reason);
            if (done) audit.record(h, now, actor, "client.revoke", clientId, reason == null ? null : Map.of("reason", reason));
            return done;
        });
    }

    /** Cascade: revokes every installation a token admitted, with all their credentials. */
    public int revokeAdmittedBy(Handle h, String iatId, long now, Actor actor, String reason) {
        int n = 0;
        for (String ref : store.activeAdmittedBy(h, iatId)) {
            if (revoke(h, ref, now, actor, reason)) n++;
        }
        return n;
    }

    /**
     * Marks installations unused for the stale period as stale and, when configured, revokes the
     * credentials of those stale for the further period. Walks all installations in batches.
     */
    public CleanupReport cleanup(boolean dryRun, Actor actor, Consumer<CleanupReport> progress) {
        long now = clock.millis();
        long staleBefore = now - staleAfter.toMillis();
        long revokeBefore = staleRevokeAfter.isZero() ? Long.MIN_VALUE : now - staleRevokeAfter.toMillis();
        long scanned = 0;
        long marked = 0;
        long revoked = 0;
        String cursor = null;
        while (true) {
            String after = cursor;
            List<InstallationStore.Scanned> batch = db.withHandle(h -> store.scan(h, after, 5000));
            if (batch.isEmpty()) break;
            List<String> toMark = new ArrayList<>();
            List<String> toRevoke = new ArrayList<>();
            for (InstallationStore.Scanned row : batch) {
                if (row.revokedAt() != null) continue; // already revoked
                if (row.staleAt() == null && row.seenAt() < staleBefore) toMark.add(row.id());
                if (row.staleAt() != null && row.staleAt() < revokeBefore) toRevoke.add(row.id());
            }
            scanned += batch.size();
            if (dryRun) {
                marked += toMark.size();
                revoked += toRevoke.size();
            } else if (!toMark.isEmpty() || !toRevoke.isEmpty()) {
                long[] done = db.inTransaction(h -> {
                    int m = store.markStale(h, toMark, now);
                    int r = 0;
                    for (String ref : toRevoke) {
                        if (revoke(h, ref, now, new Actor(STALE_ACTOR, actor.remoteAddr()), "unused for longer than the stale periods")) r++;
                    }
                    if (m > 0) audit.record(h, now, actor, "installations.marked_stale", null, Map.of("count", m));
                    return new long[] {m, r};
                });
                marked += done[0];
                revoked += done[1];
            }
            cursor = batch.get(batch.size() - 1).id();
            progress.accept(new CleanupReport(scanned, marked, revoked));
        }
        return new CleanupReport(scanned, marked, revoked);
    }
}
