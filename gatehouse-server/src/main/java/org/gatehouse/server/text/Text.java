package org.gatehouse.server.text;

import java.util.LinkedHashSet;
import java.util.Set;
import org.gatehouse.server.errors.InvalidInput;

/** Small text rules shared by every input check. */
public final class Text {
    private Text() {
    }

    /**
     * True when the text has no control characters, no line or paragraph separators, no format
     * characters (Unicode category Cf: bidirectional overrides and isolates, which can make a name
     * display as something else, zero-width spaces, tag characters…), no other code point that
     * displays as nothing (Unicode's Default_Ignorable_Code_Point, such as Hangul fillers, the
     * combining grapheme joiner and variation selectors; and the blank braille pattern), and no
     * unpaired surrogates: two names must not look identical, and none may look blank.
     * Zero-width (non-)joiners are allowed between two non-ASCII letters, marks or symbols only
     * (Persian, Indic scripts and emoji sequences need them), and the text and emoji presentation
     * selectors (U+FE0E, U+FE0F) only directly after a non-ASCII symbol (❤️). The only space is the ASCII
     * space: the other space separators (category Zs: no-break U+00A0, U+2000–U+200A, narrow no-break U+202F,
     * U+205F, ideographic U+3000, Ogham U+1680) look like it, so "Library PCs" and "Library&nbsp;PCs" would be
     * two names that display the same; they are refused rather than rewritten (what is stored is what was sent).
     */
    public static boolean isPlain(String s) {
        int prev = -1;
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (Character.isLowSurrogate(c)
                    || (Character.isHighSurrogate(c) && (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))))) {
                return false;
            }
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            int next = i < s.length() ? s.codePointAt(i) : -1;
            if (!shows(prev, cp, next)) return false;
            prev = cp;
        }
        return true;
    }

    private static boolean shows(int prev, int cp, int next) {
        if (cp == ZWNJ || cp == ZWJ) return joinable(prev) && joinable(next);
        if (cp == VS15 || cp == VS16) return prev > 0x7F && Character.getType(prev) == Character.OTHER_SYMBOL;
        int type = Character.getType(cp);
        return !Character.isISOControl(cp) && type != Character.FORMAT && type != Character.LINE_SEPARATOR
                && (type != Character.SPACE_SEPARATOR || cp == ' ')
                && type != Character.PARAGRAPH_SEPARATOR && !invisible(cp);
    }

    private static final int ZWNJ = 0x200C;
    private static final int ZWJ = 0x200D;
    private static final int VS15 = 0xFE0E;
    private static final int VS16 = 0xFE0F;

    private static boolean joinable(int cp) {
        if (cp == VS16) return true; // an emoji in emoji presentation, checked where it stands
        if (cp <= 0x7F || !shows(-1, cp, -1)) return false;
        int type = Character.getType(cp);
        return Character.isLetter(cp) || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK || type == Character.OTHER_SYMBOL || type == Character.MODIFIER_SYMBOL;
    }

    /**
     * Code points that display as nothing but are not format characters: Unicode's
     * Default_Ignorable_Code_Point (DerivedCoreProperties.txt) minus category Cf — soft hyphen,
     * combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian variation
     * selectors, variation selectors, unassigned U+2065 and U+FFF0–FFF8 — plus the blank braille
     * pattern U+2800, which renders as a blank.
     */
    private static boolean invisible(int cp) {
        return cp == 0x00AD || cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5
                || (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2060 && cp <= 0x206F)
                || cp == 0x2800 || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF || cp == 0xFFA0
                || (cp >= 0xFFF0 && cp <= 0xFFF8) || (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0x1D173 && cp <= 0x1D17A)
                || (cp >= 0xE0000 && cp <= 0xE0FFF);
    }

    /** Config.SCOPE_TOKEN without the regex (RFC 6749 §3.3: %x21 / %x23-5B / %x5D-7E, here 1–100 of them): on every grant. */
    static boolean scopeToken(String t) {
        int n = t.length();
        if (n == 0 || n > 100) return false;
        for (int i = 0; i < n; i++) {
            char c = t.charAt(i);
            if (c < 0x21 || c > 0x7E || c == 0x22 || c == 0x5C) return false;
        }
        return true;
    }

    /**
     * Splits a space-delimited scope (RFC 6749 §3.3); every token must be well-formed.
     *
     * @throws InvalidInput on {@code scope} otherwise (the protocol endpoints answer its summary with their RFC code)
     */
    public static Set<String> scopeSet(String scope) {
        Set<String> out = new LinkedHashSet<>();
        if (scope == null) return out;
        for (String t : scope.split(" ", -1)) {
            if (t.isEmpty()) {
                if (scope.isEmpty()) break;
                throw InvalidInput.of("scope", "scope tokens must be separated by single spaces");
            }
            if (!scopeToken(t)) {
                throw InvalidInput.of("scope", "'" + printable(t) + "' is not a valid scope token (RFC 6749 §3.3)");
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
