package org.gatehouse.server.domain;

/**
 * An enum whose constants have a fixed lower-case name: the value stored in the database (mapped in
 * {@code store/}), shown by the API and the CLI. Renaming a constant never changes it.
 */
public interface Coded {
    String code();
}
