package org.gatehouse.server.store;

import org.gatehouse.server.domain.PublisherRecord;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for software statement publishers, the tokens that require statements, and clients' statements. */
public final class PublisherStore {
    private static final String COLUMNS = "id, name, jwks, jwks_url, max_age_seconds, created_at, created_by";
    private static final RowMapper<PublisherRecord> MAPPER = (rs, ctx) -> new PublisherRecord(
            rs.getString("id"), rs.getString("name"), rs.getString("jwks"), rs.getString("jwks_url"),
            Rows.nullableLong(rs, "max_age_seconds"), rs.getLong("created_at"), rs.getString("created_by"));

    /** A client's stored statement. */
    public record ClientStatement(String clientId, String publisher, String softwareId, String statement, long verifiedAt) {
    }

    public void insert(Handle h, PublisherRecord p) {
        h.createUpdate("INSERT INTO statement_publishers (" + COLUMNS + ") VALUES"
                        + " (:id, :name, :jwks, :url, :maxAge, :createdAt, :createdBy)")
                .bind("id", p.id()).bind("name", p.name()).bind("jwks", p.jwks()).bind("url", p.jwksUrl())
                .bind("maxAge", p.maxAgeSeconds()).bind("createdAt", p.createdAt()).bind("createdBy", p.createdBy())
                .execute();
    }

    public Optional<PublisherRecord> findByName(Handle h, String name) {
        return h.createQuery("SELECT " + COLUMNS + " FROM statement_publishers WHERE name = :name")
                .bind("name", name).map(MAPPER).findOne();
    }

    public List<PublisherRecord> list(Handle h) {
        return h.createQuery("SELECT " + COLUMNS + " FROM statement_publishers ORDER BY name").map(MAPPER).list();
    }

    public boolean delete(Handle h, String name) {
        return h.createUpdate("DELETE FROM statement_publishers WHERE name = :name").bind("name", name).execute() == 1;
    }

    /** Active tokens that require statements from this publisher (for a warning on removal). */
    public int activeTokensRequiring(Handle h, String name, long now) {
        return h.createQuery("SELECT r.publishers FROM iat_statement_requirements r JOIN initial_access_tokens t ON t.id = r.iat_id"
                        + " WHERE t.revoked_at IS NULL AND t.expires_at > :now")
                .bind("now", now).mapTo(String.class).list().stream()
                .mapToInt(p -> List.of(p.split(" ")).contains(name) ? 1 : 0).sum();
    }

    public void requireStatement(Handle h, String iatId, String publishers) {
        h.createUpdate("INSERT INTO iat_statement_requirements (iat_id, publishers) VALUES (:id, :publishers)")
                .bind("id", iatId).bind("publishers", publishers).execute();
    }

    /** Space-separated publisher names the token requires a statement from, if it requires one. */
    public Optional<String> requiredPublishers(Handle h, String iatId) {
        return h.createQuery("SELECT publishers FROM iat_statement_requirements WHERE iat_id = :id")
                .bind("id", iatId).mapTo(String.class).findOne();
    }

    public void putClientStatement(Handle h, ClientStatement s) {
        h.createUpdate("DELETE FROM client_statements WHERE client_id = :id").bind("id", s.clientId()).execute();
        h.createUpdate("INSERT INTO client_statements (client_id, publisher, software_id, statement, verified_at)"
                        + " VALUES (:id, :publisher, :softwareId, :statement, :at)")
                .bind("id", s.clientId()).bind("publisher", s.publisher()).bind("softwareId", s.softwareId())
                .bind("statement", s.statement()).bind("at", s.verifiedAt()).execute();
    }

    public Optional<ClientStatement> clientStatement(Handle h, String clientId) {
        return h.createQuery("SELECT client_id, publisher, software_id, statement, verified_at FROM client_statements WHERE client_id = :id")
                .bind("id", clientId)
                .map((rs, ctx) -> new ClientStatement(rs.getString("client_id"), rs.getString("publisher"),
                        rs.getString("software_id"), rs.getString("statement"), rs.getLong("verified_at")))
                .findOne();
    }
}
