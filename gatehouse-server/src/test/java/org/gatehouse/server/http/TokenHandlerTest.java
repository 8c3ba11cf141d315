package org.gatehouse.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * Which requests the bare handler of POST /token takes (the plain ones) and which go on to Javalin; that its answers are
 * Javalin's is TokenResponsesTest's.
 */
@Slow // two test servers of its own
class TokenHandlerTest {
    @Test
    void takesThePlainFormTypesOnly() {
        assertThat(TokenHandler.plainForm("application/x-www-form-urlencoded")).isTrue();
        assertThat(TokenHandler.plainForm("Application/X-WWW-Form-Urlencoded ")).isTrue();
        assertThat(TokenHandler.plainForm("application/x-www-form-urlencoded; charset=UTF-8")).isTrue();
        assertThat(TokenHandler.plainForm("application/x-www-form-urlencoded;charset=utf-8")).isTrue();
        assertThat(TokenHandler.plainForm("application/x-www-form-urlencoded; charset=ISO-8859-1")).isFalse();
        assertThat(TokenHandler.plainForm("application/x-www-form-urlencoded; charset=\"UTF-8\"")).isFalse();
        assertThat(TokenHandler.plainForm("application/x-www-form-urlencoded; charset=UTF-8; x=y")).isFalse();
        assertThat(TokenHandler.plainForm("application/x-www-form-urlencoded; charset")).isFalse();
        assertThat(TokenHandler.plainForm("application/json")).isFalse();
        assertThat(TokenHandler.plainForm("")).isFalse();
    }

    @Test
    void gzipOnlyForAPlainGzipToken() {
        assertThat(TokenHandler.acceptsGzip("gzip")).isTrue();
        assertThat(TokenHandler.acceptsGzip("deflate, GZIP")).isTrue();
        assertThat(TokenHandler.acceptsGzip("gzip;q=1")).isFalse(); // as Javalin: no q-values
        assertThat(TokenHandler.acceptsGzip("br")).isFalse();
        assertThat(TokenHandler.acceptsGzip(null)).isFalse();
    }

    @Test
    void answersThePlainGrantAndLeavesTheRestToJavalin() {
        try (TestServer s = TestServer.start("h2", Map.of())) {
            Flow.Client c = Flow.register(s);
            long before = TokenHandler.ANSWERED.sum();
            Flow.token(s, c);
            assertThat(TokenHandler.ANSWERED.sum() - before).as("a plain grant").isEqualTo(1);
            before = TokenHandler.ANSWERED.sum();
            Http.Response r = s.http.postRaw("/token", "application/json", "{}", Map.of());
            assertThat(r.status()).isEqualTo(400);
            r = s.http.get("/token");
            assertThat(r.status()).isEqualTo(405);
            r = s.http.postRaw("/token/", "application/x-www-form-urlencoded", "grant_type=client_credentials",
                    Map.of("Authorization", Http.basic(c.id(), c.secret())));
            assertThat(r.status()).isEqualTo(200);
            assertThat(TokenHandler.ANSWERED.sum() - before).as("JSON, GET, /token/: Javalin's").isZero();
        }
        try (TestServer s = TestServer.start("h2", Map.of("GATEHOUSE_TOKEN_FAST_PATH", "false"))) {
            Flow.Client c = Flow.register(s);
            long before = TokenHandler.ANSWERED.sum();
            Flow.token(s, c);
            assertThat(TokenHandler.ANSWERED.sum() - before).as("switched off").isZero();
        }
    }
}
