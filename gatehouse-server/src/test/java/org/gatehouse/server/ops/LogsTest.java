package org.gatehouse.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.DirectDb;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.ServerProcess;
import org.gatehouse.server.testing.Slow;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 1: logs an operator can use. `serve` as an operator runs it (a JVM of its own), its whole output
 * read line by line.
 */
@Slow
class LogsTest {
    /**
     * JSON logs with the access log on: every line the process writes (stdout and stderr, console notices
     * included) is one JSON object; messages have their arguments filled in; an unexpected error carries its
     * stack trace and the request id; health checks stay out of the access log by default. PostgreSQL, where
     * a test can take a table away under the running server to provoke an error with a stack trace.
     */
    @Test
    void jsonLinesCarryTheFormattedMessageArgumentsStackTraceAndRequestId() throws Exception {
        try (Backend b = Backend.create(Backend.POSTGRES)) {
            Map<String, String> env = ServerProcess.with(ServerProcess.env(b, ServerProcess.freePort()),
                    "GATEHOUSE_LOG_FORMAT", "json", "GATEHOUSE_ACCESS_LOG", "true", "GATEHOUSE_LOG_LEVEL", "DEBUG");
            List<Map<String, Object>> events = new ArrayList<>();
            try (ServerProcess server = ServerProcess.start(env)) {
                assertThat(server.http.get("/health/ready").status()).isEqualTo(200);
                assertThat(server.http.get("/health/live").status()).isEqualTo(200);
                assertThat(server.http.get("/jwks").status()).isEqualTo(200);
                // An unexpected failure: the table behind registration is gone.
                DirectDb.execute(env, "ALTER TABLE initial_access_tokens RENAME TO initial_access_tokens_gone");
                Http.Response failed = server.http.exchange("POST", "/register", "application/json", "{}",
                        Map.of("Authorization", "Bearer ghi_" + "A".repeat(43), "X-Request-Id", "logs-test-500"));
                assertThat(failed.status()).as(failed.body()).isEqualTo(500);
                assertThat(failed.body()).doesNotContain("Exception").doesNotContain("initial_access_tokens");
                // The access line is written once the response is complete, which can be after the client has it:
                // wait for it before stopping (a stop right away raced it and lost it in a loaded CI run).
                server.awaitLog("500 server_error", 60); // in JSON the path reads "POST \\/register"
                server.stop();
                for (String line : server.log().split("\n")) {
                    if (line.isEmpty()) continue;
                    Map<String, Object> event;
                    try {
                        event = Json.parseObject(line);
                    } catch (Json.JsonException e) {
                        throw new AssertionError("not a JSON line: " + line, e);
                    }
                    events.add(event);
                    assertThat(event).as(line).containsKeys("timestamp", "level", "loggerName", "threadName", "formattedMessage")
                            .doesNotContainKey("message");
                    assertThat((String) event.get("formattedMessage")).as(line).doesNotContain("{}");
                }
            }
            Map<String, Object> error = events.stream()
                    .filter(e -> "ERROR".equals(e.get("level")) && String.valueOf(e.get("formattedMessage")).equals("unexpected error on POST /register"))
                    .findFirst().orElseThrow(() -> new AssertionError("no error event for the failed request: " + events));
            assertThat(mdc(error).get("request_id")).isEqualTo("logs-test-500");
            assertThat((List<?>) error.get("arguments")).hasSize(2);
            Map<?, ?> throwable = (Map<?, ?>) error.get("throwable");
            assertThat(throwable).as("the exception").isNotNull();
            assertThat(String.valueOf(throwable.get("className"))).isNotBlank();
            assertThat((List<?>) throwable.get("stepArray")).as("its stack trace").isNotEmpty();

            List<String> access = events.stream().filter(e -> "org.gatehouse.access".equals(e.get("loggerName")))
                    .map(e -> (String) e.get("formattedMessage")).toList();
            assertThat(access).anyMatch(m -> m.matches("GET /jwks 200 - \\d+\\.\\dms"));
            assertThat(access).anyMatch(m -> m.startsWith("POST /register 500 server_error "));
            assertThat(access).as("health checks are left out by default").noneMatch(m -> m.contains("/health/"));
            assertThat(events).as("console notices are log events too").anyMatch(e -> "org.gatehouse.notice".equals(e.get("loggerName"))
                    && String.valueOf(e.get("formattedMessage")).startsWith("Gatehouse is running"));
        }
    }

    /**
     * GATEHOUSE_LOG_LEVEL=WARN quiets Gatehouse's own INFO events but not the console notices (the start line,
     * the first admin's setup link on an empty database) nor the access log GATEHOUSE_ACCESS_LOG turned on.
     */
    @Test
    void warnLevelKeepsTheNoticesAndTheAccessLog() throws Exception {
        try (Backend b = Backend.create(Backend.H2)) {
            Map<String, String> env = ServerProcess.with(ServerProcess.env(b, ServerProcess.freePort()),
                    "GATEHOUSE_LOG_FORMAT", "json", "GATEHOUSE_ACCESS_LOG", "true", "GATEHOUSE_LOG_LEVEL", "WARN");
            try (ServerProcess server = ServerProcess.start(env)) { // waits for the start line
                assertThat(server.http.get("/jwks").status()).isEqualTo(200);
                server.stop();
                List<Map<String, Object>> events = new ArrayList<>();
                for (String line : server.log().split("\n")) {
                    if (!line.isEmpty()) events.add(Json.parseObject(line));
                }
                assertThat(events).as(server.log()).anyMatch(e -> "org.gatehouse.notice".equals(e.get("loggerName"))
                        && String.valueOf(e.get("formattedMessage")).startsWith("Gatehouse is running"));
                assertThat(events).as(server.log()).anyMatch(e -> "org.gatehouse.notice".equals(e.get("loggerName"))
                        && String.valueOf(e.get("formattedMessage")).contains("one-time link"));
                assertThat(events).as(server.log()).anyMatch(e -> "org.gatehouse.access".equals(e.get("loggerName"))
                        && String.valueOf(e.get("formattedMessage")).startsWith("GET /jwks 200 "));
                assertThat(events).as("other INFO events stay quiet").noneMatch(e -> "INFO".equals(e.get("level"))
                        && String.valueOf(e.get("loggerName")).startsWith("org.gatehouse.server"));
            }
        }
    }

    /** The text format shows the request id; GATEHOUSE_ACCESS_LOG_HEALTH=true logs health checks too. */
    @Test
    void textLinesShowTheRequestId() {
        try (Backend b = Backend.create(Backend.H2)) {
            Map<String, String> env = ServerProcess.with(ServerProcess.env(b, ServerProcess.freePort()),
                    "GATEHOUSE_ACCESS_LOG", "true", "GATEHOUSE_ACCESS_LOG_HEALTH", "true");
            try (ServerProcess server = ServerProcess.start(env)) {
                assertThat(server.http.getWithHeaders("/jwks", Map.of("X-Request-Id", "text-log-1")).status()).isEqualTo(200);
                assertThat(server.http.get("/health/live").status()).isEqualTo(200);
                // The access line is written once the response is complete, which may be after the client has it: wait
                // for it (the output pumps signal each line) before stopping, or a stop can come first (CI, 19:27).
                server.awaitLog("GET /health/live 200", 30);
                server.stop();
                assertThat(server.log()).containsPattern("INFO .*o.gatehouse.access rid=text-log-1 - GET /jwks 200 - ")
                        .containsPattern("o.gatehouse.access rid=\\S+ - GET /health/live 200 - ")
                        .containsPattern("rid=- - ");
            }
        }
    }

    private static Map<?, ?> mdc(Map<String, Object> event) {
        return (Map<?, ?>) event.get("mdc");
    }
}
