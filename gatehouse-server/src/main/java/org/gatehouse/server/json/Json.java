package org.gatehouse.server.json;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import net.minidev.json.JSONValue;
import net.minidev.json.writer.JsonReaderI;
import net.minidev.json.parser.JSONParser;

/**
 * JSON in and out. Writing keeps the map's order and escapes only what RFC 8259 requires (plus
 * characters that confuse HTML and line-oriented tools). Reading is strict RFC 8259 with a nesting
 * limit, so hostile input cannot exhaust the stack.
 */
public final class Json {
    public static final int MAX_DEPTH = 16;

    private Json() {
    }

    /** Thrown when a body is not a single well-formed JSON object. */
    public static final class JsonException extends Exception {
        public JsonException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Objects that refuse a repeated member name (RFC 8259 §4 "SHOULD be unique"): with two
     * "scope" members, which one counts would depend on the parser, so neither does.
     */
    private static final JsonReaderI<Object> UNIQUE_MEMBERS = new JsonReaderI<>(JSONValue.defaultReader) {
        @Override
        public JsonReaderI<?> startObject(String key) {
            return this;
        }

        @Override
        public JsonReaderI<?> startArray(String key) {
            return this;
        }

        @Override
        public Object createObject() {
            return new LinkedHashMap<String, Object>();
        }

        @Override
        public Object createArray() {
            return new ArrayList<Object>();
        }

        @Override
        @SuppressWarnings("unchecked")
        public void setValue(Object current, String key, Object value) {
            Map<String, Object> m = (Map<String, Object>) current;
            if (m.containsKey(key)) throw new IllegalArgumentException("repeated member");
            m.put(key, value);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void addValue(Object current, Object value) {
            ((List<Object>) current).add(value);
        }
    };

    public static Map<String, Object> parseObject(String text) throws JsonException {
        checkDepth(text);
        Object parsed;
        try {
            parsed = new JSONParser(JSONParser.MODE_RFC4627).parse(text, UNIQUE_MEMBERS);
        } catch (Exception | StackOverflowError e) {
            throw new JsonException(e instanceof IllegalArgumentException && "repeated member".equals(e.getMessage())
                    ? "the body repeats a member name" : "the body is not valid JSON");
        }
        if (!(parsed instanceof Map)) {
            throw new JsonException("the body must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) parsed;
        return new LinkedHashMap<>(object);
    }

    private static void checkDepth(String text) throws JsonException {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    // RFC 8259 §7: only these escapes; the parser underneath would also take "\x41".
                    char e = i + 1 < text.length() ? text.charAt(i + 1) : ' ';
                    if ("\"\\/bfnrtu".indexOf(e) < 0) throw new JsonException("the body is not valid JSON (bad escape)");
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                if (++depth > MAX_DEPTH) throw new JsonException("the JSON body is nested too deeply");
            } else if (c == '}' || c == ']') {
                depth--;
            }
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
