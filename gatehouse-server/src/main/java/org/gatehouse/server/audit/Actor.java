package org.gatehouse.server.audit;

/** Who did something and from where: recorded with every audit event. */
public record Actor(String name, String remoteAddr) {
    public static Actor cli() {
        return new Actor("cli:" + System.getProperty("user.name", "unknown"), null);
    }

    /** This server process, named by host and pid, so that an audit event says which node did something. */
    public static Actor node() {
        return new Actor("node:" + host() + ":" + ProcessHandle.current().pid(), null);
    }

    /** The CLI's user on this host (for events where the machine matters, such as printing a setup link). */
    public static Actor cliOnHost() {
        return new Actor(cli().name() + "@" + host(), null);
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }

    public static Actor system() {
        return new Actor("system", null);
    }
}
