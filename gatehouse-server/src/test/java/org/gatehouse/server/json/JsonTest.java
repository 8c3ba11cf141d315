package org.gatehouse.server.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The request-body parser (one JSON object, bounded depth and size, unique members, RFC 8259 escapes, UTF-8 only)
 * and the writer. The cases are those an unauthenticated RFC 7591 registration body can bring.
 */
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
    void depthIsBoundedBeforeTheParserRecurses() throws Exception {
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

    @Test
    void callersGetTheJavaTypesTheyAlwaysGot() throws Exception {
        Map<String, Object> m = Json.parseObject("{\"i\":12,\"neg\":-0,\"l\":3000000000,\"big\":123456789012345678901234567890,"
                + "\"d\":1.5,\"e\":1e3,\"precise\":0.1234567890123456789012345,\"o\":{},\"a\":[]}");
        assertThat(m.get("i")).isEqualTo(12);
        assertThat(m.get("neg")).isEqualTo(0);
        assertThat(m.get("l")).isEqualTo(3_000_000_000L);
        assertThat(m.get("big")).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(m.get("d")).isEqualTo(1.5d);
        assertThat(m.get("e")).isEqualTo(1000.0d);
        assertThat(m.get("precise")).isEqualTo(new BigDecimal("0.1234567890123456789012345")); // digits kept, as before
        assertThat(Json.parseObject("{\"z\":-0.0}").get("z")).isEqualTo(-0.0d);
        assertThat(m).isInstanceOf(LinkedHashMap.class);
        assertThat(m.get("o")).isInstanceOf(LinkedHashMap.class);
        assertThat(m.get("a")).isInstanceOf(ArrayList.class);
    }

    @Test
    void topLevelScalarsAndArraysAreWellFormedButNotABody() {
        for (String scalar : List.of("[]", "[1,2]", "\"x\"", "1", "-1.5e3", "null", "true", "false", " 1 ")) {
            assertThatThrownBy(() -> Json.parseObject(scalar)).as(scalar).hasMessage("the body must be a JSON object");
        }
        for (String bad : List.of("x", "tru", "\"x", "01", "")) {
            assertThatThrownBy(() -> Json.parseObject(bad)).as(bad).hasMessage("the body is not valid JSON");
        }
    }

    @Test
    void nothingMayFollowTheObject() throws Exception {
        assertThat(Json.parseObject(" \r\n\t{\"a\":1} \r\n\t")).containsEntry("a", 1); // RFC 8259 §2 whitespace only
        for (String trailing : List.of("{}x", "{}}", "{}{}", "{} []", "{} 1", "{}\u0000", "{}//c", "{}/*c*/", "{}#", "{},", "{}\u00a0", "{}\u2028")) {
            assertThatThrownBy(() -> Json.parseObject(trailing)).as(trailing).hasMessage("the body is not valid JSON");
        }
    }

    @Test
    void noneOfTheOldParsersLeniencies() {
        // json-smart took the first three ("5." as 5.0, a lone "-" as 0, a NUL after the object)
        for (String bad : List.of("{\"a\":5.}", "{\"a\":-}", "{\"a\":1}\u0000", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":0x10}",
                "{\"a\":Infinity}", "{\"a\":-01}", "{\"a\":1e}", "{/*c*/\"a\":1}", "{\"a\":'x'}", "{\"a\":\"\t\"}", "{\"a\":\"\u0001\"}",
                "{\"a\":[1,]}", "{\"a\" 1}", "{\"a\":\"b\"\"c\":1}", "{\"a\":\"\\u12\"}", "\u00a0{}")) {
            assertThatThrownBy(() -> Json.parseObject(bad)).as(bad).hasMessage("the body is not valid JSON");
        }
    }

    @Test
    void aByteOrderMarkIsRefused() {
        // RFC 8259 §8.1: senders MUST NOT add one; the old parser refused it too, and so does every client we ship
        assertThatThrownBy(() -> Json.parseObject("\uFEFF{\"a\":1}")).hasMessage("the body is not valid JSON");
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
        assertThatThrownBy(() -> Json.parseObject(bom)).hasMessage("the body is not valid JSON");
    }

    @Test
    void aBodyThatIsNotUtf8IsRefusedNotRepaired() throws Exception {
        assertThat(Json.parseObject("{\"client_name\":\"Caf\u00e9 \uD83D\uDE00\"}".getBytes(StandardCharsets.UTF_8)))
                .containsEntry("client_name", "Caf\u00e9 \uD83D\uDE00");
        List<byte[]> notUtf8 = List.of(
                "{\"client_name\":\"Caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1), // Latin-1 é: a lone 0xE9
                bytes("{\"a\":\"", 0xC0, 0xAF, "\"}"), // overlong "/"
                bytes("{\"a\":\"", 0xED, 0xA0, 0x80, "\"}"), // an encoded surrogate (CESU-8)
                bytes("{\"a\":\"", 0xF8, 0x88, 0x80, 0x80, 0x80, "\"}"), // five-byte form
                bytes("{\"a\":\"", 0xE2, 0x82, "\"}")); // truncated sequence
        for (byte[] b : notUtf8) {
            assertThatThrownBy(() -> Json.parseObject(b)).hasMessage("the body is not valid JSON (not UTF-8)");
        }
        // UTF-16 decodes as UTF-8 with NULs between the characters: not JSON
        assertThatThrownBy(() -> Json.parseObject("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE))).hasMessage("the body is not valid JSON");
    }

    @Test
    void hugeStringsNumbersAndNamesAreBounded() throws Exception {
        String limit = "the JSON body is too large (a string, number, name or the whole body is over its limit)";
        // a long string is fine up to the document limit (the HTTP body limit is smaller and answers 413 first)
        assertThat((String) Json.parseObject("{\"a\":\"" + "x".repeat(1_000_000) + "\"}").get("a")).hasSize(1_000_000);
        assertThatThrownBy(() -> Json.parseObject("{\"a\":\"" + "x".repeat(Json.MAX_DOCUMENT_CHARS) + "\"}")).hasMessage(limit);
        // numbers: a 1000-digit one still reads; a longer one is refused before BigInteger's quadratic parse
        assertThat(Json.parseObject("{\"n\":" + "9".repeat(Json.MAX_NUMBER_CHARS) + "}").get("n")).isInstanceOf(BigInteger.class);
        assertThatThrownBy(() -> Json.parseObject("{\"n\":" + "9".repeat(Json.MAX_NUMBER_CHARS + 1) + "}")).hasMessage(limit);
        assertThatThrownBy(() -> Json.parseObject("{\"n\":1." + "5".repeat(Json.MAX_NUMBER_CHARS + 1) + "}")).hasMessage(limit);
        assertThat(Json.parseObject("{\"" + "k".repeat(Json.MAX_NAME_CHARS) + "\":1}")).hasSize(1);
        assertThatThrownBy(() -> Json.parseObject("{\"" + "k".repeat(Json.MAX_NAME_CHARS + 1) + "\":1}")).hasMessage(limit);
        // an exponent beyond an int: a refusal, not Jackson's NumberFormatException (a 500 on every JSON endpoint before)
        for (String n : new String[] {"1e99999999999", "1e-2147483649", "-1.5E+3000000000"}) {
            assertThatThrownBy(() -> Json.parseObject("{\"n\":" + n + "}")).as(n).isInstanceOf(Json.JsonException.class)
                    .hasMessage("the body is not valid JSON (a number out of range)");
        }
    }

    @Test
    void manyMembersOrValuesAreBoundedByTheTokenCount() throws Exception {
        StringBuilder members = new StringBuilder("{");
        for (int i = 0; i < 10_000; i++) members.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":0");
        assertThat(Json.parseObject(members.append('}').toString())).hasSize(10_000);
        String zeros = "{\"a\":[" + "0,".repeat(Json.MAX_TOKENS) + "0]}";
        assertThatThrownBy(() -> Json.parseObject(zeros)).hasMessageStartingWith("the JSON body is too large");
        // the same number of members repeated: refused at the first repeat, however many follow
        String repeated = "{" + "\"k\":0,".repeat(50_000) + "\"k\":0}";
        assertThatThrownBy(() -> Json.parseObject(repeated)).hasMessage("the body repeats a member name");
    }

    @Test
    void depthCountsArraysAndObjectsAlike() throws Exception {
        String sixteen = "{\"a\":" + "[".repeat(Json.MAX_DEPTH - 1) + "]".repeat(Json.MAX_DEPTH - 1) + "}";
        assertThat(Json.parseObject(sixteen)).containsKey("a");
        String seventeen = "{\"a\":" + "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH) + "}";
        assertThatThrownBy(() -> Json.parseObject(seventeen)).hasMessage("the JSON body is nested too deeply");
        String unclosed = "{\"a\":" + "[".repeat(Json.MAX_DEPTH - 1); // within the depth, cut short
        assertThatThrownBy(() -> Json.parseObject(unclosed)).hasMessage("the body is not valid JSON");
    }

    @Test
    void everyNumberWritesBackAsJsonAndReadsAsItself() throws Exception {
        // json-smart read 1e400 as Infinity, which write() put out as "Infinity": not JSON
        for (String n : List.of("1e400", "-1E400", "12345678.90123456", "1.5", "-0.0", "0.1234567890123456789012345", "1e-400", "4.9e-324")) {
            Map<String, Object> m = Json.parseObject("{\"n\":" + n + "}");
            assertThat(Json.parseObject(Json.write(m))).as(n + " written as " + Json.write(m)).isEqualTo(m);
            assertThat(new BigDecimal(m.get("n").toString()).compareTo(new BigDecimal(n))).as(n).isZero();
        }
    }

    private static byte[] bytes(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String str) out.writeBytes(str.getBytes(StandardCharsets.UTF_8));
            else out.write((Integer) p);
        }
        return out.toByteArray();
    }
}
