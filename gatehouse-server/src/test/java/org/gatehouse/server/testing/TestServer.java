package org.gatehouse.server.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.GatehouseServer;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.iat.IatService;

/** A real Gatehouse server on a loopback port, over a fresh database of the given backend. */
public final class TestServer implements AutoCloseable {
    private static final Map<String, TestServer> SHARED = new ConcurrentHashMap<>();

    public final Backend backend;
    public final Config config;
    public final String issuer;
    public final Http http;
    private final GatehouseServer server;

    private TestServer(Backend backend, Map<String, String> extraEnv) {
        this.backend = backend;
        this.server = startOnAFreePort(backend, extraEnv);
        this.config = server.gatehouse().config;
        this.issuer = config.issuer;
        this.http = new Http(issuer);
    }

    /**
     * A free port is found by binding and releasing it; something else (H2's AUTO_SERVER listener, a browser
     * driver) may take it before the server binds, so a port in use is retried with a fresh one.
     */
    private static GatehouseServer startOnAFreePort(Backend backend, Map<String, String> extraEnv) {
        for (int attempt = 1; ; attempt++) {
            try {
                return GatehouseServer.start(config(backend, freePort(), extraEnv));
            } catch (ConfigException e) {
                if (attempt >= 5 || !e.getMessage().contains("the port is in use")) throw e;
            }
        }
    }

    private static Config config(Backend backend, int port, Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(backend.env());
        env.put("GATEHOUSE_PORT", Integer.toString(port));
        env.put("GATEHOUSE_ISSUER", "http://127.0.0.1:" + port);
        env.put("GATEHOUSE_CONFIG", "/dev/null");
        // Tests make many requests from one address quickly: rate limits are tested on servers of their own.
        env.put("GATEHOUSE_RATE_REGISTER_PER_TOKEN", "0");
        env.put("GATEHOUSE_RATE_REGISTER_PER_ADDRESS", "0");
        env.put("GATEHOUSE_RATE_TOKEN_PER_CLIENT", "0");
        env.put("GATEHOUSE_RATE_AUTH_FAILURES_PER_ADDRESS", "0");
        // No balancer to wait for, and tests rotate keys at once: tests of these settings set them.
        env.put("GATEHOUSE_SHUTDOWN_DELAY", "0");
        env.put("GATEHOUSE_KEY_PUBLISH_DELAY", "0");
        // The signing and interop tests run twice in CI, once as configured by default (auto: native where it
        // loads) and once with -Dgatehouse.test.crypto=jdk (the fallback): see the poms' crypto-jdk executions.
        String crypto = System.getProperty("gatehouse.test.crypto");
        if (crypto != null) env.put("GATEHOUSE_CRYPTO_PROVIDER", crypto);
        env.putAll(extraEnv);
        return Config.load(env);
    }

    /** A server of its own, with extra GATEHOUSE_* settings; close it when done. */
    public static TestServer start(String backendKind, Map<String, String> extraEnv) {
        Backend b = Backend.createMigrated(backendKind);
        try {
            return new TestServer(b, extraEnv);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /** A server on a database another server may use too (a second node); stop it with {@link #closeKeepingData}. */
    public static TestServer startOn(Backend backend, Map<String, String> extraEnv) {
        return new TestServer(backend, extraEnv);
    }

    /** One server per backend for the whole test run (tests isolate themselves with fresh tokens). */
    public static TestServer shared(String backendKind) {
        return SHARED.computeIfAbsent(backendKind, k -> {
            TestServer s = start(k, Map.of());
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
            return s;
        });
    }

    public Gatehouse gatehouse() {
        return server.gatehouse();
    }

    /** Creates an initial access token as the CLI would; returns its clear value. */
    public IatService.Created iat(int max, String scope) {
        return iat(IatService.Spec.of("test token", max, java.time.Duration.ofDays(1), scope));
    }

    public IatService.Created iat(IatService.Spec spec) {
        return gatehouse().iats.create(spec, Actor.cli());
    }

    public String iatToken(int max) {
        return iat(max, null).token();
    }

    @Override
    public void close() {
        Http.closeConnections(issuer);
        server.close();
        backend.close();
    }

    /** Stops the server but keeps its database, for tests that reopen it; close the backend afterwards. */
    public void closeKeepingData() {
        Http.closeConnections(issuer);
        server.close();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
