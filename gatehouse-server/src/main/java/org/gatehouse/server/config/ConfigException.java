package org.gatehouse.server.config;

/** A configuration problem, reported to the operator as one line and a non-zero exit. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
