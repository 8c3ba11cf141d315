package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing, corrupt, foreign or unsafe token file or store is an error, never a fallback credential. */
class FailClosedTest {
    private static final String IAT = "ghi_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    @TempDir
    Path tmp;

    private TokenFile parse(String json) {
        return TokenFile.parse(json, "t.json");
    }

    @Test
    void tokenFileProblemsAreClear() {
        assertThatThrownBy(() -> TokenFile.read(tmp.resolve("nope.json"))).isInstanceOf(TokenFileException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> parse("not json")).isInstanceOf(TokenFileException.class).hasMessageContaining("not a Gatehouse token file");
        assertThatThrownBy(() -> parse("{\"issuer\":\"https://a.example\"}")).hasMessageContaining("gatehouse_token_file");
        assertThatThrownBy(() -> parse("{\"gatehouse_token_file\":2}")).hasMessageContaining("version 2");
        assertThatThrownBy(() -> parse(file("https://a.example", "https://a.example/register", "secret"))).hasMessageContaining("ghi_");
        assertThatThrownBy(() -> parse(file("http://a.example", "http://a.example/register", IAT))).hasMessageContaining("https");
        assertThatThrownBy(() -> parse(file("https://a.example", "https://evil.example/register", IAT))).hasMessageContaining("not on the issuer's host");
        TokenFile ok = parse(file("https://a.example", "https://a.example/register", IAT));
        assertThat(ok.toString()).doesNotContain(IAT);
        assertThat(parse(file("http://127.0.0.1:8080", "http://127.0.0.1:8080/register", IAT)).issuer()).isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void expiredTokenFileIsRefusedBeforeAnyRequest() {
        TokenFile expired = parse("{\"gatehouse_token_file\":1,\"issuer\":\"https://a.example\",\"registration_endpoint\":\"https://a.example/register\","
                + "\"initial_access_token\":\"" + IAT + "\",\"expires_at\":\"2020-01-01T00:00:00Z\"}");
        GatehouseClient gh = Fixtures.client(tmp.resolve("s")).transport(req -> { throw new AssertionError("no request expected"); }).build();
        assertThatThrownBy(() -> gh.enrol(expired)).isInstanceOf(TokenFileException.class).hasMessageContaining("expired");
    }

    @Test
    void missingStoreIsNotEnrolled() {
        GatehouseClient gh = Fixtures.client(tmp.resolve("none")).build();
        assertThatThrownBy(() -> gh.tokenSource().accessToken()).isInstanceOf(NotEnrolledException.class);
        assertThatThrownBy(() -> gh.status(false)).isInstanceOf(NotEnrolledException.class);
    }

    @Test
    void corruptOrUnsafeStoreIsRefused() throws Exception {
        CredentialStore store = new CredentialStore(tmp.resolve("s"));
        store.save(sample());
        Path f = store.file();
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(store.load()).isEqualTo(sample());

        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(store::load).isInstanceOf(CredentialStoreException.class).hasMessageContaining("other users");

        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(f, "{\"gatehouse_credentials\":1,\"issuer\":\"https://a.example\"}");
        assertThatThrownBy(store::load).isInstanceOf(CredentialStoreException.class).hasMessageContaining("corrupt");
        Files.writeString(f, "{ truncated");
        assertThatThrownBy(store::load).isInstanceOf(CredentialStoreException.class).hasMessageContaining("corrupt");
        // credentials pointing their secret at another host are corrupt, not used
        Files.writeString(f, Json.write(sample().toJson()).replace("https://a.example/token", "https://evil.example/token"));
        assertThatThrownBy(store::load).isInstanceOf(CredentialStoreException.class).hasMessageContaining("not on the issuer's host");
    }

    @Test
    void jsonIsStrict() {
        assertThatThrownBy(() -> Json.parse("{\"a\":1,\"a\":2}")).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> Json.parse("[1,]")).isInstanceOf(Json.JsonException.class);
        assertThatThrownBy(() -> Json.parse("{} x")).isInstanceOf(Json.JsonException.class);
        assertThatThrownBy(() -> Json.parse("[".repeat(100))).isInstanceOf(Json.JsonException.class);
    }

    @Test
    void jsonRoundTrips() throws Exception {
        String text = "{\"s\":\"a\\\"b\\u00e9\\n\",\"n\":-12,\"d\":1.5,\"t\":true,\"z\":null,\"l\":[1,\"x\",{}]}";
        Object v = Json.parse(text);
        assertThat(Json.parse(Json.write(v))).isEqualTo(v);
        assertThat(Json.parse(Json.pretty(v))).isEqualTo(v);
    }

    static Credentials sample() {
        Instant t = Instant.parse("2026-11-28T10:00:00Z");
        return new Credentials("https://a.example", URI.create("https://a.example/token"), URI.create("https://a.example/register/abc"),
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "abc", "ghs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0, t,
                "ghr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "prefs:read", "client_secret_basic", "n", "sid", "1", t, "label");
    }

    private static String file(String issuer, String endpoint, String token) {
        return "{\"gatehouse_token_file\":1,\"issuer\":\"" + issuer + "\",\"registration_endpoint\":\"" + endpoint
                + "\",\"initial_access_token\":\"" + token + "\"}";
    }
}
