package org.gatehouse.server.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.gatehouse.server.config.ConfigException;

/**
 * The server's root secret (32 bytes). It comes from GATEHOUSE_MASTER_KEY or from
 * {@code <data dir>/master.key}, created owner-only on first start. Everything else is derived:
 * the pepper for secret hashes, the key that encrypts signing keys at rest, the embedded
 * database's password.
 */
public final class MasterKey {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] key;

    private MasterKey(byte[] key) {
        this.key = key;
    }

    public static MasterKey load(String fromConfig, Path dataDir) {
        if (!fromConfig.isEmpty()) {
            return new MasterKey(decode(fromConfig, "GATEHOUSE_MASTER_KEY"));
        }
        Path file = file(dataDir);
        try {
            createPrivateDirectory(dataDir);
            if (!Files.exists(file)) {
                create(file);
            }
            return new MasterKey(decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString()));
        } catch (IOException e) {
            throw new ConfigException("cannot read or create the master key " + file + ": " + e.getMessage());
        }
    }

    /** A fresh random key in the text form GATEHOUSE_MASTER_KEY takes. */
    public static String generateText() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(k);
    }

    /** The data directory holds the database and this key: owner-only from the start. */
    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    private static void create(Path file) throws IOException {
        byte[] text = (generateText() + "\n").getBytes(StandardCharsets.US_ASCII);
        Path tmp = file.resolveSibling("master.key." + Secrets.randomId(6) + ".tmp");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(tmp);
        }
        Files.write(tmp, text, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        try {
            // A link is atomic and fails if another process created the key first: both then use the same key.
            Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException e) {
            // someone else won the race; use theirs
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static byte[] decode(String text, String source) {
        try {
            byte[] k = Base64.getUrlDecoder().decode(text.trim());
            if (k.length != 32) throw new IllegalArgumentException();
            return k;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("invalid master key in " + source + ": must be 32 bytes, base64url (generate one with: gatehouse keys master-key)");
        }
    }

    /** A sub-key for one purpose: HMAC-SHA-256(master, label). */
    /** What the database stores (setting master_key.check) to tell whether it was created with this key. */
    public String checkValue() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(derive("gatehouse master key check v1"));
    }

    /** The key file used when GATEHOUSE_MASTER_KEY is not set. */
    public static Path file(Path dataDir) {
        return dataDir.resolve("master.key");
    }

    public byte[] derive(String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** AES-256-GCM under a derived key; the associated data binds the ciphertext to its row. */
    public String encrypt(byte[] plaintext, String associatedData) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = cipher(Cipher.ENCRYPT_MODE, nonce, associatedData);
            byte[] ct = c.doFinal(plaintext);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    ByteBuffer.allocate(12 + ct.length).put(nonce).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] decrypt(String encoded, String associatedData) {
        try {
            byte[] all = Base64.getUrlDecoder().decode(encoded);
            Cipher c = cipher(Cipher.DECRYPT_MODE, Arrays.copyOf(all, 12), associatedData);
            return c.doFinal(all, 12, all.length - 12);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException("cannot decrypt a signing key: the master key does not match this database");
        }
    }

    private Cipher cipher(int mode, byte[] nonce, String aad) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(derive("gatehouse signing-key encryption v1"), "AES"), new GCMParameterSpec(128, nonce));
        c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
        return c;
    }
}
