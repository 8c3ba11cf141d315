package org.gatehouse.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The test-side schema validator catches what it should, so that "no errors" in ApiTest means something. */
class ApiSchemaValidatorTest {
    private static OpenApi doc() throws Exception {
        try (InputStream in = ApiSchemaValidatorTest.class.getResourceAsStream("/api/openapi.json")) {
            return new OpenApi(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void findsMissingExtraMistypedAndBadlyFormattedMembers() throws Exception {
        OpenApi d = doc();
        String ok = "{\"id\":\"acc_1\",\"email\":\"a@example.org\",\"role\":\"issuer\",\"status\":\"active\",\"created_at\":\"2026-01-01T00:00:00Z\",\"created_by\":\"cli\"}";
        assertThat(d.validate("GET", "/api/v1/accounts", 200, "{\"items\":[" + ok + "]}")).isEmpty();
        assertThat(d.validate("GET", "/api/v1/accounts", 200, "{\"items\":[" + ok.replace("\"role\":\"issuer\",", "") + "]}"))
                .anyMatch(e -> e.contains("missing role"));
        assertThat(d.validate("GET", "/api/v1/accounts", 200, "{\"items\":[" + ok.replace("}", ",\"secret\":1}") + "]}"))
                .anyMatch(e -> e.contains("undocumented member secret"));
        assertThat(d.validate("GET", "/api/v1/accounts", 200, "{\"items\":[" + ok.replace("issuer", "root") + "]}"))
                .anyMatch(e -> e.contains("not in"));
        assertThat(d.validate("GET", "/api/v1/accounts", 200, "{\"items\":[" + ok.replace("2026-01-01T00:00:00Z", "yesterday") + "]}"))
                .anyMatch(e -> e.contains("date-time"));
        assertThat(d.validate("GET", "/api/v1/accounts", 200, "{\"items\":{}}")).anyMatch(e -> e.contains("expected array"));
        assertThat(d.validate("GET", "/api/v1/accounts", 418, "{}")).anyMatch(e -> e.contains("does not document status 418"));
        assertThat(d.validate("PUT", "/api/v1/accounts", 200, "{}")).anyMatch(e -> e.contains("not in the document"));
        assertThat(d.validate("GET", "/api/v1/nothing", 200, "{}")).anyMatch(e -> e.contains("not in the document"));
        assertThat(d.validate("GET", "/api/v1/tokens/iat_x", 404, "{\"error\":\"not_found\"}")).isEmpty();
        assertThat(d.validate("GET", "/api/v1/tokens/iat_x", 404, "{\"error\":5}")).anyMatch(e -> e.contains("expected string"));
    }

    @Test
    void everyRefResolvesAndEveryOperationHasSecurityAndErrors() throws Exception {
        OpenApi d = doc();
        d.paths().forEach((path, item) -> OpenApi.map(item).forEach((method, op) -> {
            if (method.equals("parameters") || path.endsWith("openapi.json")) return;
            java.util.Map<String, Object> o = OpenApi.map(op);
            assertThat(o).as(method + " " + path).containsKeys("operationId", "security", "responses");
            assertThat(OpenApi.map(o.get("responses"))).as(method + " " + path).containsKeys("401", "403");
        }));
        String text = d.doc.toString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("#/components/(schemas|responses)/([A-Za-z]+)").matcher(text);
        while (m.find()) {
            assertThat(OpenApi.map(OpenApi.map(d.doc.get("components")).get(m.group(1)))).as(m.group()).containsKey(m.group(2));
        }
    }

    /** Issue 19: a token's resource limit is part of the documented create body (NewToken allows no other members). */
    @Test
    void newTokenDocumentsItsResourceLimit() throws Exception {
        java.util.Map<String, Object> newToken = OpenApi.map(OpenApi.map(OpenApi.map(doc().doc.get("components")).get("schemas")).get("NewToken"));
        assertThat(newToken).containsEntry("additionalProperties", false);
        java.util.Map<String, Object> resources = OpenApi.map(OpenApi.map(newToken.get("properties")).get("resources"));
        assertThat(resources).containsEntry("type", "array");
        assertThat(String.valueOf(resources.get("maxItems"))).isEqualTo("50");
        assertThat(OpenApi.map(resources.get("items"))).containsEntry("type", "string");
        assertThat(String.valueOf(OpenApi.map(resources.get("items")).get("maxLength"))).isEqualTo("2000");
        assertThat((String) resources.get("description")).contains("invalid_target").contains("fields.resources");
    }
}
