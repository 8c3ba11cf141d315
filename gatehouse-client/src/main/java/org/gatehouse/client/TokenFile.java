package org.gatehouse.client;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The token file of DESIGN §2, as handed out with an installer: who the issuer is, where to
 * register, and the initial access token (RFC 7591 §3) that admits this installation. The token is
 * never part of {@link #toString()}.
 */
public final class TokenFile {
    static final int VERSION = 1;
    private static final Pattern IAT = Pattern.compile("ghi_[A-Za-z0-9_-]{20,200}");
    private static final long MAX_BYTES = 64 * 1024;

    private final String issuer;
    private final URI registrationEndpoint;
    private final String initialAccessToken;
    private final String label;
    private final Instant expiresAt;
    private final String scope;
    private boolean keyBoundRequired;
    private boolean dpopRequired;

    private TokenFile(String issuer, URI registrationEndpoint, String initialAccessToken, String label, Instant expiresAt,
                      String scope) {
        this.issuer = issuer;
        this.registrationEndpoint = registrationEndpoint;
        this.initialAccessToken = initialAccessToken;
        this.label = label;
        this.expiresAt = expiresAt;
        this.scope = scope;
    }

    /** Reads and checks a token file; every problem is a {@link TokenFileException} naming the file. */
    public static TokenFile read(Path file) {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) throw new TokenFileException("token file " + file + " is too large to be a token file");
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (NoSuchFileException e) {
            throw new TokenFileException("token file " + file + " does not exist");
        } catch (CharacterCodingException e) {
            throw new TokenFileException("token file " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new TokenFileException("cannot read token file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** @param source where the text came from, for messages */
    public static TokenFile parse(String text, String source) {
        Map<String, Object> m;
        try {
            m = Json.parseObject(text.startsWith("\uFEFF") ? text.substring(1) : text);
        } catch (Json.JsonException e) {
            throw new TokenFileException("token file " + source + " is not a Gatehouse token file (" + e.getMessage() + ")");
        }
        Object version = m.get("gatehouse_token_file");
        if (version == null) {
            throw new TokenFileException("token file " + source + " is not a Gatehouse token file (no \"gatehouse_token_file\" member)");
        }
        if (!Long.valueOf(VERSION).equals(version)) {
            throw new TokenFileException("token file " + source + " has format version " + version + "; this client reads version " + VERSION);
        }
        String issuer = required(m, "issuer", source);
        String endpoint = required(m, "registration_endpoint", source);
        String token = required(m, "initial_access_token", source);
        URI issuerUri;
        URI endpointUri;
        try {
            issuerUri = Http.checkedUri(issuer, "issuer");
            endpointUri = Http.checkedUri(endpoint, "registration_endpoint");
        } catch (IllegalArgumentException e) {
            throw new TokenFileException("token file " + source + ": " + e.getMessage());
        }
        if (issuerUri.getRawQuery() != null) {
            throw new TokenFileException("token file " + source + ": issuer must not have a query (RFC 8414 §2)");
        }
        if (!Http.origin(issuerUri).equalsIgnoreCase(Http.origin(endpointUri))) {
            throw new TokenFileException("token file " + source + ": registration_endpoint " + Http.origin(endpointUri)
                    + " is not on the issuer's host " + Http.origin(issuerUri));
        }
        if (!IAT.matcher(token).matches()) {
            throw new TokenFileException("token file " + source + ": initial_access_token is not a Gatehouse initial access token (ghi_...)");
        }
        Instant expiresAt = null;
        Object exp = m.get("expires_at");
        if (exp != null) {
            try {
                expiresAt = Instant.parse((String) exp);
            } catch (ClassCastException | DateTimeParseException e) {
                throw new TokenFileException("token file " + source + ": expires_at is not an RFC 3339 UTC time");
            }
        }
        Object label = m.get("label");
        Object scope = m.get("scope");
        TokenFile f = new TokenFile(issuer, endpointUri, token, label instanceof String ? (String) label : null, expiresAt,
                scope instanceof String ? (String) scope : null);
        // Non-secret hints of the token's policy (issue 17): the installer generates a key without being asked.
        f.keyBoundRequired = "required".equals(m.get("key_bound"));
        f.dpopRequired = "required".equals(m.get("dpop"));
        return f;
    }

    private static String required(Map<String, Object> m, String field, String source) {
        Object v = m.get(field);
        if (!(v instanceof String) || ((String) v).isBlank()) {
            throw new TokenFileException("token file " + source + " lacks \"" + field + "\"");
        }
        return (String) v;
    }

    public String issuer() {
        return issuer;
    }

    public URI registrationEndpoint() {
        return registrationEndpoint;
    }

    /** The initial access token: a secret, to be sent only to the registration endpoint. */
    public String initialAccessToken() {
        return initialAccessToken;
    }

    public String label() {
        return label;
    }

    /** When the initial access token expires, or null when the file does not say. */
    public Instant expiresAt() {
        return expiresAt;
    }

    public String scope() {
        return scope;
    }

    /** The file says {@code "key_bound": "required"}: its token admits only key-bound installations ({@code private_key_jwt}). */
    public boolean keyBoundRequired() {
        return keyBoundRequired;
    }

    /** The file says {@code "dpop": "required"}: its token admits only installations with DPoP-bound access tokens. */
    public boolean dpopRequired() {
        return dpopRequired;
    }

    @Override
    public String toString() {
        return "TokenFile[issuer=" + issuer + ", label=" + label + ", expires_at=" + expiresAt + "]";
    }
}
