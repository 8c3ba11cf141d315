package org.gatehouse.server.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request-body parser (one JSON object, bounded depth, unique members, RFC 8259 escapes) and the writer. */
class JsonTest {

    @Test
    void anObjectWithEveryKindOfValue() throws Exception {
        Map<String, Object> m = Json.parseObject("{\"s\":\"a\\u00e9\\n\",\"n\":12,\"f\":1.5,\"t\":true,\"z\":null,\"l\":[1,\"x\"],\"o\":{\"k\":\"v\"}}");
        assertThat(m).containsEntry("s", "a\u00e9\n").containsEntry("t", true).containsEntry("z", null).containsKey("o");
        assertThat(((Number) m.get("n")).intValue()).isEqualTo(12);
        assertThat((List<?>) m.get("l")).hasSize(2);
        assertThat(List.copyOf(m.keySet())).containsExactly("s", "n", "f", "t", "z", "l", "o"); // order kept
    }

    @Test
    void onlyASingleObjectIsABody() {
        for (String notObject : List.of("[]", "\"x\"", "1", "null", "true")) {
            assertThatThrownBy(() -> Json.parseObject(notObject)).as(notObject).isInstanceOf(Json.JsonException.class);
        }
        for (String bad : List.of("", "{", "{\"a\":}", "{\"a\":1,}", "{a:1}", "{'a':1}", "{\"a\":1} {}", "{\"a\":01}", "{\"a\":NaN}")) {
            assertThatThrownBy(() -> Json.parseObject(bad)).as(bad).isInstanceOf(Json.JsonException.class)
                    .hasMessageStartingWith("the body");
        }
    }

    @Test
    void repeatedMemberNamesAreRefusedAtEveryLevel() {
        assertThatThrownBy(() -> Json.parseObject("{\"scope\":\"a\",\"scope\":\"b\"}")).hasMessage("the body repeats a member name");
        assertThatThrownBy(() -> Json.parseObject("{\"o\":{\"k\":1,\"k\":2}}")).hasMessage("the body repeats a member name");
        assertThatThrownBy(() -> Json.parseObject("{\"l\":[{\"k\":1,\"k\":1}]}")).hasMessage("the body repeats a member name");
    }

    @Test
    void depthIsBoundedBeforeParsing() throws Exception {
        String ok = "{\"a\":".repeat(Json.MAX_DEPTH - 1) + "{}" + "}".repeat(Json.MAX_DEPTH - 1);
        assertThat(Json.parseObject(ok)).containsKey("a");
        String deep = "{\"a\":".repeat(Json.MAX_DEPTH) + "{}" + "}".repeat(Json.MAX_DEPTH);
        assertThatThrownBy(() -> Json.parseObject(deep)).hasMessage("the JSON body is nested too deeply");
        String arrays = "{\"a\":" + "[".repeat(100_000); // never reaches the parser's recursion
        assertThatThrownBy(() -> Json.parseObject(arrays)).hasMessage("the JSON body is nested too deeply");
        // brackets inside strings are not nesting
        assertThat(Json.parseObject("{\"a\":\"" + "[{".repeat(100) + "\"}")).containsKey("a");
    }

    @Test
    void onlyTheEscapesOfRfc8259() throws Exception {
        assertThat(Json.parseObject("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\"}")).containsEntry("a", "\"\\/\b\f\n\r\tA");
        for (String bad : List.of("{\"a\":\"\\x41\"}", "{\"a\":\"\\'\"}", "{\"a\":\"\\a\"}")) {
            assertThatThrownBy(() -> Json.parseObject(bad)).as(bad).hasMessageContaining("not valid JSON");
        }
    }

    @Test
    void writtenJsonIsSafeInHtmlAndScriptAndRoundTrips() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("html", "</script><b>&</b>");
        m.put("sep", "a\u2028b\u2029c\u007F");
        m.put("ctl", "\u0001\t\n\r\"\\");
        m.put("list", List.of(1, true, "x"));
        m.put("none", null);
        String text = Json.write(m);
        assertThat(text).doesNotContain("<", ">", "&", "\u2028", "\u2029", "\u007F", "\u0001");
        assertThat(Json.parseObject(text)).isEqualTo(m);
        assertThat(Json.parseObject(Json.pretty(m))).isEqualTo(m);
        assertThat(Json.pretty(Map.of("a", 1))).isEqualTo("{\n  \"a\": 1\n}");
        assertThat(Json.write(Map.of())).isEqualTo("{}");
    }
}
