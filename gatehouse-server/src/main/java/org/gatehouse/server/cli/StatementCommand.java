package org.gatehouse.server.cli;

import com.nimbusds.jose.jwk.JWK;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.config.Durations;
import org.gatehouse.server.statements.StatementKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** For publishers, at build time: needs no server and no database. */
@Command(name = "statement", description = "Software statements (RFC 7591 §2.3), for publishers at build time: keys and signing.",
        subcommands = {StatementCommand.Keygen.class, StatementCommand.Sign.class})
public final class StatementCommand {

    @Command(name = "keygen", description = "Create a signing key: the private key file (owner-readable only) and its public JWKS beside it (FILE.jwks.json).")
    static final class Keygen extends ConsoleCommand {
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The private key file to create (never overwritten).")
        Path out;
        @Option(names = "--alg", defaultValue = "ES256", description = "ES256 (default), EdDSA or RS256.")
        String alg;

        @Override
        public Integer call() throws Exception {
            String kid = StatementKeys.keygen(out, alg);
            out().println(kid);
            err().println("private key: " + out + " (keep it secret, off the build logs); public JWKS for the server's admin: "
                    + StatementKeys.publicFile(out));
            return 0;
        }
    }

    @Command(name = "sign", description = "Print a software statement signed with the key.")
    static final class Sign extends ConsoleCommand {
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The private key file from 'statement keygen'.")
        Path key;
        @Option(names = "--issuer", required = true, paramLabel = "NAME", description = "The publisher name the server knows (gatehouse publisher add --name).")
        String issuer;
        @Option(names = "--software-id", required = true, paramLabel = "ID")
        String softwareId;
        @Option(names = "--software-version", required = true, paramLabel = "V")
        String softwareVersion;
        @Option(names = "--scope", description = "The most the software may be given (each site's token narrows it further).")
        String scope;
        @Option(names = "--client-name", paramLabel = "NAME")
        String clientName;
        @Option(names = "--expires-in", paramLabel = "D", description = "Lifetime, e.g. 365d (default: no exp).")
        String expiresIn;

        @Override
        public Integer call() throws Exception {
            JWK k = StatementKeys.readPrivate(key);
            Instant now = Instant.now();
            Instant exp = null;
            if (expiresIn != null) {
                Duration d = Durations.parseOption("--expires-in", expiresIn);
                if (d.isNegative() || d.isZero()) throw InvalidInput.of("--expires-in", "--expires-in must be positive");
                exp = now.plus(d);
            }
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("software_id", softwareId);
            claims.put("software_version", softwareVersion);
            claims.put("scope", scope);
            claims.put("client_name", clientName);
            out().println(StatementKeys.sign(k, issuer, now, exp, claims));
            return 0;
        }
    }
}
