package org.gatehouse.server.errors;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Input a person gave (in the portal, the API or the CLI) that a service refuses: every problem found, each on
 * the field it concerns, in the order the fields were checked. Services collect all problems of a request
 * before throwing one of these, so a form is corrected in one round. It is rendered in one place per surface:
 * the API answers {@code 400 invalid_request} with the {@code fields} map, the portal highlights each field and
 * shows the error summary, the CLI prints {@link #summary()} on one line and exits 2.
 *
 * <p>Field names are those of the API's JSON members (e.g. {@code label}, {@code max_registrations},
 * {@code client_cidrs}); messages are sentences meant for people. A programming error is an
 * {@link IllegalArgumentException}, never one of these. A subclass may name a kind of problem its caller
 * answers differently (a conflict with the current state: 409 in the API).
 */
public class InvalidInput extends RuntimeException {
    private final Map<String, String> fields;

    /** @param fields field → message, at least one, in the order to report them */
    public InvalidInput(Map<String, String> fields) {
        super(summary(fields), null, false, false);
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** One problem with one field. */
    public static InvalidInput of(String field, String message) {
        return new InvalidInput(Map.of(field, message));
    }

    /** field → message, in the order found (unmodifiable). */
    public Map<String, String> fields() {
        return fields;
    }

    /** One line naming every problem: the message itself when there is one, else "field: message; …". */
    public String summary() {
        return getMessage();
    }

    private static String summary(Map<String, String> fields) {
        if (fields == null || fields.isEmpty()) throw new IllegalArgumentException("an InvalidInput names at least one field");
        if (fields.size() == 1) return oneLine(fields.values().iterator().next());
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (b.length() > 0) b.append("; ");
            b.append(e.getKey()).append(": ").append(oneLine(e.getValue()));
        }
        return b.toString();
    }

    private static String oneLine(String s) {
        return String.valueOf(s).replaceAll("[\\r\\n\\t]+", " ").strip();
    }

    /**
     * The same problems under other field names, e.g. a form's input names for the API's members (fields not
     * in {@code names} keep theirs; two fields renamed to one keep both messages).
     */
    public InvalidInput renamed(Map<String, String> names) {
        Problems p = new Problems();
        fields.forEach((f, m) -> p.add(names.getOrDefault(f, f), m));
        return p.toException();
    }

    /** Collects the problems of one request; {@link #throwIfAny()} throws them together. */
    public static final class Problems {
        private final Map<String, Set<String>> fields = new LinkedHashMap<>();

        /** Records a problem; another one on the same field is added to its message (the same one only once). */
        public Problems add(String field, String message) {
            fields.computeIfAbsent(field, f -> new LinkedHashSet<>()).add(message);
            return this;
        }

        /** Records every problem of {@code e}. */
        public Problems addAll(InvalidInput e) {
            e.fields.forEach(this::add);
            return this;
        }

        /** Runs {@code check}; its InvalidInput is recorded instead of thrown (null returned then). */
        public <T> T collect(Supplier<T> check) {
            try {
                return check.get();
            } catch (InvalidInput e) {
                addAll(e);
                return null;
            }
        }

        public boolean has(String field) {
            return fields.containsKey(field);
        }

        public boolean isEmpty() {
            return fields.isEmpty();
        }

        /** The problems so far: field → message (several on one field joined by a space). */
        public Map<String, String> fields() {
            Map<String, String> out = new LinkedHashMap<>();
            fields.forEach((f, messages) -> out.put(f, String.join(" ", messages)));
            return out;
        }

        /** Throws every problem recorded so far as one InvalidInput; returns if there is none. */
        public void throwIfAny() {
            if (!fields.isEmpty()) throw toException();
        }

        private InvalidInput toException() {
            return new InvalidInput(fields());
        }
    }
}
