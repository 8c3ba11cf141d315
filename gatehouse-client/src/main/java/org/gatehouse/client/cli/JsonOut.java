package org.gatehouse.client.cli;

import java.util.List;
import java.util.Map;

/**
 * The command line's --json output (RFC 8259), indented. Its own small writer: the library's JSON
 * reader and writer are internals of org.gatehouse.client and not public API (issue 15 Must 5).
 * Writes what the commands put in their answers: maps, lists, strings, numbers, booleans and null.
 */
final class JsonOut {
    private JsonOut() {
    }

    static String pretty(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, 0);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, int indent) {
        if (v == null || v instanceof Boolean || v instanceof Number) { // every number as a number, as the library's Json writes it
            b.append(v);
        } else if (v instanceof String) {
            quote(b, (String) v);
        } else if (v instanceof Map) {
            b.append('{');
            String sep = "\n";
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                b.append(sep).append("  ".repeat(indent + 1));
                quote(b, String.valueOf(e.getKey()));
                b.append(": ");
                write(b, e.getValue(), indent + 1);
                sep = ",\n";
            }
            if (!((Map<?, ?>) v).isEmpty()) b.append('\n').append("  ".repeat(indent));
            b.append('}');
        } else if (v instanceof List) {
            b.append('[');
            String sep = "";
            for (Object o : (List<?>) v) {
                b.append(sep);
                write(b, o, indent + 1);
                sep = ", ";
            }
            b.append(']');
        } else {
            quote(b, String.valueOf(v)); // Instant, Path, URI: their text
        }
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        b.append('"');
    }
}
