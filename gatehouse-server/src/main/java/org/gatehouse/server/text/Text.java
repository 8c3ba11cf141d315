package org.gatehouse.server.text;

import java.util.LinkedHashSet;
import java.util.Set;
import org.gatehouse.server.config.Config;

/** Small text rules shared by every input check. */
public final class Text {
    private Text() {
    }

    /**
     * True when the text has no control characters, no line or paragraph separators and no
     * bidirectional overrides or isolates (which can make a name display as something else), no
     * invisible characters and no unpaired surrogates.
     */
    public static boolean isPlain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029'
                    || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')
                    || c == '\u200E' || c == '\u200F' || c == '\u061C' || c == '\uFEFF'
                    || invisible(c)) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) return false;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Characters that display as nothing and so let two names look the same ("Library PCs" with a
     * zero-width space inside): zero-width space, word joiner and invisible operators, Mongolian
     * vowel separator, soft hyphen. Zero-width (non-)joiners stay allowed: Persian, Indic scripts
     * and emoji sequences need them.
     */
    private static boolean invisible(char c) {
        return c == '\u200B' || (c >= '\u2060' && c <= '\u2064') || c == '\u180E' || c == '\u00AD';
    }

    /** Splits a space-delimited scope (RFC 6749 §3.3); every token must be well-formed. */
    public static Set<String> scopeSet(String scope) {
        Set<String> out = new LinkedHashSet<>();
        if (scope == null) return out;
        for (String t : scope.split(" ", -1)) {
            if (t.isEmpty()) {
                if (scope.isEmpty()) break;
                throw new IllegalArgumentException("scope tokens must be separated by single spaces");
            }
            if (!Config.SCOPE_TOKEN.matcher(t).matches()) {
                throw new IllegalArgumentException("'" + printable(t) + "' is not a valid scope token (RFC 6749 §3.3)");
            }
            out.add(t);
        }
        return out;
    }

    /** A value made safe to echo in an error message: printable ASCII only, at most 60 characters. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 60; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? c : '?');
        }
        return b.toString();
    }
}
