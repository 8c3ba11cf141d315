package org.gatehouse.server.api;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.json.Json;

/**
 * The API's OpenAPI document, and a small JSON Schema subset validator for the responses tests
 * receive: $ref, type, enum, required, properties, additionalProperties, items, maxLength,
 * minimum/maximum, format date-time and uri.
 */
final class OpenApi {
    final Map<String, Object> doc;

    OpenApi(String json) {
        try {
            this.doc = Json.parseObject(json);
        } catch (Json.JsonException e) {
            throw new AssertionError("openapi.json is not JSON: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    Map<String, Object> paths() {
        return map(doc.get("paths"));
    }

    /** The path template a concrete path matches, preferring literal segments; null if none. */
    String template(String path) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String[] segs = p.split("/", -1);
        String best = null;
        int bestLiterals = -1;
        for (String t : paths().keySet()) {
            String[] ts = t.split("/", -1);
            if (ts.length != segs.length) continue;
            int literals = 0;
            boolean ok = true;
            for (int i = 0; i < ts.length && ok; i++) {
                if (ts[i].startsWith("{")) ok = !segs[i].isEmpty();
                else if (ts[i].equals(segs[i])) literals++;
                else ok = false;
            }
            if (ok && literals > bestLiterals) {
                best = t;
                bestLiterals = literals;
            }
        }
        return best;
    }

    /** Checks a response against the document; returns the problems found (empty: valid). */
    List<String> validate(String method, String path, int status, String body) {
        List<String> errors = new ArrayList<>();
        String t = template(path);
        if (t == null) return List.of("path " + path + " is not in the document");
        Map<String, Object> op = map(map(paths().get(t)).get(method.toLowerCase()));
        if (op == null) return List.of(method + " " + t + " is not in the document");
        Map<String, Object> responses = map(op.get("responses"));
        Object resp = responses.containsKey(Integer.toString(status)) ? responses.get(Integer.toString(status)) : responses.get("default");
        if (resp == null) return List.of(method + " " + t + " does not document status " + status);
        Map<String, Object> r = resolve(map(resp));
        Map<String, Object> content = map(r.get("content"));
        if (content == null) return errors;
        Object schema = map(content.get("application/json")).get("schema");
        Object value;
        try {
            value = body.strip().startsWith("{") ? Json.parseObject(body) : null;
        } catch (Json.JsonException e) {
            return List.of("body is not JSON: " + e.getMessage());
        }
        if (value == null) return List.of("body is not a JSON object: " + body);
        check(map(schema), value, "$", errors);
        return errors;
    }

    private Map<String, Object> resolve(Map<String, Object> s) {
        while (s.containsKey("$ref")) {
            String ref = (String) s.get("$ref");
            if (!ref.startsWith("#/")) throw new AssertionError("external $ref " + ref);
            Object o = doc;
            for (String part : ref.substring(2).split("/")) o = map(o).get(part);
            if (o == null) throw new AssertionError("dangling $ref " + ref);
            s = map(o);
        }
        return s;
    }

    void check(Map<String, Object> schema, Object v, String at, List<String> errors) {
        Map<String, Object> s = resolve(schema);
        String type = (String) s.get("type");
        if (type != null) {
            boolean ok = switch (type) {
                case "object" -> v instanceof Map;
                case "array" -> v instanceof List;
                case "string" -> v instanceof String;
                case "integer" -> v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger;
                case "number" -> v instanceof Number;
                case "boolean" -> v instanceof Boolean;
                case "null" -> v == null;
                default -> false;
            };
            if (!ok) {
                errors.add(at + ": expected " + type + ", got " + (v == null ? "null" : v.getClass().getSimpleName()));
                return;
            }
        }
        if (s.containsKey("enum") && !((List<?>) s.get("enum")).contains(v)) errors.add(at + ": " + v + " not in " + s.get("enum"));
        if (v instanceof String str) {
            if (s.get("maxLength") instanceof Number n && str.length() > n.intValue()) errors.add(at + ": longer than " + n);
            if ("date-time".equals(s.get("format"))) {
                try {
                    OffsetDateTime.parse(str);
                } catch (RuntimeException e) {
                    errors.add(at + ": not a date-time: " + str);
                }
            }
            if ("uri".equals(s.get("format"))) {
                try {
                    if (!URI.create(str).isAbsolute()) errors.add(at + ": not an absolute URI: " + str);
                } catch (IllegalArgumentException e) {
                    errors.add(at + ": not a URI: " + str);
                }
            }
        }
        if (v instanceof Number n && !(v instanceof Double)) {
            if (s.get("minimum") instanceof Number min && n.longValue() < min.longValue()) errors.add(at + ": below " + min);
            if (s.get("maximum") instanceof Number max && n.longValue() > max.longValue()) errors.add(at + ": above " + max);
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> props = s.containsKey("properties") ? map(s.get("properties")) : Map.of();
            if (s.get("required") instanceof List<?> req) {
                for (Object k : req) if (!m.containsKey(k)) errors.add(at + ": missing " + k);
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = (String) e.getKey();
                if (props.containsKey(k)) {
                    check(map(props.get(k)), e.getValue(), at + "." + k, errors);
                } else if (Boolean.FALSE.equals(s.get("additionalProperties"))) {
                    errors.add(at + ": undocumented member " + k);
                } else if (s.get("additionalProperties") instanceof Map<?, ?> extra) {
                    check(map(extra), e.getValue(), at + "." + k, errors);
                }
            }
        }
        if (v instanceof List<?> list && s.get("items") != null) {
            for (int i = 0; i < list.size(); i++) check(map(s.get("items")), list.get(i), at + "[" + i + "]", errors);
        }
    }
}
