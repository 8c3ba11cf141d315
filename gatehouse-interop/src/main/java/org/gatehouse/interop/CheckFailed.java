package org.gatehouse.interop;

import java.util.Objects;

/** A check's expectation that did not hold; its message is the reason printed after "FAIL name:". */
final class CheckFailed extends RuntimeException {
    CheckFailed(String message) {
        super(message, null, false, false);
    }

    static void expect(boolean condition, String reason) {
        if (!condition) throw new CheckFailed(reason);
    }

    static void expectEquals(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new CheckFailed(what + ": expected " + expected + " but got " + actual);
        }
    }

    static <T> T present(T value, String what) {
        if (value == null) throw new CheckFailed(what + " is missing");
        return value;
    }
}
