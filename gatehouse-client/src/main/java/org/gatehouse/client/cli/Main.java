package org.gatehouse.client.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.gatehouse.client.ClientKey;
import org.gatehouse.client.CredentialStore;
import org.gatehouse.client.Credentials;
import org.gatehouse.client.GatehouseClient;
import org.gatehouse.client.GatehouseClientException;
import org.gatehouse.client.MachineIds;
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
                "5 registration revoked (by its issuer or an administrator; see the message), 6 refused by the server,",
                "7 server unavailable or rate limited (retry later), 8 credentials lost here (replaced by another registration",
                "of this installation, or dropped as unused): run enrol again, 9 the OS has no machine id."},
        subcommands = {Main.Enrol.class, Main.Token.class, Main.Status.class, Main.Rotate.class, Main.Unenrol.class})
public final class Main implements Callable<Integer> {
    @Option(names = "--store", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Credential store directory (default: $GATEHOUSE_STORE, else the per-user config directory).")
    Path store;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON instead of readable text.")
    boolean json;

    @Option(names = "--machine-id-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Read the machine id from this file (32 hex digits, as /etc/machine-id) instead of the OS's:"
                    + " for containers started from one image, which share its machine id.")
    Path machineIdFile;

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
                out.println(JsonOut.pretty(m));
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
        return client(softwareId, softwareVersion, clientName, scope, false);
    }

    GatehouseClient client(String softwareId, String softwareVersion, String clientName, String scope, boolean perUser) {
        return builder(softwareId, softwareVersion, clientName, scope, perUser).build();
    }

    GatehouseClient.Builder builder(String softwareId, String softwareVersion, String clientName, String scope, boolean perUser) {
        GatehouseClient.Builder b = clients.apply(storeDir());
        if (machineIdFile != null) b.machineIdSource(MachineIds.linux(java.util.List.of(machineIdFile)));
        if (perUser) b.perUser();
        b.software(softwareId, softwareVersion);
        if (clientName != null) b.clientName(clientName);
        if (scope != null) b.scope(scope);
        return b;
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

    /** The store is the per-user default (neither --store nor GATEHOUSE_STORE): the installation is this user's. */
    boolean perUserStore() {
        String s = env.get("GATEHOUSE_STORE");
        return store == null && (s == null || s.isBlank());
    }

    void print(Map<String, Object> jsonOut, String text) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? JsonOut.pretty(jsonOut) : text);
    }

    static Map<String, Object> describe(Credentials c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", c.issuer());
        m.put("client_id", c.clientId());
        m.put("installation_id", c.installationId());
        m.put("scope", c.scope());
        m.put("client_secret_expires_at", c.clientSecretExpiresAt() == 0 ? null : Instant.ofEpochSecond(c.clientSecretExpiresAt()).toString());
        if (c.keyBound()) { // issue 17: private_key_jwt; the kid is the key's RFC 7638 thumbprint
            m.put("token_endpoint_auth_method", c.tokenEndpointAuthMethod());
            m.put("key_type", c.keyAlgorithm());
            m.put("kid", c.keyId());
            m.put("dpop_bound_access_tokens", c.dpopBound());
        }
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

        @Option(names = "--key-bound", description = "Generate a key pair on this machine and authenticate with it (private_key_jwt,"
                + " RFC 7523) instead of a client secret; automatic when the token file requires it.")
        boolean keyBound;

        @Option(names = "--key-type", paramLabel = "TYPE",
                description = "Key type with --key-bound: EC (P-256, ES256; the default) or Ed25519 (EdDSA).")
        String keyType;

        @Option(names = "--dpop", description = "With a key bound installation: register for DPoP-bound access tokens (RFC 9449);"
                + " automatic when the token file requires it.")
        boolean dpop;

        @CommandLine.ArgGroup(exclusive = true)
        Who who;

        static final class Who {
            @Option(names = "--per-user", description = "This OS user's own installation (the default with the per-user default store).")
            boolean perUser;

            @Option(names = "--per-machine", description = "One installation for the app on this machine, whoever runs it"
                    + " (the default with --store or GATEHOUSE_STORE).")
            boolean perMachine;
        }

        @Override
        public Integer call() {
            boolean perUser = who == null ? main.perUserStore() : who.perUser;
            GatehouseClient.Builder b = main.builder(softwareId, softwareVersion == null ? Version.get() : softwareVersion, clientName, scope, perUser);
            ClientKey.Type type;
            try {
                type = keyType == null ? ClientKey.Type.EC_P256 : ClientKey.Type.parse(keyType);
            } catch (IllegalArgumentException bad) {
                throw new CommandLine.ParameterException(main.spec.commandLine(), bad.getMessage());
            }
            if (keyBound || dpop || keyType != null) b.keyBound(type); // --dpop and --key-type imply a key
            if (dpop) b.dpop(true);
            GatehouseClient gh = b.build();
            GatehouseClient.Enrolment e = gh.enrol(tokenFile);
            Credentials c = e.credentials();
            boolean checked = e.serverState() == GatehouseClient.ServerState.ACTIVE;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", e.alreadyEnrolled() ? (checked ? "already_enrolled" : "already_enrolled_unchecked")
                    : e.replacedBecause() != null ? "enrolled_again" : "enrolled");
            if (e.replacedBecause() != null) m.put("previous_credentials", e.replacedBecause());
            m.putAll(describe(c));
            m.put("per_user", perUser);
            m.put("store", gh.store().dir().toString());
            String text;
            if (e.alreadyEnrolled()) {
                text = "Already enrolled with " + c.issuer() + " as client " + c.clientId()
                        + (checked ? " (the server confirmed it); nothing to do."
                                : "; the server could not be asked now, so this is not confirmed (gatehouse-enrol status checks it).");
            } else {
                text = (e.replacedBecause() == null ? "" : "The stored credentials no longer worked (" + e.replacedBecause() + ").\n")
                        + "Enrolled" + (e.replacedBecause() == null ? "" : " again") + " with " + c.issuer() + " as client " + c.clientId()
                        + (perUser ? " (an installation of this OS user)" : "") + ".\nCredentials stored in "
                        + gh.store().file() + " (owner only).";
            }
            main.print(m, text);
            return ExitCodes.OK;
        }
    }

    @Command(name = "token", description = "Print a valid access token (for scripts: Authorization: Bearer <token>).")
    static final class Token implements Callable<Integer> {
        @ParentCommand Main main;

        @Option(names = "--url", paramLabel = "URL", description = "Print the headers of one request to this URL instead:"
                + " Authorization, and for a DPoP-bound token a DPoP proof (RFC 9449) made for it.")
        java.net.URI url;

        @Option(names = "--method", paramLabel = "METHOD", defaultValue = "GET", description = "The method of that request (default: ${DEFAULT-VALUE}).")
        String method;

        @Override
        public Integer call() {
            if (url != null) {
                org.gatehouse.client.TokenSource.RequestHeaders h = main.client().tokenSource().authorize(method, url);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("authorization", h.authorization());
                m.put("dpop", h.dpop());
                main.print(m, "Authorization: " + h.authorization() + (h.dpop() == null ? "" : "\nDPoP: " + h.dpop()));
                return ExitCodes.OK;
            }
            AccessToken t = main.client().tokenSource().token();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("access_token", t.value());
            m.put("token_type", t.tokenType());
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
            if (c.keyBound()) {
                t.append("Key:             ").append(c.keyAlgorithm()).append(", kid ").append(c.keyId())
                        .append(c.dpopBound() ? " (DPoP-bound tokens)" : "").append('\n');
            } else {
                t.append("Secret expires:  ").append(c.secretExpires() ? Instant.ofEpochSecond(c.clientSecretExpiresAt()).toString() : "never").append('\n');
            }
            t.append("Store:           ").append(gh.store().dir()).append('\n');
            t.append("On the server:   ").append(switch (s.serverState()) {
                case ACTIVE -> "active";
                case REVOKED -> "REVOKED: " + s.problem().getMessage();
                case CREDENTIALS_LOST -> "CREDENTIALS LOST HERE: " + s.problem().getMessage();
                case ROTATED_ELSEWHERE -> "ROTATED BY ANOTHER COPY: " + s.problem().getMessage();
                case NOT_CHECKED -> "not checked (--offline)";
            });
            if (s.problem() != null) {
                m.put("message", s.problem().getMessage());
                m.put("credential_state", s.credentialState());
            }
            main.print(m, t.toString());
            return s.problem() == null ? ExitCodes.OK : ExitCodes.of(s.problem());
        }
    }

    @Command(name = "rotate", description = "Replace the client secret, or the key of a key-bound installation, now (RFC 7592).")
    static final class Rotate implements Callable<Integer> {
        @ParentCommand Main main;

        @Override
        public Integer call() {
            GatehouseClient gh = main.client();
            Credentials c = gh.credentials().keyBound() ? gh.rotateKey() : gh.rotateSecret();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", "rotated");
            m.putAll(describe(c));
            if (c.keyBound()) {
                main.print(m, "Key of " + c.clientId() + " rotated: a new " + c.keyAlgorithm() + " key (kid " + c.keyId()
                        + ") replaces the old one, which no longer works.");
                return ExitCodes.OK;
            }
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
