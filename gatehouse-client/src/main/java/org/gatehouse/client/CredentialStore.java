package org.gatehouse.client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The credentials of one installation in a directory: {@code credentials.json}, readable and
 * writable by its owner only (POSIX 0600 in a 0700 directory; on Windows an ACL granting the owner
 * alone). Every write goes to a temporary file in the same directory that is then atomically moved
 * over the old one, so a crash leaves either the old or the new credentials, never half of them.
 * A file others could read, or that is corrupt, is refused: there is never a fallback credential.
 */
public final class CredentialStore {
    public static final String FILE = "credentials.json";
    /** Written and fsynced before a rotation asks the server, then holds the rotated credentials until they are in {@link #FILE}. */
    static final String PENDING_FILE = "credentials.pending.json";
    /** Room kept in the pending file beyond the current credentials, so that the new ones fit without allocating (RFC 7592 secrets vary in length). */
    private static final int PENDING_SLACK = 1024;
    private static final String ROTATION_STATE = "rotation_state";
    private static final String REQUESTED = "requested";
    private static final String ROTATED = "rotated";
    private static final String LOCK_FILE = ".lock";
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final Set<PosixFilePermission> DIR_TOO_OPEN = EnumSet.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final boolean posix;

    public CredentialStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * The per-user default store directory of this OS, the one gatehouse-enrol uses without
     * {@code --store}: {@code %LOCALAPPDATA%\Gatehouse} on Windows, {@code ~/Library/Application
     * Support/Gatehouse} on macOS, {@code $XDG_CONFIG_HOME/gatehouse} (else {@code ~/.config/gatehouse})
     * elsewhere. Installers running as root or SYSTEM should choose a system directory instead.
     */
    public static Path defaultDirectory() {
        return defaultDirectory(System.getenv());
    }

    /** {@link #defaultDirectory()} with the given environment variables instead of the process's. */
    public static Path defaultDirectory(Map<String, String> env) {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String home = System.getProperty("user.home");
        if (os.startsWith("windows")) {
            String local = env.get("LOCALAPPDATA");
            return Path.of(local != null ? local : home, "Gatehouse");
        }
        if (os.startsWith("mac")) return Path.of(home, "Library", "Application Support", "Gatehouse");
        String xdg = env.get("XDG_CONFIG_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg, "gatehouse") : Path.of(home, ".config", "gatehouse");
    }

    public Path dir() {
        return dir;
    }

    public Path file() {
        return dir.resolve(FILE);
    }

    public boolean exists() {
        return Files.exists(file());
    }

    /** The stored credentials; {@link NotEnrolledException} when there are none. */
    public Credentials load() {
        Path f = file();
        byte[] bytes;
        try {
            if (Files.isDirectory(dir)) checkDir();
            checkOwnerOnly(f);
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            throw new NotEnrolledException("not enrolled: no credentials in " + dir);
        } catch (IOException e) {
            throw new CredentialStoreException("cannot read credential store " + f + ": " + describe(e), e);
        }
        try {
            return Credentials.fromJson(Json.parseObject(new String(bytes, StandardCharsets.UTF_8)));
        } catch (Json.JsonException | RuntimeException e) {
            throw new CredentialStoreException("credential store " + f + " is corrupt (" + e.getMessage()
                    + "); it will not be used. Unenrol on the server and enrol again with a token file.");
        }
    }

    /** Atomically replaces the stored credentials. */
    void save(Credentials c) {
        byte[] content = content(c);
        Path tmp = dir.resolve("." + FILE + "." + HexFormat.of().formatHex(randomBytes()) + ".tmp");
        try {
            createDir();
            createOwnerOnly(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) ch.write(b);
                ch.force(true); // the bytes are on disk before the rename makes them the credentials
            }
            try {
                Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new CredentialStoreException("the file system of " + dir + " cannot replace files atomically");
            }
            syncDir();
        } catch (IOException e) {
            throw new CredentialStoreException("cannot write credential store " + file() + ": " + describe(e), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temporary file was moved or never created
            }
        }
    }

    private static byte[] content(Credentials c) {
        return (Json.pretty(c.toJson()) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A rotation in progress. {@link #beginRotation} writes the current credentials, with room to
     * spare, to {@link #PENDING_FILE} and fsyncs it <em>before</em> the server is asked: a disk that
     * cannot hold the new credentials stops the rotation while the server still has the old ones.
     * {@link #complete} overwrites that file in place (its blocks are already allocated, so a disk
     * that filled up meanwhile does not matter) and renames it over {@link #FILE}; when the rename
     * fails the rotated credentials stay in the pending file, and {@link #recoverPending} moves them
     * into place on the next start. Call under {@link #lock()}.
     */
    final class PendingRotation {
        private final int size;

        private PendingRotation(int size) {
            this.size = size;
        }

        /**
         * Stores the rotated credentials. If the pending file can be written but not renamed, the
         * exception says so and the file keeps them for {@link #recoverPending}.
         */
        void complete(Credentials rotated) {
            Path p = pendingFile();
            try {
                writeInPlace(p, pendingContent(ROTATED, rotated, size));
            } catch (IOException e) {
                throw new CredentialStoreException("the server rotated the credentials of client " + rotated.clientId()
                        + " but they cannot be written to " + p + ": " + describe(e), e);
            }
            try {
                Files.move(p, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                syncDir();
            } catch (IOException e) {
                throw new CredentialStoreException("the rotated credentials of client " + rotated.clientId() + " are kept in " + p
                        + " but cannot replace " + file() + " (" + describe(e) + "); they are moved into place on the next start", e);
            }
        }

        /** The server was not asked, or refused: nothing changed there, so nothing is pending. */
        void abandon() {
            abandonPending();
        }
    }

    /** Drops the pending file once nothing in it is needed any more. */
    void abandonPending() {
        try {
            Files.deleteIfExists(pendingFile());
        } catch (IOException ignored) {
            // recoverPending handles a leftover file on the next start
        }
    }

    /** Reserves room for the rotated credentials before the server is asked to rotate (see {@link PendingRotation}). */
    PendingRotation beginRotation(Credentials current) {
        Path p = pendingFile();
        byte[] body = pendingContent(REQUESTED, current, 0);
        int size = body.length + PENDING_SLACK;
        if (!pendingReplaceable(p)) {
            throw new CredentialStoreException("not rotating: " + p + " holds the credentials of an earlier rotation that are not in "
                    + file() + " yet; the server was not asked. They are moved into place once the store can be written again");
        }
        try {
            Files.deleteIfExists(p);
            createOwnerOnly(p);
            writeInPlace(p, pendingContent(REQUESTED, current, size));
            syncDir();
            return new PendingRotation(size);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // nothing usable was written
            }
            throw new CredentialStoreException("not rotating: the new credentials could not be stored in " + dir + " ("
                    + describe(e) + "); the server was not asked and the current credentials stay valid", e);
        }
    }

    /**
     * Whether a new rotation may replace the pending file: there is none, or it is one whose
     * server answer never arrived. One holding rotated credentials (or one that cannot be read, so
     * might) can be the only copy of the credentials the server now has: it is never overwritten.
     */
    private boolean pendingReplaceable(Path p) {
        try {
            return REQUESTED.equals(Json.parseObject(new String(Files.readAllBytes(p), StandardCharsets.UTF_8).strip()).get(ROTATION_STATE));
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException | Json.JsonException | RuntimeException e) {
            return false;
        }
    }

    /** True when a rotation was interrupted after its pending file was written. */
    boolean hasPending() {
        return Files.exists(pendingFile());
    }

    /**
     * After a crash or a failed final rename: rotated credentials in the pending file replace the
     * stored ones; a rotation that never got the server's answer leaves the stored ones as they are.
     * Call under {@link #lock()}. Returns true when credentials were recovered.
     */
    boolean recoverPending() {
        Path p = pendingFile();
        Map<String, Object> m;
        try {
            checkOwnerOnly(p);
            m = Json.parseObject(new String(Files.readAllBytes(p), StandardCharsets.UTF_8).strip());
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new CredentialStoreException("cannot read " + p + ": " + describe(e), e);
        } catch (Json.JsonException | RuntimeException e) {
            return setAside(p, e.getMessage());
        }
        boolean rotated = ROTATED.equals(m.get(ROTATION_STATE));
        if (rotated) {
            try {
                Credentials.fromJson(m); // only valid credentials replace the stored ones
            } catch (RuntimeException e) {
                return setAside(p, e.getMessage());
            }
        }
        try {
            if (rotated) {
                Files.move(p, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(p);
            }
            syncDir();
            return rotated;
        } catch (IOException e) {
            throw new CredentialStoreException("cannot move the rotated credentials in " + p + " to " + file() + ": " + describe(e), e);
        }
    }

    /**
     * A pending file that is cut short (a crash while it was written) cannot say whether the server
     * rotated: it is kept aside for inspection, never deleted, and the stored credentials are used.
     */
    private boolean setAside(Path p, String why) {
        Path aside = dir.resolve(PENDING_FILE + ".corrupt");
        try {
            Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDir();
        } catch (IOException e) {
            throw new CredentialStoreException("cannot set aside the unreadable " + p + ": " + describe(e), e);
        }
        Events.LOG.log(System.Logger.Level.WARNING, "{0} (an interrupted secret rotation) is unreadable ({1}); kept as {2},"
                + " the stored credentials are used", p, why, aside);
        return false;
    }

    private Path pendingFile() {
        return dir.resolve(PENDING_FILE);
    }

    /**
     * A credentials file (so that the rename makes it one) with the rotation's state as an extra
     * member, padded with spaces to {@code size} bytes (when larger).
     */
    private static byte[] pendingContent(String state, Credentials c, int size) {
        Map<String, Object> m = c.toJson();
        m.put(ROTATION_STATE, state);
        byte[] json = (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8);
        if (json.length >= size) return json;
        byte[] padded = new byte[size];
        java.util.Arrays.fill(padded, (byte) ' ');
        System.arraycopy(json, 0, padded, 0, json.length);
        return padded;
    }

    /** Writes from offset 0 of an existing file and fsyncs: within its current size no block is allocated. */
    private static void writeInPlace(Path f, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) ch.write(b, b.position());
            ch.truncate(content.length);
            ch.force(true);
        }
    }

    /** An I/O failure as people read it: "permission denied" and "no space left" said in words. */
    static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Removes the stored credentials (after the registration was deleted). */
    public void delete() {
        try {
            Files.deleteIfExists(file());
            syncDir();
        } catch (IOException e) {
            throw new CredentialStoreException("cannot delete credential store " + file() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A lock held by one thread of one process at a time: enrolment and rotation run under it. The
     * wait for it is interruptible (CredentialStoreException, with the interrupt flag kept).
     */
    AutoCloseable lock() {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(dir, d -> new ReentrantLock());
        try {
            jvmLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CredentialStoreException("interrupted while waiting for the lock of credential store " + dir, e);
        }
        if (jvmLock.getHoldCount() > 1) return jvmLock::unlock; // re-entered: the file lock is already ours
        try {
            createDir();
            Path lockFile = dir.resolve(LOCK_FILE);
            if (!Files.exists(lockFile)) {
                try {
                    createOwnerOnly(lockFile);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another process created it first
                }
            }
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
            FileLock fl = ch.lock();
            return () -> {
                try {
                    fl.release();
                    ch.close();
                } finally {
                    jvmLock.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            jvmLock.unlock();
            throw new CredentialStoreException("cannot lock credential store " + dir + ": " + e.getMessage(), e);
        }
    }

    private void createDir() throws IOException {
        if (Files.isDirectory(dir)) {
            checkDir();
            return;
        }
        if (posix) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        } else {
            Files.createDirectories(dir);
            ownerOnlyAcl(dir);
        }
    }

    /**
     * A store directory others can write to lets them swap the credentials, and one everybody can
     * list shows who is enrolled: such a directory is narrowed (group write and all access of
     * others removed; group read stays for shared system stores), or refused when that is not allowed.
     */
    private void checkDir() {
        if (!posix) return;
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            Set<PosixFilePermission> narrowed = EnumSet.noneOf(PosixFilePermission.class);
            narrowed.addAll(perms);
            narrowed.removeAll(DIR_TOO_OPEN);
            if (narrowed.equals(perms)) return;
            try {
                Files.setPosixFilePermissions(dir, narrowed);
            } catch (IOException e) {
                throw new CredentialStoreException("credential store directory " + dir + " is accessible by other users ("
                        + PosixFilePermissions.toString(perms) + ") and cannot be narrowed (" + describe(e)
                        + "); it must be rwx------ (chmod 700), and it will not be used", e);
            }
        } catch (IOException e) {
            throw new CredentialStoreException("cannot read the permissions of " + dir + ": " + describe(e), e);
        }
    }

    /** Creates an empty file that only its owner can read, before any secret is written into it. */
    private void createOwnerOnly(Path f) throws IOException {
        if (posix) {
            Files.createFile(f, PosixFilePermissions.asFileAttribute(OWNER_FILE));
            Files.setPosixFilePermissions(f, OWNER_FILE); // not narrowed by an unusual umask, but never widened either
        } else {
            Files.createFile(f);
            ownerOnlyAcl(f);
        }
    }

    /** Windows: replace the inherited ACL with one entry granting the file's owner full control. */
    private static void ownerOnlyAcl(Path f) throws IOException {
        AclFileAttributeView view = Files.getFileAttributeView(f, AclFileAttributeView.class);
        if (view == null) {
            throw new IOException("the file system supports neither POSIX permissions nor ACLs: cannot protect " + f);
        }
        UserPrincipal owner = view.getOwner();
        AclEntry entry = AclEntry.newBuilder()
                .setType(AclEntryType.ALLOW)
                .setPrincipal(owner)
                .setPermissions(EnumSet.allOf(AclEntryPermission.class))
                .build();
        view.setAcl(List.of(entry));
    }

    /** Refuses credentials that other users can read or change (the way ssh refuses a private key). */
    private void checkOwnerOnly(Path f) throws IOException {
        if (posix) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
            if (perms.stream().anyMatch(OTHERS::contains)) {
                throw new CredentialStoreException("credential store " + f + " is accessible by other users ("
                        + PosixFilePermissions.toString(perms) + "); it must be rw------- (chmod 600), and it will not be used");
            }
            return;
        }
        AclFileAttributeView view = Files.getFileAttributeView(f, AclFileAttributeView.class);
        if (view == null) return;
        UserPrincipal owner = view.getOwner();
        for (AclEntry e : view.getAcl()) {
            if (e.type() == AclEntryType.ALLOW && !e.principal().equals(owner)) {
                throw new CredentialStoreException("credential store " + f + " grants access to " + e.principal().getName()
                        + "; only its owner may have access, and it will not be used");
            }
        }
    }

    private void syncDir() {
        if (!posix) return;
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true); // make the rename itself durable
        } catch (IOException ignored) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }
}
