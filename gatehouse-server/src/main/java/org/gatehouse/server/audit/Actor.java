package org.gatehouse.server.audit;

/** Who did something and from where: recorded with every audit event. */
public record Actor(String name, String remoteAddr) {
    public static Actor cli() {
        return new Actor("cli:" + System.getProperty("user.name", "unknown"), null);
    }

    public static Actor system() {
        return new Actor("system", null);
    }
}
