package org.gatehouse.server.portal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Server-side HTML by plain Java string building. Everything that comes from data goes through
 * {@link #e}, which escapes the five HTML-significant characters; nothing else is ever concatenated.
 */
public final class Html {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private Html() {
    }

    /** Escapes text for element content and double-quoted attribute values. */
    public static String e(Object value) {
        if (value == null) return "";
        String s = value.toString();
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A query-string or path component. */
    public static String u(String value) {
        return java.net.URLEncoder.encode(value == null ? "" : value, java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String time(Long millis) {
        return millis == null ? "—" : "<time datetime=\"" + Instant.ofEpochMilli(millis) + "\">" + TIME.format(Instant.ofEpochMilli(millis)) + "</time>";
    }

    public static String date(long millis) {
        return DATE.format(Instant.ofEpochMilli(millis));
    }

    public static String status(String status) {
        return "<span class=\"status-" + e(status) + "\">" + e(status.replace('_', ' ')) + "</span>";
    }

    /** A hidden CSRF field for a state-changing form. */
    public static String csrf(String token) {
        return "<input type=\"hidden\" name=\"csrf\" value=\"" + e(token) + "\">";
    }

    /**
     * A labelled input with its hint and error tied to it (aria-describedby, aria-invalid).
     */
    public static String field(String type, String name, String label, String value, String hint, String error, String extra) {
        String id = "f-" + name;
        StringBuilder described = new StringBuilder();
        StringBuilder b = new StringBuilder();
        b.append("<label for=\"").append(id).append("\">").append(e(label)).append("</label>");
        if (hint != null) {
            b.append("<span class=\"hint\" id=\"").append(id).append("-hint\">").append(e(hint)).append("</span>");
            described.append(id).append("-hint");
        }
        if (error != null) {
            b.append("<span class=\"error\" id=\"").append(id).append("-error\">").append(e(error)).append("</span>");
            if (described.length() > 0) described.append(' ');
            described.append(id).append("-error");
        }
        b.append("<input type=\"").append(type).append("\" id=\"").append(id).append("\" name=\"").append(e(name)).append("\"");
        if (value != null) b.append(" value=\"").append(e(value)).append("\"");
        if (described.length() > 0) b.append(" aria-describedby=\"").append(described).append("\"");
        if (error != null) b.append(" aria-invalid=\"true\"");
        if (extra != null) b.append(' ').append(extra);
        b.append(">");
        return b.toString();
    }

    /** An error summary at the top of a form, linking to each field in error. */
    public static String errorSummary(java.util.Map<String, String> errors) {
        if (errors.isEmpty()) return "";
        StringBuilder b = new StringBuilder("<div class=\"alert\" role=\"alert\"><h2 id=\"error-summary\">There is a problem</h2><ul>");
        errors.forEach((field, msg) -> b.append("<li><a href=\"#f-").append(e(field)).append("\">").append(e(msg)).append("</a></li>"));
        return b.append("</ul></div>").toString();
    }
}
