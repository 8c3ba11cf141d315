package org.gatehouse.server.accounts;

import org.gatehouse.server.domain.SecurityKeyRecord;

import com.webauthn4j.WebAuthnManager;
import com.webauthn4j.converter.AttestedCredentialDataConverter;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.credential.CredentialRecordImpl;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.AuthenticationParameters;
import com.webauthn4j.data.AuthenticationRequest;
import com.webauthn4j.data.AuthenticatorTransport;
import com.webauthn4j.data.PublicKeyCredentialParameters;
import com.webauthn4j.data.PublicKeyCredentialType;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.RegistrationParameters;
import com.webauthn4j.data.RegistrationRequest;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.client.challenge.DefaultChallenge;
import com.webauthn4j.server.ServerProperty;
import com.webauthn4j.verifier.exception.MaliciousCounterValueException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.audit.Audit;
import org.gatehouse.server.crypto.Secrets;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.store.Database;
import org.gatehouse.server.store.Sql;
import org.gatehouse.server.store.WebAuthnStore;
import org.gatehouse.server.text.Text;

/**
 * WebAuthn security keys and passkeys as a second factor (W3C WebAuthn Level 2/3 with webauthn4j).
 * The relying party id is the issuer's host and the only accepted origin is the issuer's origin.
 * Each ceremony's challenge is 32 random bytes kept server-side with the session, taken (deleted)
 * by the first response whatever its outcome, and valid for {@link #CHALLENGE_TTL}. User
 * verification is preferred, not required (a PIN-less YubiKey still works); user presence is
 * required. A signature counter that does not grow is refused as a possible cloned key and audited.
 * Challenges, client data and signatures are never logged or audited.
 */
public final class SecurityKeys {
    public static final Duration CHALLENGE_TTL = Duration.ofMinutes(5);
    public static final int MAX_KEYS = 10;
    public static final int MAX_LABEL = 60;
    static final String REGISTER = "register";
    static final String AUTHENTICATE = "authenticate";
    private static final int MAX_B64 = 16_000;
    private static final Pattern B64URL = Pattern.compile("[A-Za-z0-9_-]*={0,2}");
    private static final List<PublicKeyCredentialParameters> ALGORITHMS = List.of(
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.ES256),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.EdDSA),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.RS256));
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** What the browser needs to start a ceremony. Byte values are base64url. */
    public record Options(String challenge, String rpId, String userId, String userName, List<String> credentialIds,
                          long timeoutMillis) {
    }

    /** A ceremony's result as the browser posts it (base64url fields; transports space- or comma-separated). */
    public record Response(String credentialId, String clientDataJSON, String attestationObject, String authenticatorData,
                           String signature, String userHandle, String transports) {
    }

    private final Database db;
    private final WebAuthnStore store;
    private final AccountStore accounts;
    private final Audit audit;
    private final Clock clock;
    private final String rpId;
    private final Origin origin;
    private final Throttle perAccount;
    private final Throttle perAddress;
    private final WebAuthnManager manager = WebAuthnManager.createNonStrictWebAuthnManager();
    private final AttestedCredentialDataConverter acdConverter = new AttestedCredentialDataConverter(new ObjectConverter());

    public SecurityKeys(Database db, WebAuthnStore store, AccountStore accounts, Audit audit, Clock clock, String issuer,
                        Throttle perAccount, Throttle perAddress) {
        this.db = db;
        this.store = store;
        this.accounts = accounts;
        this.audit = audit;
        this.clock = clock;
        URI u = URI.create(issuer);
        this.rpId = u.getHost().toLowerCase(Locale.ROOT);
        this.origin = new Origin(u.getScheme() + "://" + u.getRawAuthority());
        this.perAccount = perAccount;
        this.perAddress = perAddress;
    }

    public String rpId() {
        return rpId;
    }

    /** Browsers refuse IP addresses as relying-party ids: keys work only when the issuer has a host name. */
    public boolean browsersAccept() {
        return !rpId.matches("[0-9.]+") && !rpId.contains(":") && !rpId.startsWith("[");
    }

    public List<SecurityKeyRecord> list(String accountId) {
        return db.withHandle(h -> store.ofAccount(h, accountId));
    }

    public boolean has(String accountId) {
        return db.withHandle(h -> store.countOf(h, accountId)) > 0;
    }

    // --- registration (WebAuthn §7.1)

    /** Starts adding a key for a signed-in account: a new challenge replaces any earlier one of this session. */
    public Options registrationOptions(Sessions.Current s) {
        AccountRecord a = s.account();
        String challenge = newChallenge(s, REGISTER);
        List<String> exclude = list(a.id()).stream().map(SecurityKeyRecord::credentialId).toList();
        return new Options(challenge, rpId, B64.encodeToString(userHandle(a).getBytes(StandardCharsets.US_ASCII)), a.email(), exclude, CHALLENGE_TTL.toMillis());
    }

    /** Verifies an attestation and stores the new credential. Throws {@link InvalidInput} (fields {@code label}, {@code key}) with a plain message. */
    public SecurityKeyRecord register(Sessions.Current s, String label, Response r, String remoteAddr) {
        AccountRecord a = s.account();
        String name = label(label);
        Optional<String> challenge = take(s, REGISTER);
        if (challenge.isEmpty()) throw InvalidInput.of("key", "The request to add a key expired. Please try again.");
        RegistrationData data;
        try {
            Set<String> transports = transports(r.transports());
            RegistrationRequest req = new RegistrationRequest(bytes(r.attestationObject()), bytes(r.clientDataJSON()), null, transports);
            RegistrationParameters params = new RegistrationParameters(server(challenge.get()), ALGORITHMS, false, true);
            data = manager.verify(req, params);
        } catch (RuntimeException e) { // webauthn4j's verification and conversion errors, Jackson's parse errors, bad base64
            throw InvalidInput.of("key", "The security key's answer could not be verified. Please try again.");
        }
        AttestedCredentialData acd = data.getAttestationObject().getAuthenticatorData().getAttestedCredentialData();
        byte[] credentialId = acd.getCredentialId();
        byte[] encoded = acdConverter.convert(acd);
        byte[] cose = Arrays.copyOfRange(encoded, 18 + credentialId.length, encoded.length);
        long now = clock.millis();
        String transports = data.getTransports() == null ? null
                : String.join(" ", data.getTransports().stream().map(AuthenticatorTransport::getValue).sorted().toList());
        SecurityKeyRecord c = new SecurityKeyRecord("wak_" + Secrets.randomId(9), a.id(), B64.encodeToString(credentialId),
                B64.encodeToString(cose), acd.getAaguid().getValue().toString(),
                data.getAttestationObject().getAuthenticatorData().getSignCount(), transports, name, now, null);
        try {
            return db.inTransaction(h -> {
                if (store.countOf(h, a.id()) >= MAX_KEYS) throw InvalidInput.of("key", "An account can have at most " + MAX_KEYS + " keys.");
                if (store.exists(h, c.credentialId())) throw InvalidInput.of("key", "This security key is already registered.");
                store.insert(h, c);
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("label", name);
                d.put("aaguid", c.aaguid());
                d.put("user_verified", data.getAttestationObject().getAuthenticatorData().isFlagUV());
                audit.record(h, now, AccountService.actor(a, remoteAddr), "account.security_key_add", c.id(), d);
                return c;
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) throw InvalidInput.of("key", "This security key is already registered.");
            throw e;
        }
    }

    /** Removes one of the account's own keys. TOTP and recovery codes remain, so the account keeps a second factor. */
    public boolean remove(AccountRecord a, String keyId, String remoteAddr) {
        long now = clock.millis();
        return db.inTransaction(h -> {
            Optional<SecurityKeyRecord> c = store.ofAccount(h, a.id()).stream().filter(k -> k.id().equals(keyId)).findFirst();
            if (c.isEmpty() || !store.delete(h, a.id(), keyId)) return false;
            audit.record(h, now, AccountService.actor(a, remoteAddr), "account.security_key_remove", keyId, Map.of("label", c.get().label()));
            return true;
        });
    }

    // --- authentication (WebAuthn §7.2)

    /** Starts a sign-in with a key for a session that passed the password step. */
    public Options authenticationOptions(Sessions.Current s) {
        AccountRecord a = s.account();
        String challenge = newChallenge(s, AUTHENTICATE);
        List<String> allow = list(a.id()).stream().map(SecurityKeyRecord::credentialId).toList();
        return new Options(challenge, rpId, B64.encodeToString(userHandle(a).getBytes(StandardCharsets.US_ASCII)), a.email(), allow, CHALLENGE_TTL.toMillis());
    }

    /** The second-factor step with a security key; throttled and audited like a TOTP code. */
    public AccountService.Attempt authenticate(Sessions.Current s, Response r, String remoteAddr) {
        AccountRecord account = s.account();
        String key = "email:" + account.email();
        long wait = Math.max(perAccount.retryAfter(key), perAddress.retryAfter(remoteAddr));
        if (wait > 0) return new AccountService.Attempt(AccountService.Outcome.THROTTLED, null, wait);
        Optional<String> challenge = take(s, AUTHENTICATE);
        boolean ok = challenge.isPresent() && verifyAssertion(account, challenge.get(), r, remoteAddr);
        if (!ok) {
            perAccount.failure(key);
            perAddress.failure(remoteAddr);
            return new AccountService.Attempt(AccountService.Outcome.FAILED, null, 0);
        }
        perAccount.clear(key);
        return new AccountService.Attempt(AccountService.Outcome.OK, account, 0);
    }

    private boolean verifyAssertion(AccountRecord account, String challenge, Response r, String remoteAddr) {
        long now = clock.millis();
        byte[] credentialId;
        byte[] userHandle;
        try {
            credentialId = bytes(r.credentialId());
            userHandle = r.userHandle() == null || r.userHandle().isEmpty() ? null : bytes(r.userHandle());
        } catch (IllegalArgumentException e) {
            return false;
        }
        String cid = B64.encodeToString(credentialId);
        Optional<SecurityKeyRecord> found = db.withHandle(h -> store.find(h, account.id(), cid));
        if (found.isEmpty()) return false; // unknown, or another account's credential
        SecurityKeyRecord c = found.get();
        if (userHandle != null && !MessageDigest.isEqual(userHandle, userHandle(account).getBytes(StandardCharsets.US_ASCII))) return false;
        AuthenticationData data;
        try {
            AuthenticationRequest req = new AuthenticationRequest(credentialId, userHandle, bytes(r.authenticatorData()),
                    bytes(r.clientDataJSON()), null, bytes(r.signature()));
            AuthenticationParameters params = new AuthenticationParameters(server(challenge), record(c), List.of(credentialId), false, true);
            data = manager.verify(req, params);
        } catch (MaliciousCounterValueException e) {
            // A valid signature with a counter that did not grow: possibly a cloned key (WebAuthn §6.1.1).
            cloneSuspected(account, c, remoteAddr, now);
            return false;
        } catch (RuntimeException e) { // webauthn4j's verification and conversion errors, Jackson's parse errors, bad base64
            return false;
        }
        long count = data.getAuthenticatorData().getSignCount();
        SecurityKeyRecord used = c;
        return db.inTransaction(h -> {
            AccountRecord a = accounts.findAccount(h, account.id()).orElse(null);
            if (a == null || !a.active()) return false;
            if (!store.used(h, used.id(), count, now)) { // a concurrent use got there first with a count at least as high
                cloneRecord(h, a, used, remoteAddr, now);
                return false;
            }
            accounts.signedIn(h, a.id(), now);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("second_factor", "security_key");
            d.put("key", used.id());
            d.put("user_verified", data.getAuthenticatorData().isFlagUV());
            audit.record(h, now, AccountService.actor(a, remoteAddr), "account.sign_in", a.id(), d);
            return true;
        });
    }

    private void cloneSuspected(AccountRecord a, SecurityKeyRecord c, String remoteAddr, long now) {
        db.inTransaction(h -> {
            cloneRecord(h, a, c, remoteAddr, now);
            return null;
        });
    }

    private void cloneRecord(org.jdbi.v3.core.Handle h, AccountRecord a, SecurityKeyRecord c, String remoteAddr, long now) {
        audit.record(h, now, AccountService.actor(a, remoteAddr), "account.security_key_clone_suspected", c.id(),
                Map.of("label", c.label(), "stored_count", c.signCount()));
    }

    // --- helpers

    private CredentialRecordImpl record(SecurityKeyRecord c) {
        byte[] id = bytes(c.credentialId());
        byte[] cose = bytes(c.publicKeyCose());
        byte[] aaguid = new AAGUID(c.aaguid()).getBytes();
        byte[] encoded = new byte[18 + id.length + cose.length];
        System.arraycopy(aaguid, 0, encoded, 0, 16);
        encoded[16] = (byte) (id.length >> 8);
        encoded[17] = (byte) id.length;
        System.arraycopy(id, 0, encoded, 18, id.length);
        System.arraycopy(cose, 0, encoded, 18 + id.length, cose.length);
        AttestedCredentialData acd = acdConverter.convert(encoded);
        return new CredentialRecordImpl(new NoneAttestationStatement(), null, null, null, c.signCount(), acd, null, null, null,
                transports(c.transports()).stream().map(AuthenticatorTransport::create).collect(java.util.stream.Collectors.toSet()));
    }

    private ServerProperty server(String challenge) {
        return new ServerProperty(origin, rpId, new DefaultChallenge(Base64.getUrlDecoder().decode(challenge)));
    }

    private String newChallenge(Sessions.Current s, String purpose) {
        String challenge = Secrets.randomId(32);
        long expires = clock.millis() + CHALLENGE_TTL.toMillis();
        db.inTransaction(h -> {
            store.putChallenge(h, s.row().idHash(), purpose, challenge, expires);
            return null;
        });
        return challenge;
    }

    private Optional<String> take(Sessions.Current s, String purpose) {
        long now = clock.millis();
        return db.inTransaction(h -> store.takeChallenge(h, s.row().idHash(), purpose, now));
    }

    /** The WebAuthn user handle: the opaque account id (no e-mail address, WebAuthn §14.6.1). */
    static String userHandle(AccountRecord a) {
        return a.id();
    }

    static String label(String label) {
        String l = label == null ? "" : label.strip();
        if (l.isEmpty() || l.length() > MAX_LABEL || !Text.isPlain(l)) {
            throw InvalidInput.of("label", "Give the key a name of 1 to " + MAX_LABEL + " characters, such as \"YubiKey on my key ring\".");
        }
        return l;
    }

    private static Set<String> transports(String s) {
        Set<String> out = new LinkedHashSet<>();
        if (s == null) return out;
        for (String t : s.split("[ ,]+")) {
            if (t.matches("[a-z-]{1,20}") && out.size() < 8) out.add(t);
        }
        return out;
    }

    private static byte[] bytes(String b64url) {
        if (b64url == null || b64url.length() > MAX_B64 || !B64URL.matcher(b64url).matches()) {
            throw new IllegalArgumentException("not base64url");
        }
        return Base64.getUrlDecoder().decode(b64url.replace("=", ""));
    }
}
