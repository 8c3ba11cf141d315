package org.gatehouse.server.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Text.isPlain: names that display as what they are — nothing invisible, nothing reordering. */
class TextTest {

    @Test
    void ordinaryTextInManyScriptsIsPlain() {
        for (String ok : List.of("Library PCs, 2nd floor", "Bibliothèque – 2ᵉ étage", "Школа № 5", "図書館の端末",
                "도서관 PC", "مدرسه\u200Cها", "क्\u200Dष", "❤\uFE0F team", "👨\u200D👩\u200D👧 family", "❤\uFE0F\u200D🔥",
                "👍🏽", "Ἀθῆναι", "")) {
            assertThat(Text.isPlain(ok)).as(escape(ok)).isTrue();
        }
    }

    @Test
    void formatCharactersAreRefused() {
        // Category Cf: bidi marks, overrides and isolates, zero-width space, word joiner, BOM,
        // Arabic number signs, interlinear annotation, tag characters, shorthand format controls.
        for (String cf : List.of("\u200E", "\u200F", "\u202A", "\u202E", "\u2066", "\u2069", "\u061C", "\u200B", "\u2060",
                "\u2064", "\uFEFF", "\u0600", "\u06DD", "\uFFF9", "\uDB40\uDC01", "\uDB40\uDC41", "\uDB40\uDC7F",
                "\uD82F\uDCA0", "\uD834\uDD73", "\u00AD", "\u180E")) {
            assertThat(Text.isPlain("ab" + cf + "cd")).as(escape(cf)).isFalse();
            assertThat(Text.isPlain(cf)).as(escape(cf)).isFalse();
        }
    }

    @Test
    void fillersAndOtherInvisibleCodePointsAreRefused() {
        for (String inv : List.of("\u115F", "\u1160", "\u3164", "\uFFA0", "\u034F", "\u17B4", "\u17B5", "\u180B", "\u180C",
                "\u180D", "\u180F", "\u2800", "\uFE00", "\uFE0D", "\uDB40\uDD00", "\uDB40\uDDEF", "\uFFF0")) {
            assertThat(Text.isPlain(inv)).as(escape(inv)).isFalse();
            assertThat(Text.isPlain("Library" + inv + "PCs")).as(escape(inv)).isFalse();
            assertThat(Text.isPlain(inv + inv + inv)).as(escape(inv)).isFalse();
        }
    }

    @Test
    void joinersAndPresentationSelectorsOnlyWhereTheyJoinOrSelect() {
        for (String bad : List.of("ab\u200Dcd", "ab\u200Ccd", "\u200D", "\u200C", "\u0645\u200C", "\u200D\u0645", "a\u200D👍",
                "\u0645\u200C\u200C\u0645", "\u0645 \u200C\u0645", "a\uFE0F", "1\uFE0F", "\uFE0F", "\uFE0E", "\u0645\uFE0F",
                "❤\uFE0F\uFE0F")) {
            assertThat(Text.isPlain(bad)).as(escape(bad)).isFalse();
        }
        assertThat(Text.isPlain("❤\uFE0E")).isTrue();
    }

    @Test
    void controlsSeparatorsAndBrokenSurrogatesAreRefused() {
        for (String bad : List.of("a\nb", "a\tb", "a\u0000b", "a\u007Fb", "a\u0085b", "a\u2028b", "a\u2029b", "a\uD800b",
                "a\uDC00b", "\uD83D")) {
            assertThat(Text.isPlain(bad)).as(escape(bad)).isFalse();
        }
    }

    @Test
    void theOnlySpaceIsTheAsciiSpace() {
        // Every space separator (category Zs) but U+0020 looks like it: two labels would display the same.
        for (String space : List.of("\u00A0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006",
                "\u2007", "\u2008", "\u2009", "\u200A", "\u202F", "\u205F", "\u3000")) {
            assertThat(Text.isPlain("Library" + space + "PCs")).as(escape(space)).isFalse();
            assertThat(Text.isPlain(space)).as(escape(space)).isFalse();
        }
        assertThat(Text.isPlain("Library PCs, 2nd floor")).isTrue();
        assertThat(Text.isPlain("   ")).isTrue(); // blank is the callers' rule (isBlank), not this one
    }

    @Test
    void scopeSetSplitsOnSingleSpacesAndRefusesBadTokens() {
        assertThat(Text.scopeSet(null)).isEmpty();
        assertThat(Text.scopeSet("")).isEmpty();
        assertThat(Text.scopeSet("prefs:read prefs:write prefs:read")).containsExactly("prefs:read", "prefs:write");
        for (String bad : List.of(" a", "a ", "a  b", "a\"b", "a\\b", "caf\u00E9", "a\tb")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Text.scopeSet(bad)).as(escape(bad))
                    .isInstanceOf(org.gatehouse.server.errors.InvalidInput.class);
        }
    }

    @Test
    void printableKeepsPrintableAsciiAndAtMostSixtyCharacters() {
        assertThat(Text.printable("ok: A-z_0")).isEqualTo("ok: A-z_0");
        assertThat(Text.printable("a\"b\\c\nd\u00E9")).isEqualTo("a?b?c?d?");
        assertThat(Text.printable("x".repeat(100))).hasSize(60);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> b.append(cp < 0x7F && cp >= 0x20 ? Character.toString(cp) : String.format("U+%04X", cp)));
        return b.toString();
    }
}
