package org.gatehouse.server.statements;

import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.domain.ClientMetadata;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.domain.IatRecord;
import org.gatehouse.server.store.PublisherStore;
import org.gatehouse.server.text.Text;
import org.jdbi.v3.core.Handle;

/**
 * Software statements in registration (RFC 7591 §2.3, §3.1.1): verifies a statement when one is
 * sent, enforces a token's requirement of one, and lets its claims take precedence over the same
 * fields of the request. A statement that does not verify is refused, never ignored: its claims
 * would otherwise have been trusted.
 */
public final class SoftwareStatements {
    public static final String FIELD = "software_statement";
    /** JWT claims about the statement itself, not client metadata. */
    private static final Set<String> JWT_CLAIMS = Set.of("iss", "sub", "aud", "exp", "nbf", "iat", "jti", FIELD);

    /** The request as it will be checked (statement claims applied), and the statement used, if any. */
    public record Applied(Map<String, Object> request, String statement, String publisher, String softwareId) {
        public static Applied none(Map<String, Object> request) {
            return new Applied(request, null, null, null);
        }
    }

    private final Database db;
    private final PublisherStore store;
    private final StatementVerifier verifier;

    public SoftwareStatements(Database db, PublisherStore store, StatementVerifier verifier) {
        this.db = db;
        this.store = store;
        this.verifier = verifier;
    }

    /**
     * RFC 7591 §3.1: verifies the statement of a registration request, if one was sent, and lets its
     * claims take precedence. Whether the admitting token accepts it is {@link #checkPolicy}'s call.
     */
    public Applied forRegistration(IatRecord iat, Map<String, Object> request, long now) {
        Object sent = request.get(FIELD);
        if (sent == null) return Applied.none(request);
        StatementVerifier.Verified v = verifier.verify(sent, now);
        return new Applied(merge(request, v.claims(), new LinkedHashSet<>(iat.scopes())), v.jws(), v.publisher().name(), v.softwareId());
    }

    /**
     * The admitting token's statement policy, for a registration and for every update alike: a
     * token that requires a statement and a client without one gets invalid_software_statement
     * (RFC 7591 §3.2.2 — "unapproved" is for a statement that was presented and verified); a
     * statement from another publisher, or for a software_id the token does not list, is unapproved.
     */
    public void checkPolicy(Handle h, IatRecord iat, Applied a) {
        Optional<List<String>> required = store.requiredPublishers(h, iat.id()).map(p -> List.of(p.split(" ")));
        if (a.statement() == null) {
            if (required.isPresent()) {
                throw StatementErrors.invalid("this initial access token requires a software_statement (RFC 7591 §2.3) signed by "
                        + String.join(" or ", required.get()) + "; none was sent");
            }
            return;
        }
        if (required.isPresent() && !required.get().contains(a.publisher())) {
            throw StatementErrors.unapproved("this initial access token does not accept statements from publisher "
                    + a.publisher() + " (accepted: " + String.join(", ", required.get()) + ")");
        }
        if (iat.softwareIds() != null && !iat.softwareIds().contains(a.softwareId())) {
            throw StatementErrors.unapproved("this initial access token does not accept software_id '" + Text.printable(a.softwareId()) + "'");
        }
    }

    /**
     * The policy "registrations with this token need a statement from one of these publishers", to
     * store with a new token ({@link IatService#create(IatService.Spec, org.gatehouse.server.audit.Actor, IatService.Extra)});
     * null when the list is empty. The token's software ids, if any, then limit the signed software_id.
     */
    public IatService.Extra requirement(List<String> publisherNames) {
        if (publisherNames == null || publisherNames.isEmpty()) return null;
        List<String> names = new ArrayList<>(new LinkedHashSet<>(publisherNames));
        InvalidInput.Problems problems = new InvalidInput.Problems();
        for (String n : names) {
            try {
                Publishers.checkName(n);
            } catch (InvalidInput e) {
                problems.add("require_statement_from", e.summary());
            }
        }
        if (!problems.isEmpty()) return IatService.Extra.invalid(new InvalidInput(problems.fields())); // reported with the token's other problems
        return (h, record, details) -> {
            List<String> unknown = names.stream().filter(n -> store.findByName(h, n).isEmpty()).toList();
            if (!unknown.isEmpty()) {
                throw InvalidInput.of("require_statement_from", "no publisher named " + String.join(", ", unknown)
                        + " (add it first: gatehouse publisher add)");
            }
            store.requireStatement(h, record.id(), String.join(" ", names));
            details.put("require_statement_from", names);
        };
    }


    /**
     * RFC 7592 §2.2: verifies a statement sent with an update (outside the transaction: it may fetch
     * keys). The client's own registered statement echoed back (RFC 7592 §2.2 sends the full
     * metadata) is not verified again — it may have expired since — and counts as not sent.
     */
    public StatementVerifier.Verified verifyIfSent(String clientId, Map<String, Object> request, long now) {
        Object sent = request.get(FIELD);
        if (sent == null) return null;
        Optional<PublisherStore.ClientStatement> stored = db.withHandle(h -> store.clientStatement(h, clientId));
        if (stored.isPresent() && stored.get().statement().equals(sent instanceof String ? ((String) sent).strip() : null)) return null;
        return verifier.verify(sent, now);
    }

    /**
     * RFC 7592 §2.2 for a client that registered with a statement: its claims keep precedence, so an
     * update cannot change signed metadata. A new statement (a new version of the software) must
     * come from the same publisher for the same software_id.
     */
    public Applied forUpdate(Handle h, String clientId, Map<String, Object> request, StatementVerifier.Verified sent, Set<String> allowedScope) {
        Optional<PublisherStore.ClientStatement> stored = store.clientStatement(h, clientId);
        if (sent != null) {
            if (stored.isPresent() && (!stored.get().publisher().equals(sent.publisher().name())
                    || !stored.get().softwareId().equals(sent.softwareId()))) {
                throw StatementErrors.unapproved("a new software_statement must come from publisher " + stored.get().publisher()
                        + " for software_id '" + Text.printable(stored.get().softwareId()) + "', as the one this client registered with");
            }
            return new Applied(merge(request, sent.claims(), allowedScope), sent.jws(), sent.publisher().name(), sent.softwareId());
        }
        if (stored.isEmpty()) return Applied.none(request);
        PublisherStore.ClientStatement s = stored.get();
        Map<String, Object> claims;
        try {
            claims = SignedJWT.parse(s.statement()).getJWTClaimsSet().toJSONObject(); // verified when it was stored
        } catch (ParseException e) {
            throw new IllegalStateException("stored statement of " + clientId + " is corrupt");
        }
        return new Applied(merge(request, claims, allowedScope), s.statement(), s.publisher(), s.softwareId());
    }

    /** Keeps the statement a client registered or updated with (in the transaction of that change). */
    public void record(Handle h, String clientId, Applied a, long now) {
        if (a.statement() != null) {
            store.putClientStatement(h, new PublisherStore.ClientStatement(clientId, a.publisher(), a.softwareId(), a.statement(), now));
        }
    }

    /** The metadata to store and return: RFC 7591 §3.2.1 returns the statement unmodified. */
    public static String metadataJson(ClientMetadata md, Applied a) {
        Map<String, Object> m = md.toJson();
        if (a.statement() != null) m.put(FIELD, a.statement());
        return Json.write(m);
    }

    /**
     * RFC 7591 §3.1.1: "client metadata values conveyed in the software statement MUST take
     * precedence over those conveyed using plain JSON elements". The statement's scope is what the
     * software may have, narrowed to what the token allows (§3.1.1: the server MAY replace requested
     * values): a publisher signs once for every site, each site's token sets its own limits.
     */
    static Map<String, Object> merge(Map<String, Object> request, Map<String, Object> claims, Set<String> allowedScope) {
        Map<String, Object> out = new LinkedHashMap<>(request);
        out.remove(FIELD);
        for (Map.Entry<String, Object> c : claims.entrySet()) {
            if (!JWT_CLAIMS.contains(c.getKey())) out.put(c.getKey(), c.getValue());
        }
        Object scope = claims.get("scope");
        if (scope != null) {
            if (!(scope instanceof String)) throw StatementErrors.invalid("software_statement scope must be a string");
            Set<String> signed;
            try {
                signed = Text.scopeSet((String) scope);
            } catch (InvalidInput e) {
                throw StatementErrors.invalid("software_statement scope: " + e.summary());
            }
            List<String> kept = new ArrayList<>();
            for (String s : signed) {
                if (allowedScope.contains(s)) kept.add(s);
            }
            if (kept.isEmpty()) {
                throw StatementErrors.unapproved("none of the software_statement's scopes is allowed by the initial access token");
            }
            out.put("scope", String.join(" ", kept));
        }
        return out;
    }
}
