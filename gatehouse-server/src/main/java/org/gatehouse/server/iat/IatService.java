package org.gatehouse.server.iat;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.IatRecord;
import org.gatehouse.server.store.IatStore;
import org.gatehouse.server.text.Text;

/** Initial access tokens: the right to register a number of installations, handed out in a token file. */
public final class IatService {
    public static final int MAX_LABEL = 200;
    public static final int MAX_REGISTRATIONS = 1_000_000;
    public static final Duration MAX_LIFETIME = Duration.ofDays(3650);

    /** A token just created: the only moment its clear value exists. */
    public record Created(IatRecord record, String token) {
    }

    private final Database db;
    private final IatStore store;
    private final Secrets secrets;
    private final Audit audit;
    private final Clock clock;
    private final Set<String> knownScopes;

    public IatService(Database db, IatStore store, Secrets secrets, Audit audit, Clock clock, Set<String> knownScopes) {
        this.db = db;
        this.store = store;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
        this.knownScopes = knownScopes;
    }

    /**
     * Creates a token. Refuses an empty or over-long label, a count that is not positive
     * (keycloak#29311), an expiry that is not in the future, and scopes the server does not know.
     * A null scope means every scope the server knows.
     */
    public Created create(String label, int maxRegistrations, Duration expiresIn, String scope, Actor actor) {
        String cleanLabel = label == null ? "" : label.strip();
        if (cleanLabel.isEmpty() || cleanLabel.length() > MAX_LABEL || !Text.isPlain(cleanLabel)) {
            throw new IllegalArgumentException("label must be 1 to " + MAX_LABEL + " printable characters");
        }
        if (maxRegistrations <= 0 || maxRegistrations > MAX_REGISTRATIONS) {
            throw new IllegalArgumentException("max registrations must be from 1 to " + MAX_REGISTRATIONS);
        }
        if (expiresIn == null || expiresIn.isNegative() || expiresIn.isZero() || expiresIn.compareTo(MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("expiry must be in the future and at most " + MAX_LIFETIME.toDays() + " days away");
        }
        String cleanScope = scope == null ? String.join(" ", knownScopes) : normaliseScope(scope);
        long now = clock.millis();
        String token = Secrets.newSecret(Secrets.INITIAL_ACCESS_TOKEN);
        IatRecord record = new IatRecord("iat_" + Secrets.randomId(9), cleanLabel, cleanScope, maxRegistrations, 0,
                now, actor.name(), (now + expiresIn.toMillis()) / 1000 * 1000, null, null, null);
        db.inTransaction(h -> {
            store.insert(h, record, secrets.hash(token));
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("label", cleanLabel);
            details.put("max_registrations", maxRegistrations);
            details.put("expires_at", record.expiresAt());
            details.put("scope", cleanScope);
            audit.record(h, now, actor, "iat.create", record.id(), details);
            return null;
        });
        return new Created(record, token);
    }

    private String normaliseScope(String scope) {
        Set<String> tokens = Text.scopeSet(scope);
        for (String t : tokens) {
            if (!knownScopes.contains(t)) {
                throw new IllegalArgumentException("unknown scope '" + Text.printable(t) + "' (known: " + String.join(" ", knownScopes) + ")");
            }
        }
        return String.join(" ", tokens);
    }

    /** Finds the token a presented value belongs to (by keyed hash; no clear value is stored). */
    public Optional<IatRecord> find(String presented) {
        if (presented == null || !presented.startsWith(Secrets.INITIAL_ACCESS_TOKEN) || presented.length() > 100) {
            return Optional.empty();
        }
        String hash = secrets.hash(presented);
        return db.withHandle(h -> store.findByHash(h, hash));
    }

    public List<IatRecord> list() {
        return db.withHandle(store::list);
    }

    public Optional<IatRecord> get(String id) {
        return db.withHandle(h -> store.findById(h, id));
    }

    /** Revokes a token; registrations it admitted keep working. Returns false if unknown or already revoked. */
    public boolean revoke(String id, String reason, Actor actor) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            boolean done = store.revoke(h, id, now, actor.name(), reason);
            if (done) {
                audit.record(h, now, actor, "iat.revoke", id, reason == null ? null : Map.of("reason", reason));
            }
            return done;
        });
    }
}
