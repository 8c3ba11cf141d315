package org.gatehouse.server.statements;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/** Issue 9: software statements (RFC 7591 §2.3) at registration, on both backends. */
@BothBackends
class SoftwareStatementsTest {
    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    private Http.Response register(String iat, String body) {
        return s().http.postJson("/register", iat, body);
    }

    private static void assertError(Http.Response r, String error, String descriptionPart) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.str("error")).as(r.body()).isEqualTo(error);
        assertThat(r.str("error_description")).contains(descriptionPart);
    }

    private int used(String iatToken) {
        return s().gatehouse().iats.find(iatToken).orElseThrow().registrations();
    }

    @Test
    void validStatementRegistersAndIsReturnedUnmodified() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), null, null, p.name());
        String st = p.sign("org.example.morphic", "1.2.0", Map.of("client_name", "Morphic"));
        Flow.Client c = Flow.register(s(), iat, Statements.body(st, null));
        assertThat(c.info()).containsEntry("software_statement", st).containsEntry("software_id", "org.example.morphic")
                .containsEntry("software_version", "1.2.0").containsEntry("client_name", "Morphic");
        Flow.token(s(), c);
        // RFC 7592 read returns it too.
        assertThat(s().http.get("/register/" + c.id(), c.rat()).str("software_statement")).isEqualTo(st);
    }

    @Test
    void eddsaAndRs256StatementsAreAccepted() {
        for (String alg : List.of("EdDSA", "RS256")) {
            Statements.Publisher p = Statements.publisher(s(), alg);
            String iat = Statements.tokenRequiring(s(), null, null, p.name());
            Flow.Client c = Flow.register(s(), iat, Statements.body(p.sign("app", "1", null), null));
            assertThat(c.info()).containsEntry("software_id", "app");
        }
    }

    @Test
    void unsignedStatementIsInvalid() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), null, null, p.name());
        assertError(register(iat, Statements.body(Statements.unsigned(p.name(), "app"), null)), "invalid_software_statement", "alg none");
        assertThat(used(iat)).isZero();
    }

    @Test
    void hmacStatementIsInvalid() throws Exception {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = s().iatToken(1);
        assertError(register(iat, Statements.body(Statements.hmac(p.name(), "app"), null)), "invalid_software_statement", "HS256");
    }

    @Test
    void malformedStatementsAreInvalid() {
        String iat = s().iatToken(1);
        assertError(register(iat, Statements.body("not-a-jwt", null)), "invalid_software_statement", "compact");
        assertError(register(iat, "{\"software_statement\":42}"), "invalid_software_statement", "must be a string");
        assertError(register(iat, Statements.body("a.b.c", null)), "invalid_software_statement", "");
    }

    @Test
    void statementSignedWithAnotherKeyIsInvalid() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        Statements.Publisher forger = new Statements.Publisher(p.name(), Statements.key("ES256"));
        String iat = Statements.tokenRequiring(s(), null, null, p.name());
        assertError(register(iat, Statements.body(forger.sign("app", "1", null), null)), "invalid_software_statement", "signature");
        // The same key id as the publisher's, but another key.
        Statements.Publisher sameKid = new Statements.Publisher(p.name(),
                org.gatehouse.server.keys.SigningKeys.generate("ES256", p.key().getKeyID()));
        assertError(register(iat, Statements.body(sameKid.sign("app", "1", null), null)), "invalid_software_statement", "signature");
        assertThat(used(iat)).isZero();
    }

    @Test
    void statementOfAnUnknownPublisherIsUnapproved() {
        Statements.Publisher stranger = new Statements.Publisher("org.unknown.vendor", Statements.key("ES256"));
        assertError(register(s().iatToken(1), Statements.body(stranger.sign("app", "1", null), null)),
                "unapproved_software_statement", "not a publisher this server knows");
    }

    @Test
    void expiredFutureAndTooOldStatementsAreInvalid() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), null, null, p.name());
        Instant now = Instant.now();
        assertError(register(iat, Statements.body(p.sign(now.minusSeconds(7200), now.minusSeconds(3600), "app", "1", null), null)),
                "invalid_software_statement", "expired");
        assertError(register(iat, Statements.body(p.sign(now.plusSeconds(3600), null, "app", "1", null), null)),
                "invalid_software_statement", "future");
        // Within the allowed clock skew, and an exp still ahead: fine.
        Flow.register(s(), iat, Statements.body(p.sign(now.plusSeconds(20), now.plusSeconds(3600), "app", "1", null), null));

        var k = Statements.key("ES256");
        String name = "org.example.maxage." + org.gatehouse.server.crypto.Secrets.randomId(4);
        s().gatehouse().publishers.add(name, Statements.jwks(k), null, Duration.ofDays(30), Actor.cli());
        Statements.Publisher strict = new Statements.Publisher(name, k);
        String iat2 = Statements.tokenRequiring(s(), null, null, name);
        assertError(register(iat2, Statements.body(strict.sign(now.minus(Duration.ofDays(31)), null, "app", "1", null), null)),
                "invalid_software_statement", "older than");
        Flow.register(s(), iat2, Statements.body(strict.sign(now.minus(Duration.ofDays(29)), null, "app", "1", null), null));
    }

    @Test
    void statementWithoutSoftwareIdOrWithInstallationIdIsInvalid() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = s().iatToken(2);
        String noId = StatementKeys.sign(p.key(), p.name(), Instant.now(), null, Map.of("software_version", "1"));
        assertError(register(iat, Statements.body(noId, null)), "invalid_software_statement", "software_id");
        String withMachine = p.sign("app", "1", Map.of("installation_id", "AAAAAAAAAAAAAAAAAAAAAA"));
        assertError(register(iat, Statements.body(withMachine, null)), "invalid_software_statement", "installation_id");
    }

    @Test
    void statementClaimsTakePrecedenceOverTheRequest() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), null, "prefs:read", p.name());
        String st = p.sign("org.example.morphic", "1.2.0", Map.of("client_name", "Morphic", "scope", "prefs:read prefs:write",
                "client_uri", "https://morphic.example.org"));
        Flow.Client c = Flow.register(s(), iat, Statements.body(st,
                "\"software_id\":\"evil\",\"software_version\":\"6.6.6\",\"client_name\":\"Evil\",\"scope\":\"prefs:write\",\"client_uri\":\"https://evil.example\""));
        assertThat(c.info()).containsEntry("software_id", "org.example.morphic").containsEntry("software_version", "1.2.0")
                .containsEntry("client_name", "Morphic").containsEntry("client_uri", "https://morphic.example.org")
                // the statement's scope, narrowed to what the token allows
                .containsEntry("scope", "prefs:read");

        // RFC 7592 update: signed fields cannot be changed without a new statement.
        Http.Response upd = s().http.putJson("/register/" + c.id(), c.rat(), "{\"client_id\":\"" + c.id()
                + "\",\"client_name\":\"Evil\",\"software_id\":\"evil\",\"installation_id\":\"" + c.info().get("installation_id") + "\"}");
        assertThat(upd.status()).as(upd.body()).isEqualTo(200);
        assertThat(upd.json()).containsEntry("client_name", "Morphic").containsEntry("software_id", "org.example.morphic")
                .containsEntry("software_statement", st);
        // A new version of the software brings a new statement from the same publisher.
        String v2 = p.sign("org.example.morphic", "1.3.0", Map.of("client_name", "Morphic"));
        Http.Response upd2 = s().http.putJson("/register/" + c.id(), upd.str("registration_access_token"),
                "{\"client_id\":\"" + c.id() + "\",\"software_statement\":\"" + v2 + "\"}");
        assertThat(upd2.status()).as(upd2.body()).isEqualTo(200);
        assertThat(upd2.json()).containsEntry("software_version", "1.3.0").containsEntry("software_statement", v2);
        // ... but not one for other software.
        String other = p.sign("org.example.other", "1", null);
        Http.Response upd3 = s().http.putJson("/register/" + c.id(), upd2.str("registration_access_token"),
                "{\"client_id\":\"" + c.id() + "\",\"software_statement\":\"" + other + "\"}");
        assertError(upd3, "unapproved_software_statement", "org.example.morphic");
    }

    @Test
    void statementScopeOutsideTheTokenIsUnapproved() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), null, "prefs:read", p.name());
        assertError(register(iat, Statements.body(p.sign("app", "1", Map.of("scope", "prefs:write")), null)),
                "unapproved_software_statement", "scope");
    }

    @Test
    void tokenRequiringAStatementRefusesARequestWithout() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), null, null, p.name());
        assertError(register(iat, Statements.body(null, "\"software_id\":\"app\"")), "invalid_software_statement", "requires a software_statement");
        assertThat(used(iat)).isZero();
        // A token without the requirement still registers without a statement.
        Flow.register(s(), s().iatToken(1), Statements.body(null, null));
    }

    @Test
    void statementFromAPublisherTheTokenDoesNotAcceptIsUnapproved() {
        Statements.Publisher accepted = Statements.publisher(s(), "ES256");
        Statements.Publisher other = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), null, null, accepted.name());
        assertError(register(iat, Statements.body(other.sign("app", "1", null), null)), "unapproved_software_statement", other.name());
        assertThat(used(iat)).isZero();
        // A token may accept several publishers.
        String both = Statements.tokenRequiring(s(), null, null, accepted.name(), other.name());
        Flow.register(s(), both, Statements.body(other.sign("app", "1", null), null));
    }

    @Test
    void softwareTheTokenDoesNotAcceptIsUnapproved() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), List.of("org.example.morphic"), null, p.name());
        assertError(register(iat, Statements.body(p.sign("org.example.other", "1", null), null)),
                "unapproved_software_statement", "org.example.other");
        // The request's own software_id cannot talk its way in: the statement's wins.
        assertError(register(iat, Statements.body(p.sign("org.example.other", "1", null), "\"software_id\":\"org.example.morphic\"")),
                "unapproved_software_statement", "org.example.other");
        Flow.register(s(), iat, Statements.body(p.sign("org.example.morphic", "1", null), null));
    }

    @Test
    void removedPublisherStatementsAreRefusedAndItsTokensFailClosed() {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), null, null, p.name());
        assertThat(s().gatehouse().publishers.remove(p.name(), Actor.cli())).isEqualTo(1);
        assertError(register(iat, Statements.body(p.sign("app", "1", null), null)), "unapproved_software_statement", "not a publisher");
        assertThat(s().gatehouse().publishers.remove(p.name(), Actor.cli())).isEqualTo(-1);
    }

    @Test
    void publishersAreCheckedAndAudited() {
        var k = Statements.key("ES256");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                s().gatehouse().publishers.add("priv." + backend, new com.nimbusds.jose.jwk.JWKSet(k).toString(false), null, null, Actor.cli()))
                .hasMessageContaining("private key material").hasMessageNotContaining(k.toJSONObject().get("d").toString());
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                s().gatehouse().publishers.add("hmac." + backend, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}", null, null, Actor.cli()))
                .hasMessageContaining("not an EC P-256");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                s().gatehouse().publishers.add("url." + backend, null, "http://example.org/jwks", null, Actor.cli()))
                .hasMessageContaining("https");
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                s().gatehouse().publishers.add(p.name(), Statements.jwks(k), null, null, Actor.cli()))
                .hasMessageContaining("exists already");
        var events = s().gatehouse().db.withHandle(h -> s().gatehouse().auditStore.recent(h, 1000));
        assertThat(events.toString()).contains("publisher.add").contains(p.name());
    }

    @Test
    void echoingTheRegisteredStatementInAnUpdateIsNotVerifiedAgain() throws Exception {
        Statements.Publisher p = Statements.publisher(s(), "ES256");
        String iat = Statements.tokenRequiring(s(), null, null, p.name());
        String st = p.sign("org.example.morphic", "1.0", null);
        Flow.Client c = Flow.register(s(), iat, Statements.body(st, null));
        // Even once the publisher is gone (or the statement expired), RFC 7592 §2.2's full-metadata update works.
        s().gatehouse().publishers.remove(p.name(), Actor.cli());
        Map<String, Object> echoed = new java.util.LinkedHashMap<>(c.info());
        for (String k : List.of("client_secret", "registration_access_token", "registration_client_uri", "client_id_issued_at",
                "client_secret_expires_at")) echoed.remove(k);
        echoed.put("rotate_client_secret", true);
        Http.Response upd = s().http.putJson("/register/" + c.id(), c.rat(), org.gatehouse.server.json.Json.write(echoed));
        assertThat(upd.status()).as(upd.body()).isEqualTo(200);
        assertThat(upd.json()).containsEntry("software_statement", st).containsKey("client_secret");
        // A different statement is verified, and its publisher is gone.
        Http.Response other = s().http.putJson("/register/" + c.id(), upd.str("registration_access_token"),
                "{\"client_id\":\"" + c.id() + "\",\"software_statement\":\"" + p.sign("org.example.morphic", "2.0", null) + "\"}");
        assertError(other, "unapproved_software_statement", "not a publisher");
        // ... and a wrong registration access token is a 401 before any statement is looked at.
        Http.Response unauth = s().http.putJson("/register/" + c.id(), "ghr_wrong",
                "{\"client_id\":\"" + c.id() + "\",\"software_statement\":\"garbage\"}");
        assertThat(unauth.status()).isEqualTo(401);
    }

    @Test
    void unknownPublisherInATokenRequirementIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Statements.tokenRequiring(s(), null, null, "org.nobody"))
                .hasMessageContaining("no publisher named org.nobody");
    }
}
