package org.gatehouse.server.domain;

/** What a registered client is: an installation's credentials, or a resource server's introspection credentials. */
public enum ClientKind implements Coded {
    INSTALLATION("installation"),
    RESOURCE_SERVER("resource_server");

    private final String code;

    ClientKind(String code) {
        this.code = code;
    }

    @Override
    public String code() {
        return code;
    }

    /** The code, so that text and JSON built from the constant read as the stored value. */
    @Override
    public String toString() {
        return code;
    }
}
