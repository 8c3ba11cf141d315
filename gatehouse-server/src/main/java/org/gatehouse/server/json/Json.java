package org.gatehouse.server.json;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;

/**
 * JSON in and out. Writing keeps the map's order and escapes only what RFC 8259 requires (plus
 * characters that confuse HTML and line-oriented tools). Reading is strict RFC 8259 (Jackson's
 * streaming parser with every leniency off: no comments, single quotes, NaN, leading zeros,
 * unescaped control characters or escapes outside §7, nothing after the object) with limits that
 * bound the work and memory of one unauthenticated request: nesting depth, document, string, name
 * and number length, token count.
 *
 * <p>Values come out as the callers have always received them: {@link LinkedHashMap} (member
 * order kept), {@link ArrayList}, {@link String}, {@link Boolean}, {@code null}, and for numbers
 * {@link Integer}, {@link Long} or {@link java.math.BigInteger} by size, {@link Double}, or
 * {@link BigDecimal} for a fraction a double cannot hold exactly (its digits kept).
 */
public final class Json {
    /** Objects and arrays open at once; the 17th level is refused before it is read. */
    public static final int MAX_DEPTH = 16;
    /** Characters in one document: the highest GATEHOUSE_MAX_BODY_BYTES the configuration accepts (10 MiB). */
    public static final int MAX_DOCUMENT_CHARS = 10 * 1024 * 1024;
    /**
     * Tokens (names, values, brackets) in one document: far above any metadata or key set, yet a
     * 10 MiB body of {@code [0,0,0,…]} cannot become millions of boxed values.
     */
    public static final int MAX_TOKENS = 100_000;
    /** Digits of one number: no protocol member needs more than 20; parsing a huge one is quadratic. */
    public static final int MAX_NUMBER_CHARS = 1000;
    /** Characters of one member name. */
    public static final int MAX_NAME_CHARS = 50_000;

    private static final JsonFactory FACTORY = JsonFactory.builder().streamReadConstraints(new Limits()).build();

    private Json() {
    }

    /** Thrown when a body is not a single well-formed JSON object. */
    public static final class JsonException extends Exception {
        public JsonException(String message) {
            super(message, null, false, false);
        }
    }

    /** Jackson's limits, with the depth refusal told apart from the others (its message is the caller's). */
    private static final class Limits extends StreamReadConstraints {
        private static final long serialVersionUID = 1L;

        Limits() {
            super(MAX_DEPTH, MAX_DOCUMENT_CHARS, MAX_TOKENS, MAX_NUMBER_CHARS, MAX_DOCUMENT_CHARS, MAX_NAME_CHARS);
        }

        @Override
        public void validateNestingDepth(int depth) throws StreamConstraintsException {
            if (depth > _maxNestingDepth) throw new TooDeep();
        }
    }

    private static final class TooDeep extends StreamConstraintsException {
        private static final long serialVersionUID = 1L;

        TooDeep() {
            super("nesting depth");
        }
    }

    /**
     * A request body as it came (RFC 8259 §8.1: JSON exchanged between systems is UTF-8): a byte
     * sequence that is not UTF-8 (a Latin-1 "é", an overlong form, an encoded surrogate, UTF-16) is
     * refused rather than read with replacement characters.
     */
    public static Map<String, Object> parseObject(byte[] utf8) throws JsonException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new JsonException("the body is not valid JSON (not UTF-8)");
        }
        return parseObject(text);
    }

    /**
     * One JSON object (RFC 8259 §4) and nothing else: a top-level scalar or array, a byte order
     * mark, a second value or any other trailing text is refused; so is a repeated member name.
     */
    public static Map<String, Object> parseObject(String text) throws JsonException {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), text)) {
            JsonToken first = p.nextToken();
            if (first == null) throw new JsonException("the body is not valid JSON");
            if (first != JsonToken.START_OBJECT) {
                value(p, first); // a malformed scalar is "not valid JSON", a well-formed one is not an object
                throw new JsonException("the body must be a JSON object");
            }
            Map<String, Object> object = object(p);
            if (p.nextToken() != null) throw new JsonException("the body is not valid JSON");
            return object;
        } catch (TooDeep e) {
            throw new JsonException("the JSON body is nested too deeply");
        } catch (StreamConstraintsException e) {
            throw new JsonException("the JSON body is too large (a string, number, name or the whole body is over its limit)");
        } catch (JacksonException e) {
            throw new JsonException("the body is not valid JSON");
        } catch (NumberFormatException | ArithmeticException e) { // an exponent beyond an int (1e99999999999): Jackson's BigDecimal refuses it
            throw new JsonException("the body is not valid JSON (a number out of range)");
        }
    }

    /**
     * RFC 8259 §4: names "SHOULD be unique"; with two "scope" members, which one counts would
     * depend on the parser, so neither does. Recursion is bounded by the parser's depth limit,
     * which refuses the 17th level before this method sees it.
     */
    private static Map<String, Object> object(JsonParser p) throws JsonException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String name = p.nextName(); name != null; name = p.nextName()) {
            if (m.containsKey(name)) throw new JsonException("the body repeats a member name"); // before its value is read
            m.put(name, value(p, p.nextToken()));
        }
        return m;
    }

    private static Object value(JsonParser p, JsonToken t) throws JsonException {
        if (t == null) throw new JsonException("the body is not valid JSON");
        switch (t) {
            case START_OBJECT:
                return object(p);
            case START_ARRAY:
                List<Object> list = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    list.add(value(p, e));
                }
                return list;
            case VALUE_STRING:
                return p.getString();
            case VALUE_NUMBER_INT:
                return p.getNumberValue(); // Integer, Long or BigInteger: the smallest that holds it
            case VALUE_NUMBER_FLOAT:
                // A Double when it holds the written value exactly (Double.toString gives it back), else a
                // BigDecimal: digits beyond a double's are kept, and 1e400 is not turned into Infinity
                // (which write() could not put back as JSON).
                double d = p.getDoubleValue();
                BigDecimal exact = p.getDecimalValue();
                return Double.isFinite(d) && new BigDecimal(Double.toString(d)).compareTo(exact) == 0 ? (Object) d : exact;
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new JsonException("the body is not valid JSON");
        }
    }

    public static String write(Object value) {
        StringBuilder b = new StringBuilder(256);
        write(b, value, -1, 0);
        return b.toString();
    }

    public static String pretty(Object value) {
        StringBuilder b = new StringBuilder(256);
        write(b, value, 2, 0);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, int indent, int level) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String) {
            string(b, (String) v);
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(',');
                first = false;
                newline(b, indent, level + 1);
                string(b, String.valueOf(e.getKey()));
                b.append(indent >= 0 ? ": " : ":");
                write(b, e.getValue(), indent, level + 1);
            }
            newline(b, indent, level);
            b.append('}');
        } else if (v instanceof Collection) {
            Collection<?> c = (Collection<?>) v;
            b.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) b.append(indent >= 0 ? ", " : ",");
                first = false;
                write(b, o, indent, level + 1);
            }
            b.append(']');
        } else {
            string(b, v.toString());
        }
    }

    private static void newline(StringBuilder b, int indent, int level) {
        if (indent < 0) return;
        b.append('\n');
        for (int i = 0; i < indent * level; i++) b.append(' ');
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        if (plain(s)) { // the common case (a token, an id): one copy, not a char-by-char append
            b.append(s).append('"');
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029' || c == 0x7F) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    /** Whether {@link #string} would write every character of s as it is. */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029' || c == 0x7F) {
                return false;
            }
        }
        return true;
    }
}
