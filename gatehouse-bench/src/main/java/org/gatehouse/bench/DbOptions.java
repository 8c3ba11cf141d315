package org.gatehouse.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.gatehouse.server.config.Config;
import picocli.CommandLine.Option;

/** Which database a tool opens (a stopped server's): the GATEHOUSE_* settings, as for the server, with these overrides. */
final class DbOptions {
    @Option(names = "--data-dir", description = "GATEHOUSE_DATA_DIR (overrides the environment).")
    Path dataDir;
    @Option(names = "--db-url", description = "GATEHOUSE_DB_URL (overrides the environment).")
    String dbUrl;
    @Option(names = "--db-user", defaultValue = "postgres")
    String dbUser;

    Config config() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putIfAbsent("GATEHOUSE_CONFIG", "/dev/null");
        if (dataDir != null) env.put("GATEHOUSE_DATA_DIR", dataDir.toString());
        if (dbUrl != null) {
            env.put("GATEHOUSE_DB_URL", dbUrl);
            env.put("GATEHOUSE_DB_USER", dbUser);
        }
        return Config.load(env);
    }
}
