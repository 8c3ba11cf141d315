package org.gatehouse.server.portal;

/** What the handlers still need of HTML outside the templates (src/main/jte, escaped by jte): URL components. */
final class Html {
    private Html() {
    }

    /** A query-string or path component. */
    static String u(String value) {
        return java.net.URLEncoder.encode(value == null ? "" : value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
