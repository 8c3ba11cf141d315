package org.gatehouse.server.store;

import org.gatehouse.server.domain.Reregistration;

import org.gatehouse.server.domain.ClientKind;

import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.domain.ClientRevocation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.gatehouse.server.json.Json;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for clients (installation credentials and resource-server credentials). */
public final class ClientStore {
    /** Told the client_id of every client this process changes (e.g. to drop a cached copy). */
    private volatile Consumer<String> onChange = id -> { };

    public void onChange(Consumer<String> listener) {
        this.onChange = listener;
    }

    /**
     * Tells the listener now and again once the transaction has committed, so that a copy read by
     * a concurrent request before the commit cannot outlive the change; and records the change for the
     * other nodes in the same transaction (client_changes, V14: they drop their copies within their poll).
     */
    private void changed(Handle h, String clientId) {
        forget(h, clientId);
        ClientChangeStore.client(h, clientId);
    }

    /** Tells this process only: a new client, which no node holds yet (unknown ids are cached briefly only). */
    private void forget(Handle h, String clientId) {
        onChange.accept(clientId);
        if (h.isInTransaction()) h.afterCommit(() -> onChange.accept(clientId));
    }
    private static final String SELECT = "SELECT c.client_id, c.kind, c.iat_id, c.secret_hash, c.secret_issued_at,"
            + " c.secret_expires_at, c.rat_hash, c.token_endpoint_auth_method, c.scope, c.client_name, c.software_id,"
            + " c.software_version, c.installation_id, c.metadata, c.metadata_lean, c.created_at, c.updated_at, c.revoked_at, c.deleted_at,"
            + " c.installation_ref, c.audience, c.jwks, c.auth_signing_alg, c.dpop_bound, c.previous_secret_hash, c.previous_rat_hash, i.scope AS iat_scope, i.client_cidrs AS iat_client_cidrs, i.resources AS iat_resources"
            + " FROM clients c LEFT JOIN initial_access_tokens i ON i.id = c.iat_id";

    private static final RowMapper<ClientRecord> MAPPER = (rs, ctx) -> ClientRecord.builder()
            .clientId(rs.getString("client_id"))
            .kind(Codes.read(ClientKind.values(), rs.getString("kind"), "clients.kind"))
            .iatId(rs.getString("iat_id"))
            .secretHash(rs.getString("secret_hash"))
            .secretIssuedAt(rs.getLong("secret_issued_at"))
            .secretExpiresAt(rs.getLong("secret_expires_at"))
            .ratHash(rs.getString("rat_hash"))
            .authMethod(rs.getString("token_endpoint_auth_method"))
            .scope(rs.getString("scope"))
            .clientName(rs.getString("client_name"))
            .softwareId(rs.getString("software_id"))
            .softwareVersion(rs.getString("software_version"))
            .installationId(rs.getString("installation_id"))
            .metadata(rs.getBoolean("metadata_lean") ? fullMetadata(rs.getString("metadata"), rs.getString("token_endpoint_auth_method"),
                    rs.getString("scope"), rs.getString("client_name"), rs.getString("software_id"), rs.getString("software_version"),
                    rs.getString("installation_id")) : rs.getString("metadata"))
            .createdAt(rs.getLong("created_at"))
            .updatedAt(rs.getLong("updated_at"))
            .revokedAt(Rows.nullableLong(rs, "revoked_at"))
            .deletedAt(Rows.nullableLong(rs, "deleted_at"))
            .iatScope(rs.getString("iat_scope"))
            .installationRef(rs.getString("installation_ref"))
            .iatClientCidrs(rs.getString("iat_client_cidrs"))
            .audience(rs.getString("audience"))
            .iatResources(rs.getString("iat_resources"))
            .jwks(rs.getString("jwks"))
            .authSigningAlg(rs.getString("auth_signing_alg"))
            .dpopBound(rs.getBoolean("dpop_bound"))
            .previousSecretHash(rs.getString("previous_secret_hash"))
            .previousRatHash(rs.getString("previous_rat_hash")).build();

    public void insert(Handle h, ClientRecord c) {
        forget(h, c.clientId());
        String lean = WRITE_LEAN ? leanMetadata(c) : null;
        h.createUpdate("INSERT INTO clients (client_id, kind, iat_id, secret_hash, secret_issued_at, secret_expires_at,"
                        + " rat_hash, token_endpoint_auth_method, scope, client_name, software_id, software_version,"
                        + " installation_id, metadata, metadata_lean, created_at, updated_at, installation_ref, jwks, auth_signing_alg, dpop_bound)"
                        + " VALUES (:clientId, :kind, :iatId, :secretHash, :secretIssuedAt, :secretExpiresAt, :ratHash,"
                        + " :authMethod, :scope, :clientName, :softwareId, :softwareVersion, :installationId, :metadata, :lean,"
                        + " :createdAt, :updatedAt, :installationRef, :jwks, :authSigningAlg, :dpopBound)")
                .bind("clientId", c.clientId()).bind("kind", c.kind().code()).bind("iatId", c.iatId())
                .bind("secretHash", c.secretHash()).bind("secretIssuedAt", c.secretIssuedAt())
                .bind("secretExpiresAt", c.secretExpiresAt()).bind("ratHash", c.ratHash())
                .bind("authMethod", c.authMethod()).bind("scope", c.scope()).bind("clientName", c.clientName())
                .bind("softwareId", c.softwareId()).bind("softwareVersion", c.softwareVersion())
                .bind("installationId", c.installationId()).bind("metadata", lean == null ? c.metadata() : lean)
                .bind("lean", lean != null)
                .bind("createdAt", c.createdAt()).bind("updatedAt", c.updatedAt())
                .bind("installationRef", c.installationRef())
                .bind("jwks", c.jwks()).bind("authSigningAlg", c.authSigningAlg()).bind("dpopBound", c.dpopBound())
                .execute();
    }

    /** Revokes every usable credential of an installation; returns their client ids. */
    public List<String> revokeActiveOfInstallation(Handle h, String installationRef, long now, String by, String reason) {
        List<String> ids = h.createQuery("SELECT client_id FROM clients WHERE installation_ref = :ref"
                        + " AND revoked_at IS NULL AND deleted_at IS NULL FOR UPDATE")
                .bind("ref", installationRef).mapTo(String.class).list();
        for (String id : ids) {
            revoke(h, id, now, by, reason);
        }
        return ids;
    }

    /** The usable credentials of an installation registered with one software_id (null: none sent), locked. */
    public List<String> activeOfInstallationSoftware(Handle h, String installationRef, String softwareId) {
        return h.createQuery("SELECT client_id FROM clients WHERE installation_ref = :ref AND COALESCE(software_id, '') = :sid"
                        + " AND revoked_at IS NULL AND deleted_at IS NULL FOR UPDATE")
                .bind("ref", installationRef).bind("sid", softwareId == null ? "" : softwareId).mapTo(String.class).list();
    }

    /** Why a client is revoked: its own revocation and its installation's, for the answer to a caller who proved its secret. */
    public Optional<ClientRevocation> revocation(Handle h, String clientId) {
        return h.createQuery("SELECT c.revoked_at, c.revoked_by, c.revoked_reason, c.installation_id, n.revoked_at AS inst_revoked_at,"
                        + " n.revoked_by AS inst_revoked_by, n.revoked_reason AS inst_revoked_reason"
                        + " FROM clients c LEFT JOIN installations n ON n.id = c.installation_ref WHERE c.client_id = :id")
                .bind("id", clientId)
                .map((rs, ctx) -> new ClientRevocation(Rows.nullableLong(rs, "revoked_at"), rs.getString("revoked_by"),
                        rs.getString("revoked_reason"), rs.getString("installation_id"), Rows.nullableLong(rs, "inst_revoked_at"),
                        rs.getString("inst_revoked_by"), rs.getString("inst_revoked_reason")))
                .findOne();
    }

    /**
     * Whether any active credentials of the installation registered with one software_id (null: none sent)
     * were admitted by a token whose re-registration policy is {@code policy}.
     */
    public boolean anyActiveAdmittedUnder(Handle h, String installationRef, String softwareId, Reregistration policy) {
        return h.createQuery("SELECT COUNT(*) FROM clients c JOIN initial_access_tokens i ON i.id = c.iat_id"
                        + " WHERE c.installation_ref = :ref AND COALESCE(c.software_id, '') = :sid"
                        + " AND c.revoked_at IS NULL AND c.deleted_at IS NULL AND i.reregistration = :policy")
                .bind("ref", installationRef).bind("sid", softwareId == null ? "" : softwareId)
                .bind("policy", policy.code()).mapTo(Integer.class).one() > 0;
    }

    public Optional<ClientRecord> find(Handle h, String clientId) {
        return h.createQuery(SELECT + " WHERE c.client_id = :id").bind("id", clientId).map(MAPPER).findOne();
    }

    /** Locks the row for the rest of the transaction (RFC 7592 updates must not interleave). */
    public Optional<ClientRecord> findForUpdate(Handle h, String clientId) {
        h.createQuery("SELECT client_id FROM clients WHERE client_id = :id FOR UPDATE").bind("id", clientId)
                .mapTo(String.class).findOne();
        return find(h, clientId);
    }

    public List<ClientRecord> listByInstallation(Handle h, String installationRef) {
        return h.createQuery(SELECT + " WHERE c.installation_ref = :ref ORDER BY c.created_at").bind("ref", installationRef)
                .map(MAPPER).list();
    }

    public List<ClientRecord> listByKind(Handle h, ClientKind kind) {
        return h.createQuery(SELECT + " WHERE c.kind = :kind ORDER BY c.created_at").bind("kind", kind.code()).map(MAPPER).list();
    }

    /** Replaces the registered metadata, keys and the registration access token (RFC 7592 §2.2). */
    public void updateRegistration(Handle h, ClientRecord c) {
        changed(h, c.clientId());
        String lean = WRITE_LEAN ? leanMetadata(c) : null;
        h.createUpdate("UPDATE clients SET secret_hash = :secretHash, secret_issued_at = :secretIssuedAt,"
                        + " secret_expires_at = :secretExpiresAt, rat_hash = :ratHash, token_endpoint_auth_method = :authMethod,"
                        + " scope = :scope, client_name = :clientName, software_id = :softwareId,"
                        + " software_version = :softwareVersion, metadata = :metadata, metadata_lean = :lean, updated_at = :updatedAt,"
                        + " jwks = :jwks, auth_signing_alg = :authSigningAlg, dpop_bound = :dpopBound"
                        + " WHERE client_id = :clientId AND deleted_at IS NULL")
                .bind("clientId", c.clientId()).bind("secretHash", c.secretHash())
                .bind("secretIssuedAt", c.secretIssuedAt()).bind("secretExpiresAt", c.secretExpiresAt())
                .bind("ratHash", c.ratHash()).bind("authMethod", c.authMethod()).bind("scope", c.scope())
                .bind("clientName", c.clientName()).bind("softwareId", c.softwareId())
                .bind("softwareVersion", c.softwareVersion()).bind("metadata", lean == null ? c.metadata() : lean)
                .bind("lean", lean != null).bind("updatedAt", c.updatedAt())
                .bind("jwks", c.jwks()).bind("authSigningAlg", c.authSigningAlg()).bind("dpopBound", c.dpopBound())
                .execute();
    }

    /**
     * Before an RFC 7592 §2.2 update replaces them: keeps the keyed hash of the current registration
     * access token (and of the current secret when it is rotated) as the previous one, so that another
     * copy of the credentials can be told they were rotated elsewhere. Only the latest previous is kept.
     */
    public void rememberPrevious(Handle h, String clientId, boolean secretRotated) {
        changed(h, clientId);
        h.createUpdate("UPDATE clients SET previous_rat_hash = rat_hash, previous_reported_at = NULL,"
                        + " previous_secret_hash = CASE WHEN :rotated THEN secret_hash ELSE previous_secret_hash END"
                        + " WHERE client_id = :id AND deleted_at IS NULL")
                .bind("id", clientId).bind("rotated", secretRotated).execute();
    }

    /** Marks the first use of a previous credential since the last rotation; true only for that first one. */
    public boolean markPreviousReported(Handle h, String clientId, long now) {
        return h.createUpdate("UPDATE clients SET previous_reported_at = :now WHERE client_id = :id AND previous_reported_at IS NULL"
                        + " AND (previous_secret_hash IS NOT NULL OR previous_rat_hash IS NOT NULL)")
                .bind("id", clientId).bind("now", now).execute() == 1;
    }

    /** RFC 7592 §2.3: the client is gone; its secret and registration access token stop working at once. */
    public boolean markDeleted(Handle h, String clientId, long now) {
        changed(h, clientId);
        return h.createUpdate("UPDATE clients SET deleted_at = :now, updated_at = :now, secret_hash = NULL, rat_hash = NULL,"
                        + " previous_secret_hash = NULL, previous_rat_hash = NULL"
                        + " WHERE client_id = :id AND deleted_at IS NULL")
                .bind("id", clientId).bind("now", now).execute() == 1;
    }

    public boolean revoke(Handle h, String clientId, long now, String by, String reason) {
        changed(h, clientId);
        return h.createUpdate("UPDATE clients SET revoked_at = :now, revoked_by = :by, revoked_reason = :reason, updated_at = :now"
                        + " WHERE client_id = :id AND revoked_at IS NULL AND deleted_at IS NULL")
                .bind("id", clientId).bind("now", now).bind("by", by).bind("reason", reason).execute() == 1;
    }

    /**
     * The members of an installation client's metadata JSON that repeat columns of its row, in the order
     * {@code ClientMetadata.toJson} writes them (V15: issue 18 Must 4, ≈ 150–250 bytes a row).
     */
    static final List<String> REPEATED = List.of("token_endpoint_auth_method", "scope", "client_name", "software_id",
            "software_version", "installation_id");

    private static List<String> repeatedValues(ClientRecord c) {
        return java.util.Arrays.asList(c.authMethod(), c.scope(), c.clientName(), c.softwareId(), c.softwareVersion(), c.installationId());
    }

    /**
     * Whether rows are written in the lean form (V15). Off in this release, which only reads lean rows: a node of the
     * previous release, during a rolling upgrade or after a rollback, would answer an RFC 7592 read of a lean row
     * without the six members, and a client writing back what it read would clear them. The next release turns it on.
     */
    static final boolean WRITE_LEAN = false;

    /**
     * The metadata JSON without the members that repeat the row's columns, or null to store it whole: only when
     * every one of them is exactly its column (present with the column's string, or absent with the column NULL),
     * so that {@link #fullMetadata} gives back the same members and values.
     */
    static String leanMetadata(ClientRecord c) {
        if (c.kind() != ClientKind.INSTALLATION || c.metadata() == null) return null;
        Map<String, Object> m;
        try {
            m = new LinkedHashMap<>(Json.parseObject(c.metadata()));
        } catch (Json.JsonException e) {
            return null;
        }
        List<String> values = repeatedValues(c);
        for (int i = 0; i < REPEATED.size(); i++) {
            String v = values.get(i);
            Object stored = m.get(REPEATED.get(i));
            if (v == null ? m.containsKey(REPEATED.get(i)) : !Objects.equals(v, stored)) return null;
        }
        REPEATED.forEach(m::remove);
        return Json.write(m);
    }

    /**
     * A lean row's metadata JSON with the repeated members put back from the columns (appended, non-null ones). A
     * member already there is left alone: a node from before V15 that updates a lean row (RFC 7592 §2.2) writes the
     * whole JSON without clearing metadata_lean. (A member name in quotes followed by a colon is a member: inside a
     * JSON string the quotes would be escaped.)
     */
    static String fullMetadata(String lean, String... columns) {
        int end = lean.lastIndexOf('}');
        StringBuilder sb = new StringBuilder(lean.length() + 256).append(lean, 0, end);
        boolean first = lean.substring(1, end).isBlank();
        for (int i = 0; i < REPEATED.size(); i++) {
            if (columns[i] == null || lean.contains("\"" + REPEATED.get(i) + "\":")) continue;
            if (!first) sb.append(',');
            first = false;
            sb.append(Json.write(REPEATED.get(i))).append(':').append(Json.write(columns[i]));
        }
        return sb.append('}').toString();
    }
}
