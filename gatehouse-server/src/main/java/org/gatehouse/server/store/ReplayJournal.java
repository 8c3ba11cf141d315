package org.gatehouse.server.store;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.gatehouse.server.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One use of a JWT id (RFC 7523 §3 item 7, RFC 9449 §11.1) on the embedded database's one server, without a database
 * commit: the ids in memory, each first use appended to a journal file before it is answered, so that a kill -9 or a
 * restart forgets none (the promise of the embedded database's WRITE_DELAY=0: what was answered has reached the
 * operating system; {@link #sync} forces the file to the disk as H2 does its own, once a second). {@link #lock} is
 * taken before the database is opened: a second server on the same data directory is refused before it touches it
 * (several nodes need PostgreSQL, whose {@code used_jtis} every node shares).
 *
 * <p>Why not the {@code used_jtis} table here too: on H2 every commit copies the B-tree pages it touches and writes
 * them as a new chunk (≈ 23 KB per commit, profiled), and its housekeeping compacts the copies later; the replay writer,
 * that housekeeping and the garbage collector were 43 % of a {@code private_key_jwt} grant's CPU (issue 17 Must 8).
 *
 * <p>An id is kept as a 64-bit fingerprint of its SHA-256 (the caller's digest of kind, scope and jti): two different
 * ids share one with probability about n²/2⁶⁵ (n = 10⁶: 3·10⁻⁸), and a shared fingerprint only refuses a fresh JWT as a
 * replay (its client makes another), never accepts a replay. Ids live in two generations: new ones go to the current
 * one, a check looks in both, and the older generation (its table and its files) is dropped only when every id in it
 * is {@link #MARGIN_MILLIS} past the time its JWT is refused anyway ({@code until}) and the current one has taken ids
 * for {@link #GENERATION_MILLIS} or is full. Memory is bounded by the heap ({@link #slotsFor}); when the current
 * generation is full and the older one cannot go yet, a new id is not refused: it is answered {@link Use#ELSEWHERE},
 * and the caller records it in {@code used_jtis} — as every id is until the last of those has expired — so that
 * filling the memory costs the filler commits, not anyone an answer.
 */
public final class ReplayJournal implements AutoCloseable {
    /**
     * How long a generation takes new ids at least. An id is kept until its {@code until}: at most 420 s after its use
     * (a client assertion's exp may be 360 s ahead and is accepted 60 s past it; a DPoP proof's iat window is 60 s).
     */
    public static final long GENERATION_MILLIS = 450_000;
    /** The longest time ahead an id's {@code until} may be (a programming error beyond it). */
    public static final long MAX_AHEAD_MILLIS = GENERATION_MILLIS;
    /** How long past its {@code until} an id is still kept: a clock stepped back by this much refuses no replay less. */
    public static final long MARGIN_MILLIS = 60_000;
    private static final int FIRST_SLOTS = 1 << 12;
    private static final int RECORD = 16; // fingerprint (8) + until in epoch ms (8), big-endian
    private static final String SUFFIX = ".journal";

    /** What a check found. */
    public enum Use {
        /** The first use: recorded. */
        FIRST,
        /** Used before: a replay. */
        REPLAY,
        /** Not seen here, and the memory is full: record it in {@code used_jtis} (whose primary key decides). */
        ELSEWHERE
    }

    /**
     * The journal cannot be written: the caller answers 503 (nothing was recorded). With an {@link IOException} as its
     * cause the journal's file failed (a full disk, EIO), and the journal has logged that, once per burst of failures:
     * the caller need not log it again per request.
     */
    public static final class Busy extends RuntimeException {
        Busy(String why, Throwable cause) {
            super(why, cause);
        }

        /** Whether the file failed (logged here); otherwise the server is stopping. */
        public boolean fileFailed() {
            return getCause() instanceof IOException && !(getCause() instanceof ClosedChannelException);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ReplayJournal.class);

    /** The data directory's lock: one server on the embedded database. Held until {@link #close}. */
    public static final class Lock implements AutoCloseable {
        private final Path dir;
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(Path dir, FileChannel channel, FileLock lock) {
            this.dir = dir;
            this.channel = channel;
            this.lock = lock;
        }

        /** The journal's directory. */
        public Path dir() {
            return dir;
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

    /**
     * Takes the lock of the journal in {@code dir} (made owner-only if missing); call before opening the database.
     *
     * @throws ConfigException when another server holds it (a second server on one embedded database)
     */
    public static Lock lock(Path dir) {
        FileChannel channel = null;
        try {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createDirectories(dir);
            }
            channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = channel.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                l = null;
            }
            if (l == null) {
                throw new ConfigException("another Gatehouse server is using the embedded database in " + dir.getParent()
                        + "; several nodes need PostgreSQL (GATEHOUSE_DB_URL), see docs/operations.md");
            }
            return new Lock(dir, channel, l);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new ConfigException("cannot lock the replay journal in " + dir + " (the data directory must be on a file system"
                    + " with file locks): " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Slots a generation may grow to: a sixteenth of the heap (8 bytes a slot, at most 0.75 full), from 2¹² to 2²¹. */
    static int slotsFor(long maxHeapBytes) {
        long slots = Long.highestOneBit(Math.max(1, maxHeapBytes / 16 / 8));
        return (int) Math.max(FIRST_SLOTS, Math.min(1 << 21, slots));
    }

    private final Lock lock;
    private final LongSupplier clock;
    private final int maxSlots;
    private final ByteBuffer record = ByteBuffer.allocateDirect(RECORD);
    private Generation current;
    private Generation previous;
    /** While the clock is before this, new ids go to {@code used_jtis}: some id recorded there may still be replayed. */
    private long elsewhereUntil;
    private boolean closed;
    private long appends;
    private long elsewhere;
    /** Whether the last append failed: a failure is logged when it starts a burst, the recovery once (under this). */
    private boolean appendFailing;
    /** Likewise for {@link #sync} (the jobs thread's). */
    private volatile boolean syncFailing;
    /** For tests: what the file's writes fail with instead of writing (null: nothing), see {@link #failWrites}. */
    private volatile IOException failWrites;
    private volatile boolean failHalfway;

    /** The fingerprints of one generation and the files they were appended to. */
    private static final class Generation {
        final long startedAt;
        final List<Path> files = new ArrayList<>();
        FileChannel out; // null for the generation loaded at start (its files are only read)
        Path file; // the file out writes to, or the one last tried
        long length; // bytes of whole records in out's file (created empty): where a failed write is cut back to
        long[] slots; // 0: empty (a fingerprint of 0 is kept as 1)
        int size;
        long maxUntil;

        Generation(long startedAt) {
            this.startedAt = startedAt;
            this.slots = new long[FIRST_SLOTS];
        }

        boolean contains(long fp) {
            int mask = slots.length - 1;
            for (int i = slot(fp, mask); slots[i] != 0; i = (i + 1) & mask) {
                if (slots[i] == fp) return true;
            }
            return false;
        }

        boolean hasRoom(int maxSlots) {
            return (size + 1) * 4L <= slots.length * 3L || slots.length < maxSlots;
        }

        /** Adds a fingerprint known to be absent (the caller checked {@link #hasRoom} where it must). */
        void add(long fp, long until) {
            if ((size + 1) * 4L > slots.length * 3L) grow();
            put(fp);
            size++;
            maxUntil = Math.max(maxUntil, until);
        }

        private void put(long fp) {
            int mask = slots.length - 1;
            int i = slot(fp, mask);
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = fp;
        }

        private void grow() {
            long[] old = slots;
            slots = new long[old.length * 2];
            for (long fp : old) {
                if (fp != 0) put(fp);
            }
        }

        private static int slot(long fp, int mask) {
            return (int) (fp ^ (fp >>> 32)) & mask; // the fingerprint is a digest's bytes: its bits are already uniform
        }

        void closeFile() {
            closeQuietly(out);
            out = null;
        }
    }

    /**
     * Opens the journal under {@code lock} and loads every id of its files that may still be replayed; files with none
     * are deleted. The journal owns the lock from here on (closing it releases the lock, also when this throws).
     */
    public static ReplayJournal open(Lock lock, LongSupplier clock) {
        return new ReplayJournal(lock, clock, slotsFor(Runtime.getRuntime().maxMemory()));
    }

    ReplayJournal(Lock lock, LongSupplier clock, int maxSlots) {
        this.lock = lock;
        this.clock = clock;
        this.maxSlots = maxSlots;
        try {
            long now = clock.getAsLong();
            previous = new Generation(now);
            List<Path> files;
            try (Stream<Path> list = Files.list(lock.dir())) {
                files = list.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
            }
            for (Path f : files) {
                if (load(f, now, previous)) previous.files.add(f);
                else Files.deleteIfExists(f); // nothing in it can be replayed any more
            }
            current = newGeneration(now);
        } catch (IOException | RuntimeException e) {
            close();
            throw new ConfigException("cannot read the replay journal in " + lock.dir() + ": " + e.getMessage());
        }
    }

    /**
     * Reads one journal file into {@code into}, streaming; a record cut short by a kill -9 during its write (never
     * answered) is left out. True when some id in it may still be replayed.
     */
    private static boolean load(Path f, long now, Generation into) throws IOException {
        boolean live = false;
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(f), 1 << 16))) {
            while (true) {
                long fp;
                long until;
                try {
                    fp = in.readLong();
                    until = in.readLong();
                } catch (EOFException end) {
                    return live;
                }
                if (until + MARGIN_MILLIS > now) {
                    live = true;
                    if (!into.contains(fp)) into.add(fp, until);
                }
            }
        }
    }

    /**
     * An id an earlier release recorded in {@code used_jtis} (its SHA-256 and until): kept like the journal's own,
     * so that an upgrade forgets none. Call before the first check.
     */
    public synchronized void alsoUsed(byte[] digest, long until) {
        long fp = fingerprint(digest);
        if (until + MARGIN_MILLIS > clock.getAsLong() && !previous.contains(fp)) previous.add(fp, until);
    }

    private Generation newGeneration(long now) throws IOException {
        Generation g = new Generation(now);
        openFile(g, now);
        return g;
    }

    private void openFile(Generation g, long now) throws IOException {
        Path f = lock.dir().resolve(String.format("%019d-%05d%s", now, System.nanoTime() & 0xffff, SUFFIX));
        g.file = f;
        g.length = 0;
        g.out = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        g.files.add(f);
    }

    private static long fingerprint(byte[] digest) {
        long fp = ByteBuffer.wrap(digest).getLong();
        return fp == 0 ? 1 : fp;
    }

    /**
     * Checks and records a use of the id whose SHA-256 is {@code digest}.
     *
     * @param until epoch ms after which the JWT is refused anyway, at most {@link #MAX_AHEAD_MILLIS} ahead
     * @return FIRST (recorded, in the file before this returns), REPLAY, or ELSEWHERE (memory full: the caller records it)
     * @throws Busy when the journal cannot be written (nothing recorded): the caller answers 503
     */
    public synchronized Use firstUse(byte[] digest, long until) {
        if (closed) throw new Busy("the server is stopping", null);
        long now = clock.getAsLong();
        if (until > now + MAX_AHEAD_MILLIS) throw new IllegalArgumentException("an id kept longer than a generation");
        long fp = fingerprint(digest);
        rollIfDue(now);
        if (current.contains(fp) || previous.contains(fp)) return Use.REPLAY;
        if (now < elsewhereUntil || !current.hasRoom(maxSlots)) {
            elsewhereUntil = Math.max(elsewhereUntil, until + MARGIN_MILLIS);
            elsewhere++;
            return Use.ELSEWHERE;
        }
        append(fp, until, now);
        appends++;
        current.add(fp, until);
        return Use.FIRST;
    }

    private void append(long fp, long until, long now) {
        record.clear();
        record.putLong(fp).putLong(until).flip();
        // An interrupt during a channel's write closes the channel for every later write: put it off until after.
        boolean interrupted = Thread.interrupted();
        long before = -1; // the file's length before this record (kept in memory: no system call per append)
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    if (current.out == null) openFile(current, now); // closed by an interrupt before: a new file
                    before = current.length;
                    IOException injected = failWrites;
                    if (injected != null) {
                        if (failHalfway) current.out.write(record.slice(0, Long.BYTES)); // as EIO can leave it
                        throw injected;
                    }
                    while (record.hasRemaining()) current.out.write(record);
                    current.length += record.limit();
                    if (appendFailing) {
                        appendFailing = false;
                        LOG.info("replay journal: {} is written again; key-bound requests are answered again", current.file);
                    }
                    return;
                } catch (ClosedChannelException closedMeanwhile) { // an interrupt arrived during the write
                    current.closeFile(); // a record cut short stays at that file's end, where loading ignores it
                    interrupted |= Thread.interrupted();
                    record.rewind();
                    if (attempt == 2) throw closedMeanwhile;
                }
            }
        } catch (IOException e) {
            discardPartialRecord(before);
            if (!appendFailing) { // once per burst: every key-bound request would log it again
                appendFailing = true;
                LOG.error("replay journal: cannot append to {} ({}); requests that need a replay check (client assertions,"
                        + " DPoP proofs) are answered 503 until it can (free disk space, check the device)", current.file, e.toString());
            }
            throw new Busy("the replay journal cannot be written: " + e.getMessage(), e);
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /**
     * After a failed write: the file back to its length before the record, so that the next record (once writing works
     * again) starts on a record boundary — a part of a record in the middle of a file would shift every record after
     * it when the file is loaded, and answered ids would be lost. If the file cannot be cut back, it is closed (a part
     * of a record at a file's end is ignored when loading) and the next append opens a new one.
     */
    private void discardPartialRecord(long before) {
        FileChannel out = current.out;
        if (out == null || before < 0) return;
        try {
            if (out.size() > before) out.truncate(before);
        } catch (IOException | RuntimeException e) {
            current.closeFile();
        }
    }

    /**
     * Starts a new generation when the older one holds only ids {@link #MARGIN_MILLIS} past their {@code until} and the
     * current one has taken ids for {@link #GENERATION_MILLIS} or is full: the older one's memory and files go.
     */
    private void rollIfDue(long now) {
        if (current.hasRoom(maxSlots) && now - current.startedAt < GENERATION_MILLIS) return;
        if (previous.maxUntil + MARGIN_MILLIS > now) return; // some id in it may still be replayed (or the clock went back)
        Generation next;
        try {
            next = newGeneration(now);
        } catch (IOException e) {
            return; // the current generation takes ids a while longer; its file is still open
        }
        current.closeFile();
        for (Path f : previous.files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // left for the next start, which deletes it when nothing in it can be replayed
            }
        }
        previous = current;
        current = next;
    }

    /**
     * Forces the current file to the disk (the jobs thread, once a second: what a power cut could lose). A failure is
     * logged when it starts a burst (not once a second), and the recovery once.
     */
    public void sync() {
        FileChannel out;
        Path file;
        synchronized (this) {
            out = closed ? null : current.out;
            file = current == null ? null : current.file;
        }
        if (out == null) return;
        try {
            out.force(false);
            if (syncFailing) {
                syncFailing = false;
                LOG.info("replay journal: {} is forced to the disk again", file);
            }
        } catch (ClosedChannelException rolledMeanwhile) {
            // a roll or an interrupt closed it: the next call forces the new one
        } catch (IOException e) {
            if (!syncFailing) {
                syncFailing = true;
                LOG.error("replay journal: cannot force {} to the disk ({}); ids answered since may be lost on a power cut", file, e.toString());
            }
        }
    }

    /**
     * For tests: the file's writes fail with {@code e} (a full disk, EIO) instead of writing, until called with null.
     * Root ignores file permissions, so a read-only file is no way to get that failure in a test.
     */
    void failWrites(IOException e) {
        failWrites(e, false);
    }

    /** As {@link #failWrites(IOException)}; with {@code halfway}, each failing write first writes half its record. */
    void failWrites(IOException e, boolean halfway) {
        failHalfway = halfway;
        failWrites = e;
    }

    /** Ids kept in memory (both generations), first uses appended since start, and ids sent to {@code used_jtis}: metrics. */
    public synchronized long ids() {
        return (long) current.size + previous.size;
    }

    public synchronized long appends() {
        return appends;
    }

    public synchronized long elsewhere() {
        return elsewhere;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (current != null) current.closeFile();
        lock.close();
    }

    private static void closeQuietly(FileChannel c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing was pending: every append was written when it was answered
        }
    }
}
