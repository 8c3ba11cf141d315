package org.gatehouse.client.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.gatehouse.client.CredentialStore;
import org.gatehouse.client.Credentials;
import org.gatehouse.client.GatehouseClient;
import org.gatehouse.client.GatehouseClientException;
import org.gatehouse.client.Json;
import org.gatehouse.client.AccessToken;
import org.gatehouse.client.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/** gatehouse-enrol: enrol this machine with a token file, then print access tokens for scripts. */
@Command(name = "gatehouse-enrol", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Enrols this installation with a Gatehouse server from a token file and manages its credentials.",
        footer = {"", "Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 not enrolled, 4 token file or credential store unusable,",
                "5 registration revoked or deleted on the server, 6 refused by the server, 7 server unavailable or rate limited (retry later),",
                "8 the OS has no machine id."},
        subcommands = {Main.Enrol.class, Main.Token.class, Main.Status.class, Main.Rotate.class, Main.Unenrol.class})
public final class Main implements Callable<Integer> {
    @Option(names = "--store", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Credential store directory (default: $GATEHOUSE_STORE, else the per-user config directory).")
    Path store;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON instead of readable text.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Function<Path, GatehouseClient.Builder> clients;
    private final Map<String, String> env;

    public Main(Function<Path, GatehouseClient.Builder> clients, Map<String, String> env) {
        this.clients = clients;
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                GatehouseClient::builder, System.getenv()));
    }

    /** Runs one command line; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Function<Path, GatehouseClient.Builder> clients,
                          Map<String, String> env) {
        Main main = new Main(clients, env);
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            int code = ExitCodes.of(e);
            String message = e instanceof GatehouseClientException ? e.getMessage() : e.toString();
            if (main.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("error", ExitCodes.name(code));
                m.put("message", message);
                m.put("exit_code", code);
                out.println(Json.pretty(m));
            } else {
                err.println("gatehouse-enrol: " + message);
            }
            out.flush();
            err.flush();
            return code;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.USAGE;
    }

    GatehouseClient client(String softwareId, String softwareVersion, String clientName, String scope) {
        GatehouseClient.Builder b = clients.apply(storeDir());
        b.software(softwareId, softwareVersion);
        if (clientName != null) b.clientName(clientName);
        if (scope != null) b.scope(scope);
        return b.build();
    }

    GatehouseClient client() {
        return client("gatehouse-enrol", Version.get(), null, null);
    }

    Path storeDir() {
        if (store != null) return store;
        String s = env.get("GATEHOUSE_STORE");
        if (s != null && !s.isBlank()) return Path.of(s);
        return CredentialStore.defaultDirectory(env);
    }

    void print(Map<String, Object> jsonOut, String text) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? Json.pretty(jsonOut) : text);
    }

    static Map<String, Object> describe(Credentials c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", c.issuer());
        m.put("client_id", c.clientId());
        m.put("installation_id", c.installationId());
        m.put("scope", c.scope());
        m.put("client_secret_expires_at", c.clientSecretExpiresAt() == 0 ? null : Instant.ofEpochSecond(c.clientSecretExpiresAt()).toString());
        m.put("enrolled_at", c.enrolledAt().toString());
        m.put("label", c.label());
        return m;
    }

    @Command(name = "enrol", description = "Register this installation with the token file's server (once; a second run does nothing).")
    static final class Enrol implements Callable<Integer> {
        @ParentCommand Main main;

        @Option(names = "--token-file", required = true, paramLabel = "FILE", description = "The token file from the Gatehouse portal or CLI.")
        Path tokenFile;

        @Option(names = "--software-id", defaultValue = "gatehouse-enrol", description = "RFC 7591 software_id (default: ${DEFAULT-VALUE}).")
        String softwareId;

        @Option(names = "--software-version", description = "RFC 7591 software_version (default: this tool's version).")
        String softwareVersion;

        @Option(names = "--client-name", description = "RFC 7591 client_name shown to the issuer.")
        String clientName;

        @Option(names = "--scope", description = "Scope to register (default: everything the token file allows).")
        String scope;

        @Override
        public Integer call() {
            GatehouseClient gh = main.client(softwareId, softwareVersion == null ? Version.get() : softwareVersion, clientName, scope);
            GatehouseClient.Enrolment e = gh.enrol(tokenFile);
            Credentials c = e.credentials();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", e.alreadyEnrolled() ? "already_enrolled" : "enrolled");
            m.putAll(describe(c));
            m.put("store", gh.store().dir().toString());
            main.print(m, e.alreadyEnrolled()
                    ? "Already enrolled with " + c.issuer() + " as client " + c.clientId() + "; nothing to do."
                    : "Enrolled with " + c.issuer() + " as client " + c.clientId() + ".\nCredentials stored in "
                            + gh.store().file() + " (owner only).");
            return ExitCodes.OK;
        }
    }

    @Command(name = "token", description = "Print a valid access token (for scripts: Authorization: Bearer <token>).")
    static final class Token implements Callable<Integer> {
        @ParentCommand Main main;

        @Override
        public Integer call() {
            AccessToken t = main.client().tokenSource().token();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("access_token", t.value());
            m.put("token_type", "Bearer");
            m.put("expires_at", t.expiresAt().toString());
            m.put("scope", t.scope());
            main.print(m, t.value());
            return ExitCodes.OK;
        }
    }

    @Command(name = "status", description = "Show the stored registration and whether the server still accepts it.")
    static final class Status implements Callable<Integer> {
        @ParentCommand Main main;

        @Option(names = "--offline", description = "Do not ask the server (RFC 7592 read); show the stored state only.")
        boolean offline;

        @Override
        public Integer call() {
            GatehouseClient gh = main.client();
            GatehouseClient.Status s = gh.status(!offline);
            Credentials c = s.credentials();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("server_state", s.serverState().name().toLowerCase(Locale.ROOT));
            m.putAll(describe(c));
            m.put("store", gh.store().dir().toString());
            StringBuilder t = new StringBuilder();
            t.append("Issuer:          ").append(c.issuer()).append('\n');
            t.append("Client id:       ").append(c.clientId()).append('\n');
            t.append("Installation id: ").append(c.installationId()).append('\n');
            t.append("Scope:           ").append(c.scope()).append('\n');
            t.append("Enrolled at:     ").append(c.enrolledAt()).append(c.label() == null ? "" : " (token file \"" + c.label() + "\")").append('\n');
            t.append("Secret expires:  ").append(c.secretExpires() ? Instant.ofEpochSecond(c.clientSecretExpiresAt()).toString() : "never").append('\n');
            t.append("Store:           ").append(gh.store().dir()).append('\n');
            t.append("On the server:   ").append(switch (s.serverState()) {
                case ACTIVE -> "active";
                case REVOKED -> "REVOKED or deleted: enrol again with a new token file";
                case NOT_CHECKED -> "not checked (--offline)";
            });
            main.print(m, t.toString());
            return s.serverState() == GatehouseClient.ServerState.REVOKED ? ExitCodes.REVOKED : ExitCodes.OK;
        }
    }

    @Command(name = "rotate", description = "Replace the client secret now (RFC 7592).")
    static final class Rotate implements Callable<Integer> {
        @ParentCommand Main main;

        @Override
        public Integer call() {
            Credentials c = main.client().rotateSecret();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", "rotated");
            m.putAll(describe(c));
            main.print(m, "Client secret of " + c.clientId() + " rotated"
                    + (c.secretExpires() ? "; the new one expires at " + Instant.ofEpochSecond(c.clientSecretExpiresAt()) : "") + ".");
            return ExitCodes.OK;
        }
    }

    @Command(name = "unenrol", description = "Delete this installation's registration on the server, then its local credentials.")
    static final class Unenrol implements Callable<Integer> {
        @ParentCommand Main main;

        @Override
        public Integer call() {
            GatehouseClient gh = main.client();
            GatehouseClient.Unenrolment u = gh.unenrol();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", u == GatehouseClient.Unenrolment.DELETED ? "deleted" : "already_gone");
            m.put("store", gh.store().dir().toString());
            main.print(m, u == GatehouseClient.Unenrolment.DELETED
                    ? "Registration deleted on the server; local credentials removed."
                    : "The server no longer knew this registration (revoked or deleted); local credentials removed.");
            return ExitCodes.OK;
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"gatehouse-enrol " + Version.get()};
        }
    }
}
