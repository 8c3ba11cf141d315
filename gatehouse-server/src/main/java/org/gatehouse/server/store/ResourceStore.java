package org.gatehouse.server.store;

import java.util.List;
import org.jdbi.v3.core.Handle;

/** SQL for RFC 8707 resources: resource servers' audiences and initial access tokens' resource limits. */
public final class ResourceStore {
    /** An active resource server that declared an audience; {@code scope} empty means every scope. */
    public record Resource(String clientId, String name, String audience, String scope) {
    }

    /** Sets a new resource server's audience; the unique index over active_audience refuses a second active one. */
    public void setAudience(Handle h, String clientId, String audience) {
        ClientChangeStore.client(h, clientId); // clients.audience is in the client record
        h.createUpdate("UPDATE clients SET audience = :audience, active_audience = :audience WHERE client_id = :id AND kind = 'resource_server'")
                .bind("audience", audience).bind("id", clientId).execute();
    }

    /** Frees a revoked resource server's audience for a new one; its own record keeps it. */
    public void releaseAudience(Handle h, String clientId) {
        h.createUpdate("UPDATE clients SET active_audience = NULL WHERE client_id = :id AND kind = 'resource_server'")
                .bind("id", clientId).execute();
    }

    public List<Resource> active(Handle h) {
        return h.createQuery("SELECT client_id, client_name, audience, scope FROM clients WHERE kind = 'resource_server'"
                        + " AND audience IS NOT NULL AND revoked_at IS NULL AND deleted_at IS NULL ORDER BY audience")
                .map((rs, ctx) -> new Resource(rs.getString("client_id"), rs.getString("client_name"), rs.getString("audience"),
                        rs.getString("scope")))
                .list();
    }

    public void setTokenResources(Handle h, String iatId, String resources) {
        ClientChangeStore.token(h, iatId); // joined into its clients' records as iat_resources
        h.createUpdate("UPDATE initial_access_tokens SET resources = :resources WHERE id = :id")
                .bind("resources", resources).bind("id", iatId).execute();
    }
}
