package org.gatehouse.server.portal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.gatehouse.server.errors.InvalidInput;

/**
 * The portal's rendering of {@link InvalidInput}: every field it names becomes an entry of a form's errors map
 * (input name → sentence), which tag/errors.jte lists in the error summary and tag/field.jte shows on its input.
 * A service names fields as the API does; a form whose inputs are named otherwise passes the renaming.
 */
final class FormErrors {
    private FormErrors() {
    }

    /** Input name → sentence, in the order the service found the problems. */
    static Map<String, String> of(InvalidInput e) {
        return of(e, Map.of());
    }

    /** As {@link #of(InvalidInput)}, with {@code inputNames} (the service's field → this form's input). */
    static Map<String, String> of(InvalidInput e, Map<String, String> inputNames) {
        Map<String, String> out = new LinkedHashMap<>();
        addTo(out, e, inputNames);
        return out;
    }

    /** Adds the problems of {@code e} to {@code errors}; a field already in error keeps its first message. */
    static void addTo(Map<String, String> errors, InvalidInput e, Map<String, String> inputNames) {
        e.renamed(inputNames).fields().forEach((field, message) -> errors.putIfAbsent(field, AdminPages.sentence(message)));
    }
}
