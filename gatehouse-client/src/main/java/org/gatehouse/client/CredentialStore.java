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
    private static final String LOCK_FILE = ".lock";
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final boolean posix;

    public CredentialStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
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
            checkOwnerOnly(f);
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            throw new NotEnrolledException("not enrolled: no credentials in " + dir);
        } catch (IOException e) {
            throw new CredentialStoreException("cannot read credential store " + f + ": " + e.getMessage(), e);
        }
        try {
            return Credentials.fromJson(Json.parseObject(new String(bytes, StandardCharsets.UTF_8)));
        } catch (Json.JsonException | RuntimeException e) {
            throw new CredentialStoreException("credential store " + f + " is corrupt (" + e.getMessage()
                    + "); it will not be used. Unenrol on the server and enrol again with a token file.");
        }
    }

    /** Atomically replaces the stored credentials. */
    public void save(Credentials c) {
        byte[] content = (Json.pretty(c.toJson()) + "\n").getBytes(StandardCharsets.UTF_8);
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
            throw new CredentialStoreException("cannot write credential store " + file() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temporary file was moved or never created
            }
        }
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

    /** A lock held by one thread of one process at a time: enrolment and rotation run under it. */
    public AutoCloseable lock() {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(dir, d -> new ReentrantLock());
        jvmLock.lock();
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
        if (Files.isDirectory(dir)) return;
        if (posix) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        } else {
            Files.createDirectories(dir);
            ownerOnlyAcl(dir);
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
