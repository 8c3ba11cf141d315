package org.gatehouse.server.registration;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.store.ClientRecord;
import org.gatehouse.server.store.ClientStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.text.Text;

/** Credentials for resource servers: they may introspect and revoke any token, and obtain none. */
public final class ResourceServers {
    public record Created(ClientRecord client, String secret) {
    }

    private final Database db;
    private final ClientStore clients;
    private final Secrets secrets;
    private final Audit audit;
    private final Clock clock;

    public ResourceServers(Database db, ClientStore clients, Secrets secrets, Audit audit, Clock clock) {
        this.db = db;
        this.clients = clients;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
    }

    public Created create(String name, String authMethod, Actor actor) {
        if (name == null || name.isBlank() || name.length() > 200 || !Text.isPlain(name)) {
            throw new IllegalArgumentException("name must be 1 to 200 printable characters");
        }
        if (!MetadataRules.AUTH_METHODS.contains(authMethod)) {
            throw new IllegalArgumentException("auth method must be client_secret_basic or client_secret_post");
        }
        long now = clock.millis();
        String secret = Secrets.newSecret(Secrets.CLIENT_SECRET);
        ClientRecord rs = new ClientRecord("rs_" + Secrets.randomId(12), ClientRecord.RESOURCE_SERVER, null,
                secrets.hash(secret), now, 0, null, authMethod, "", name.strip(), null, null, null, "{}", now, now,
                null, null, null, null, null);
        db.inTransaction(h -> {
            clients.insert(h, rs);
            audit.record(h, now, actor, "resource_server.create", rs.clientId(), Map.of("name", rs.clientName()));
            return null;
        });
        return new Created(rs, secret);
    }

    public List<ClientRecord> list() {
        return db.withHandle(h -> clients.listByKind(h, ClientRecord.RESOURCE_SERVER));
    }

    public boolean revoke(String clientId, String reason, Actor actor) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            boolean found = clients.find(h, clientId).filter(c -> ClientRecord.RESOURCE_SERVER.equals(c.kind())).isPresent();
            boolean done = found && clients.revoke(h, clientId, now, actor.name(), reason);
            if (done) audit.record(h, now, actor, "resource_server.revoke", clientId, reason == null ? null : Map.of("reason", reason));
            return done;
        });
    }
}
