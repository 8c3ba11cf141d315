package org.gatehouse.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.gatehouse.server.config.ConfigException;

/**
 * One {@code serve} per embedded database: an OS file lock on {@code <data dir>/gatehouse.serve.lock}, held while
 * the server runs (released by the OS when the process ends, even by kill -9). H2's AUTO_SERVER would let a second
 * server process open the same file through the first; with this lock taken, the process that holds it knows it is
 * the only one accepting JWTs against that database, which is what lets {@code tokens/Replays} keep used JWT ids in
 * memory. The CLI does not take it: it works beside a running server as before.
 */
public final class ServeLock implements AutoCloseable {
    public static final String FILE = "gatehouse.serve.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private ServeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock or refuses to start: another server (this process or another) uses this data directory's database. */
    public static ServeLock take(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l != null) return new ServeLock(ch, l);
        } catch (OverlappingFileLockException e) {
            // held by another server in this JVM
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ConfigException("cannot lock " + file + " (one server per embedded database): " + e.getMessage());
        }
        closeQuietly(ch);
        throw new ConfigException("another Gatehouse server uses the embedded database in " + dataDir
                + " (it holds " + FILE + "): run one server per embedded database, or several nodes on PostgreSQL (GATEHOUSE_DB_URL)");
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing held
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }
}
