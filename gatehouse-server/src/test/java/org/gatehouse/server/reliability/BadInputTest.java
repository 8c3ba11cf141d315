package org.gatehouse.server.reliability;

import org.gatehouse.server.testing.Slow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 8 §4: hostile input, one test per input. Each gets a clear 4xx with an RFC 6749 §5.2 JSON
 * error body, no stack trace, and nothing is stored (no client, no count used, no audit event).
 * Inputs already covered by oauth/RegistrationTest and TokenTest are not repeated here.
 */
@Slow // measured heavy for the quick set (issue 14 Must 6): runs in the slow execution, in CI every time
@BothBackends
class BadInputTest {
    /** GATEHOUSE_MAX_BODY_BYTES' default (docs/configuration.md). */
    static final int LIMIT = 65536;

    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    // ---- registration metadata (RFC 7591) ------------------------------------------------------

    static Stream<Arguments> badRegistrations() {
        return Stream.of(
                // invalid JSON
                bad("empty body", ""),
                bad("truncated object", "{\"client_name\":\"x\""),
                bad("two objects", "{} {}"),
                bad("trailing comma", "{\"client_name\":\"x\",}"),
                bad("single quotes", "{'client_name':'x'}"),
                bad("NaN", "{\"client_name\":NaN}"),
                bad("comment", "{/*x*/\"client_name\":\"x\"}"),
                bad("unquoted key", "{client_name:\"x\"}"),
                bad("JSON null", "null"),
                bad("JSON string", "\"client_name\""),
                bad("JSON number", "12"),
                bad("nested 17 deep", "{\"a\":" + "[".repeat(16) + "]".repeat(16) + "}"),
                bad("bad escape", "{\"client_name\":\"\\x41\"}"),
                bad("raw control char in string", "{\"client_name\":\"a\u0001b\"}"),
                bad("duplicate member", "{\"client_name\":\"a\",\"client_name\":\"b\"}"),
                // control characters and Unicode tricks in names
                bad("NUL in client_name", "{\"client_name\":\"app\\u0000.exe\"}"),
                bad("BEL in client_name", "{\"client_name\":\"app\\u0007\"}"),
                bad("DEL in client_name", "{\"client_name\":\"app\\u007f\"}"),
                bad("NEL in client_name", "{\"client_name\":\"app\\u0085x\"}"),
                bad("line separator in client_name", "{\"client_name\":\"a\\u2028b\"}"),
                bad("bidi isolate in client_name", "{\"client_name\":\"a\\u2067b\"}"),
                bad("left-to-right mark in client_name", "{\"client_name\":\"a\\u200Eb\"}"),
                bad("zero-width space in client_name", "{\"client_name\":\"Library\\u200BPCs\"}"),
                bad("word joiner in client_name", "{\"client_name\":\"Library\\u2060PCs\"}"),
                bad("byte order mark in client_name", "{\"client_name\":\"\\uFEFFLibrary\"}"),
                bad("unpaired high surrogate in client_name", "{\"client_name\":\"a\\uD800b\"}"),
                bad("unpaired low surrogate in client_name", "{\"client_name\":\"a\\uDC00b\"}"),
                bad("reversed surrogates in client_name", "{\"client_name\":\"\\uDE00\\uD83D\"}"),
                bad("bidi override in software_id", "{\"software_id\":\"a\\u202Eb\"}"),
                bad("NUL in software_version", "{\"software_version\":\"1\\u0000\"}"),
                bad("NUL in contacts", "{\"contacts\":[\"a@b.c\\u0000\"]}"),
                bad("NUL in installation_id", "{\"installation_id\":\"aaaaaaaaaaaaaaaaaaaa\\u0000\"}"),
                bad("NUL in scope", "{\"scope\":\"prefs:read\\u0000\"}"),
                bad("tab in scope", "{\"scope\":\"prefs:read\\tprefs:write\"}"),
                // header injection through client_name and URIs
                bad("LF in client_name", "{\"client_name\":\"x\\nLocation: https://evil.example\"}"),
                bad("CR in client_name", "{\"client_name\":\"x\\rSet-Cookie: a=b\"}"),
                bad("CRLF in client_uri", "{\"client_uri\":\"https://a.example/\\r\\nSet-Cookie: a=b\"}"),
                bad("CRLF in redirect_uris", "{\"redirect_uris\":[\"https://a.example/\\r\\nX: y\"]}"),
                // huge arrays and lists
                bad("5000 contacts", "{\"contacts\":[" + "\"a@b.c\",".repeat(4_999) + "\"a@b.c\"]}"),
                bad("2000 redirect_uris", "{\"redirect_uris\":[" + "\"https://a.example/\",".repeat(1_999) + "\"https://a.example/\"]}"),
                bad("3000 grant_types", "{\"grant_types\":[" + "\"client_credentials\",".repeat(2_999) + "\"client_credentials\"]}"),
                bad("20000 response_types", "{\"response_types\":[" + "\"\",".repeat(19_999) + "\"\"]}"),
                bad("60000 nulls in contacts", "{\"contacts\":[" + "null,".repeat(11_999) + "null]}"),
                bad("51 distinct scopes", "{\"scope\":\"" + java.util.stream.IntStream.range(0, 51).mapToObj(i -> "s" + i).collect(java.util.stream.Collectors.joining(" ")) + "\"}"),
                bad("array of arrays as contacts", "{\"contacts\":[[\"a@b.c\"]]}"),
                // numbers where strings belong, and numbers out of range
                bad("number as client_name", "{\"client_name\":12}"),
                bad("huge number as client_name", "{\"client_name\":1e99999}"),
                bad("negative number as scope", "{\"scope\":-1}"),
                bad("zero as token_endpoint_auth_method", "{\"token_endpoint_auth_method\":0}"),
                bad("huge integer as installation_id", "{\"installation_id\":123456789012345678901234567890}"),
                bad("boolean as software_id", "{\"software_id\":true}"),
                bad("object as grant_types", "{\"grant_types\":{\"0\":\"client_credentials\"}}"));
    }

    private static Arguments bad(String name, String body) {
        return Arguments.of(name, body);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRegistrations")
    void badRegistrationIsRefusedAndNothingIsStored(String name, String body) {
        var iat = s().iat(5, null);
        int clients = count("clients");
        int audit = count("audit_events");
        Http.Response r = s().http.postJson("/register", iat.token(), body);
        assertCleanError(r, 400);
        assertThat(r.str("error")).isIn("invalid_client_metadata", "invalid_redirect_uri", "invalid_request");
        assertThat(count("clients")).isEqualTo(clients);
        assertThat(count("audit_events")).isEqualTo(audit);
        assertThat(s().gatehouse().iats.get(iat.record().id()).orElseThrow().registrations()).isZero();
    }

    /** Joiners that scripts (Persian, Indic) and emoji need stay allowed: a name is not refused for them. */
    @Test
    void joinersAndNonLatinNamesAreAccepted() {
        for (String name : new String[] {"\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", "\uD83D\uDC69\u200D\uD83D\uDCBB PCs",
                "Biblioth\u00E8que \u00E9tage 2", "\u56F3\u66F8\u9928"}) {
            Http.Response r = s().http.postJson("/register", s().iatToken(1), "{\"client_name\":\"" + name + "\"}");
            assertThat(r.status()).as(name + ": " + r.body()).isEqualTo(201);
            assertThat(r.str("client_name")).isEqualTo(name);
        }
    }

    // ---- body size limit -----------------------------------------------------------------------

    @Test
    void aBodyOfExactlyTheLimitIsReadAndOneByteMoreIs413() {
        String json = "{\"client_name\":\"limit\"}";
        String atLimit = json + " ".repeat(LIMIT - json.length());
        assertThat(atLimit.getBytes(StandardCharsets.UTF_8)).hasSize(LIMIT);
        Http.Response ok = s().http.postJson("/register", s().iatToken(1), atLimit);
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        var iat = s().iat(1, null);
        int clients = count("clients");
        Http.Response over = s().http.postJson("/register", iat.token(), atLimit + " ");
        assertCleanError(over, 413);
        assertThat(count("clients")).isEqualTo(clients);
        assertThat(s().gatehouse().iats.get(iat.record().id()).orElseThrow().registrations()).isZero();
    }

    @Test
    void anOversizedChunkedBodyWithoutContentLengthIs413() throws Exception {
        var iat = s().iat(1, null);
        int clients = count("clients");
        byte[] body = ("{\"client_name\":\"" + "x".repeat(LIMIT) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(URI.create(s().issuer + "/register"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + iat.token())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))) // no length: chunked
                .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        assertCleanError(new Http.Response(r.statusCode(), r.headers(), r.body()), 413);
        assertThat(count("clients")).isEqualTo(clients);
    }

    @ParameterizedTest(name = "oversized form to {0}")
    @MethodSource("formEndpoints")
    void oversizedFormBodiesAre413(String path) {
        Flow.Client c = Flow.register(s());
        Http.Response r = s().http.postForm(path, c.id(), c.secret(), Map.of("grant_type", "client_credentials",
                "token", "x".repeat(LIMIT)));
        assertCleanError(r, 413);
    }

    @Test
    void oversizedUpdateIs413AndChangesNothing() {
        Flow.Client c = Flow.register(s());
        Http.Response r = s().http.putJson("/register/" + c.id(), c.rat(),
                "{\"client_id\":\"" + c.id() + "\",\"client_name\":\"" + "x".repeat(LIMIT) + "\"}");
        assertCleanError(r, 413);
        assertThat(s().http.get("/register/" + c.id(), c.rat()).status()).isEqualTo(200); // the token did not rotate
    }

    // ---- content types ---------------------------------------------------------------------------

    static Stream<String> nonJsonTypes() {
        return Stream.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/jsonx", "application/json-patch+json", "text/json", "*/*", "");
    }

    @ParameterizedTest(name = "registration as \"{0}\"")
    @MethodSource("nonJsonTypes")
    void registrationWithAnotherContentTypeIsRefused(String type) {
        var iat = s().iat(1, null);
        Http.Response r = s().http.postRaw("/register", type.isEmpty() ? null : type, "{\"client_name\":\"x\"}",
                Map.of("Authorization", "Bearer " + iat.token()));
        assertCleanError(r, 400);
        assertThat(r.str("error")).isEqualTo("invalid_request");
        assertThat(s().gatehouse().iats.get(iat.record().id()).orElseThrow().registrations()).isZero();
    }

    @Test
    void updateWithAnotherContentTypeIsRefused() {
        Flow.Client c = Flow.register(s());
        Http.Response r = s().http.putJson("/register/" + c.id(), c.rat(), "{}");
        assertThat(r.status()).isEqualTo(400); // JSON, but no client_id: the baseline
        HttpRequest req = HttpRequest.newBuilder(URI.create(s().issuer + "/register/" + c.id()))
                .header("Content-Type", "text/plain").header("Authorization", "Bearer " + c.rat())
                .PUT(HttpRequest.BodyPublishers.ofString("{\"client_id\":\"" + c.id() + "\"}")).build();
        Http.Response text = send(req);
        assertCleanError(text, 400);
        assertThat(text.str("error")).isEqualTo("invalid_request");
    }

    static Stream<Arguments> formEndpointsAndTypes() {
        return Stream.of("/token", "/introspect", "/revoke").flatMap(p -> Stream.of("application/json", "text/plain",
                "multipart/form-data; boundary=x", "").map(t -> Arguments.of(p, t)));
    }

    @ParameterizedTest(name = "{0} as \"{1}\"")
    @MethodSource("formEndpointsAndTypes")
    void formEndpointsRefuseOtherContentTypes(String path, String type) {
        Flow.Client c = Flow.register(s());
        Http.Response r = s().http.postRaw(path, type.isEmpty() ? null : type, "grant_type=client_credentials&token=x",
                Map.of("Authorization", Http.basic(c.id(), c.secret())));
        assertCleanError(r, 400);
        assertThat(r.str("error")).isEqualTo("invalid_request");
    }

    // ---- repeated parameters (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1) -------------------------

    static Stream<Arguments> repeatedParameters() {
        return Stream.of(
                Arguments.of("/token", "grant_type=client_credentials&grant_type=client_credentials"),
                Arguments.of("/token", "grant_type=client_credentials&grant_type="),
                Arguments.of("/token", "grant_type=client_credentials&client_id=ID&client_id=ID&client_secret=SECRET"),
                Arguments.of("/token", "grant_type=client_credentials&client_id=ID&client_secret=SECRET&client_secret=SECRET"),
                Arguments.of("/introspect", "token=x&token=y&client_id=ID&client_secret=SECRET"),
                Arguments.of("/introspect", "token=x&token_type_hint=a&token_type_hint=b&client_id=ID&client_secret=SECRET"),
                Arguments.of("/revoke", "token=x&token=x&client_id=ID&client_secret=SECRET"),
                Arguments.of("/revoke", "token=x&client_id=ID&client_secret=SECRET&client_id=ID"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("repeatedParameters")
    void repeatedParametersAreInvalidRequest(String path, String form) {
        Flow.Client c = Flow.registerPost(s());
        String body = form.replace("ID", c.id()).replace("SECRET", c.secret());
        Http.Response r = s().http.postRaw(path, "application/x-www-form-urlencoded", body, Map.of());
        assertCleanError(r, 400);
        assertThat(r.str("error")).isEqualTo("invalid_request");
    }

    // ---- malformed forms and credentials -----------------------------------------------------------

    static Stream<Arguments> malformedForms() {
        return Stream.of(
                Arguments.of("percent at end", "grant_type=client_credentials&scope=%"),
                Arguments.of("bad percent escape", "grant_type=client_credentials&scope=%zz"),
                Arguments.of("invalid UTF-8 escape", "grant_type=client_credentials&scope=%ff%fe"),
                Arguments.of("NUL in scope", "grant_type=client_credentials&scope=prefs:read%00"),
                Arguments.of("CRLF in scope", "grant_type=client_credentials&scope=prefs:read%0d%0aX:%20y"),
                Arguments.of("10000 parameters", "grant_type=client_credentials" + "&a=1".repeat(10_000)),
                Arguments.of("10000 scopes", "grant_type=client_credentials&scope=" + "prefs:read+".repeat(5_000)),
                Arguments.of("only separators", "&&&&&&&&"),
                Arguments.of("equals signs", "===="));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedForms")
    void malformedTokenRequestsGetA4xx(String name, String form) {
        Flow.Client c = Flow.register(s());
        Http.Response r = s().http.postRaw("/token", "application/x-www-form-urlencoded", form,
                Map.of("Authorization", Http.basic(c.id(), c.secret())));
        assertThat(r.status()).as(r.body()).isBetween(400, 499);
        assertCleanError(r, r.status());
    }

    static Stream<Arguments> badAuthorizations() {
        return Stream.of(
                Arguments.of("Basic without credentials", "Basic "),
                Arguments.of("Basic without colon", "Basic " + b64("justanid")),
                Arguments.of("Basic with NUL", "Basic " + b64("id\u0000:secret")),
                Arguments.of("Basic with bad percent escape", "Basic " + b64("%zz:%zz")),
                Arguments.of("Basic with a 6000-character id", "Basic " + b64("i".repeat(6000) + ":s")),
                Arguments.of("Basic with invalid UTF-8", "Basic " + java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, ':', (byte) 0xfe})),
                Arguments.of("Digest", "Digest username=\"x\""),
                Arguments.of("Bearer", "Bearer x"),
                Arguments.of("lone scheme", "Basic"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badAuthorizations")
    void malformedClientAuthenticationIsInvalidClient(String name, String authorization) {
        Http.Response r = s().http.postRaw("/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                Map.of("Authorization", authorization));
        assertThat(r.status()).as(r.body()).isIn(400, 401, 431); // 431: over Jetty's 8 KiB of headers, still JSON
        assertCleanError(r, r.status());
        assertThat(r.str("error")).isIn("invalid_client", "invalid_request");
    }

    static Stream<Arguments> badBearers() {
        return Stream.of(
                Arguments.of("empty", "Bearer "),
                Arguments.of("lower-case scheme and garbage", "bearer ###"),
                Arguments.of("8000-character token", "Bearer ghi_" + "A".repeat(8_000)),
                Arguments.of("Basic scheme", "Basic " + b64("a:b")),
                Arguments.of("two tokens", "Bearer ghi_a ghi_b"),
                Arguments.of("non-ASCII", "Bearer ghi_\u00e9\u00e9"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBearers")
    void malformedInitialAccessTokensAre401(String name, String authorization) {
        int clients = count("clients");
        Http.Response r = s().http.postRaw("/register", "application/json", "{}", Map.of("Authorization", authorization));
        assertThat(r.status()).as(r.body()).isIn(400, 401, 431);
        assertCleanError(r, r.status());
        if (r.status() == 401) assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(count("clients")).isEqualTo(clients);
    }

    static Stream<String> hostileClientIds() {
        return Stream.of("%0d%0aSet-Cookie:%20a=b", "..%2f..%2fetc%2fpasswd", "x".repeat(5000), "%00", "%E2%80%AE", "'%20OR%201=1--");
    }

    @ParameterizedTest(name = "GET /register/{0}")
    @MethodSource("hostileClientIds")
    void hostileClientIdsInThePathAre401(String id) {
        Flow.Client c = Flow.register(s());
        Http.Response r = s().http.get("/register/" + id, c.rat());
        assertThat(r.status()).as(r.body()).isIn(400, 401, 404); // 400: Jetty refuses an encoded NUL in the path
        assertCleanError(r, r.status());
        // Jetty drops the connection after refusing a URI; the answer must say so, or a client reuses a dead connection
        if (r.status() == 400) assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(r.headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("Set-Cookie"));
    }

    // ---- counts and expiry of initial access tokens (keycloak#29311) ------------------------------------------

    static Stream<Arguments> badIatRequests() {
        return Stream.of(
                Arguments.of("count 0", 0, Duration.ofDays(1)),
                Arguments.of("count -1", -1, Duration.ofDays(1)),
                Arguments.of("count MIN_VALUE", Integer.MIN_VALUE, Duration.ofDays(1)),
                Arguments.of("count MAX_VALUE", Integer.MAX_VALUE, Duration.ofDays(1)),
                Arguments.of("count over the maximum", 1_000_001, Duration.ofDays(1)),
                Arguments.of("expiry in the past", 5, Duration.ofSeconds(-1)),
                Arguments.of("expiry now", 5, Duration.ZERO),
                Arguments.of("expiry far in the past", 5, Duration.ofDays(-36500)),
                Arguments.of("expiry beyond ten years", 5, Duration.ofDays(3651)),
                Arguments.of("expiry Long.MAX seconds", 5, Duration.ofSeconds(Long.MAX_VALUE)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badIatRequests")
    void initialAccessTokensWithBadCountsOrExpiryAreRefused(String name, int count, Duration expiresIn) {
        int before = count("initial_access_tokens");
        assertThatThrownBy(() -> s().gatehouse().iats.create(org.gatehouse.server.iat.IatService.Spec.of("bad", count, expiresIn, null), Actor.cli()))
                .isInstanceOf(org.gatehouse.server.errors.InvalidInput.class);
        assertThat(count("initial_access_tokens")).isEqualTo(before);
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    static Stream<String> formEndpoints() {
        return Stream.of("/token", "/introspect", "/revoke");
    }

    /** The status, an RFC 6749 §5.2 JSON body, nothing that looks like a stack trace or an internal class. */
    static void assertCleanError(Http.Response r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        // RFC 6750 §3.1's bare challenge (no credentials, or another scheme) has no error code, only a description.
        boolean bareChallenge = "Bearer realm=\"gatehouse\"".equals(r.header("WWW-Authenticate"));
        assertThat(r.str(bareChallenge ? "error_description" : "error")).isNotBlank();
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("org.gatehouse")
                .doesNotContain("java.").doesNotContain("jdbc").doesNotContain("SQL");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    }

    private int count(String table) {
        return s().gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Integer.class).one());
    }

    private static String b64(String s) {
        return java.util.Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Http.Response send(HttpRequest req) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
            return new Http.Response(r.statusCode(), r.headers(), r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
