package org.gatehouse.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.gatehouse.server.config.ConfigException;

/**
 * One use of a JWT id (RFC 7523 §3 item 7, RFC 9449 §11.1) on the embedded database's one node, without a database
 * commit: the ids in memory, each first use appended to a journal file before it is answered, so that a kill -9 or a
 * restart forgets none (the same promise as the embedded database's WRITE_DELAY=0: what was answered has reached the
 * operating system). Only the server that holds the data directory's journal lock uses it; a second server on the same
 * data directory is refused at start (several nodes need PostgreSQL, whose {@code used_jtis} every node shares).
 *
 * <p>Why not the {@code used_jtis} table here too: on H2 every commit copies the B-tree pages it touches and writes
 * them as a new chunk (≈ 23 KB per commit, profiled), and the copies are compacted later; that was half the CPU of a
 * {@code private_key_jwt} grant (issue 17 Must 8). An append of 16 bytes is a system call.
 *
 * <p>An id is kept as a 64-bit fingerprint of its SHA-256 (the caller's digest of kind, scope and jti): two different
 * ids share one with probability about n²/2⁶⁵ (n = 10⁶: 3·10⁻⁸), and a shared fingerprint only refuses a fresh JWT as a
 * replay (its client makes another), never accepts a replay. Ids live in two generations: new ones go to the current
 * one, a check looks in both, and the older generation (its table and its journal file) is dropped when every id in it
 * is past the time its JWT is refused anyway ({@code until}) and the current one is at least {@link #GENERATION_MILLIS}
 * old. Memory is bounded: at most {@link #MAX_SLOTS} slots a generation (12 bytes each); a full generation that cannot
 * be dropped yet refuses new ids as busy (503) rather than forget one.
 */
public final class ReplayJournal implements AutoCloseable {
    /**
     * How long a generation takes new ids at least. An id is kept until its {@code until}: at most 420 s after its use
     * (a client assertion's exp may be 360 s ahead, kept 60 s past it; a DPoP proof's iat window is 60 s), so two
     * generations of this length cover it and a third is never needed.
     */
    public static final long GENERATION_MILLIS = 450_000;
    /** The longest time ahead an id's {@code until} may be; beyond it the id would outlive its generation. */
    public static final long MAX_AHEAD_MILLIS = GENERATION_MILLIS;
    /** Slots a generation may grow to: 2²¹ × 12 bytes = 24 MiB, at most 0.75 full (1.57 M ids, ≈ 3,500 ids/s for 450 s). */
    static final int MAX_SLOTS = 1 << 21;
    private static final int FIRST_SLOTS = 1 << 12;
    private static final int RECORD = 16; // fingerprint (8) + until in epoch ms (8), big-endian
    private static final String SUFFIX = ".journal";

    /** Refused because memory for the ids is full, or the journal cannot be written: the caller answers 503. */
    public static final class Busy extends RuntimeException {
        Busy(String why, Throwable cause) {
            super(why, cause);
        }
    }

    private final Path dir;
    private final LongSupplier clock;
    private final int maxSlots;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final ByteBuffer record = ByteBuffer.allocateDirect(RECORD);
    private Generation current;
    private Generation previous;
    private boolean closed;
    private long appends;

    /** The ids of one generation and the file they were appended to. */
    private static final class Generation {
        final long startedAt;
        final List<Path> files = new ArrayList<>();
        FileChannel out; // null for the generation loaded at start (its files are only read)
        long[] fingerprints;
        int[] untilSeconds; // 0: an empty slot
        int size;
        long maxUntil;

        Generation(long startedAt, int slots) {
            this.startedAt = startedAt;
            this.fingerprints = new long[slots];
            this.untilSeconds = new int[slots];
        }

        boolean contains(long fp) {
            int mask = fingerprints.length - 1;
            for (int i = slot(fp, mask); untilSeconds[i] != 0; i = (i + 1) & mask) {
                if (fingerprints[i] == fp) return true;
            }
            return false;
        }

        /** Adds a fingerprint known to be absent; false when the generation is full. */
        boolean add(long fp, long until, int maxSlots) {
            if ((size + 1) * 4L > fingerprints.length * 3L) {
                if (fingerprints.length >= maxSlots) return false;
                grow();
            }
            put(fp, (int) Math.min(Integer.MAX_VALUE, Math.max(1, (until + 999) / 1000)));
            size++;
            maxUntil = Math.max(maxUntil, until);
            return true;
        }

        private void put(long fp, int untilS) {
            int mask = fingerprints.length - 1;
            int i = slot(fp, mask);
            while (untilSeconds[i] != 0) i = (i + 1) & mask;
            fingerprints[i] = fp;
            untilSeconds[i] = untilS;
        }

        private void grow() {
            long[] fps = fingerprints;
            int[] untils = untilSeconds;
            fingerprints = new long[fps.length * 2];
            untilSeconds = new int[fps.length * 2];
            for (int i = 0; i < fps.length; i++) {
                if (untils[i] != 0) put(fps[i], untils[i]);
            }
        }

        private static int slot(long fp, int mask) {
            return (int) (fp ^ (fp >>> 32)) & mask; // the fingerprint is a digest's bytes: its bits are already uniform
        }

        void closeFile() {
            if (out == null) return;
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing was pending: every append was written when it was answered
            }
            out = null;
        }
    }

    /**
     * Opens the journal in {@code dir} (made if missing), takes its lock, and loads every id of its files whose
     * {@code until} has not passed, together with {@code alsoUsed} (ids recorded elsewhere before, e.g. the
     * {@code used_jtis} rows of a release that kept them there: fingerprint and until).
     *
     * @throws ConfigException when another server holds the lock (a second server on one embedded database)
     */
    public static ReplayJournal open(Path dir, LongSupplier clock, List<long[]> alsoUsed) {
        return new ReplayJournal(dir, clock, alsoUsed, MAX_SLOTS);
    }

    ReplayJournal(Path dir, LongSupplier clock, List<long[]> alsoUsed, int maxSlots) {
        this.dir = dir;
        this.clock = clock;
        this.maxSlots = maxSlots;
        FileChannel lf = null;
        FileLock l;
        try {
            Files.createDirectories(dir);
            lf = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                l = lf.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                throw new ConfigException("another Gatehouse server is using the embedded database in " + dir.getParent()
                        + "; several nodes need PostgreSQL (GATEHOUSE_DB_URL), see docs/operations.md");
            }
        } catch (IOException e) {
            closeQuietly(lf);
            throw new ConfigException("cannot open the replay journal in " + dir + ": " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(lf);
            throw e;
        }
        this.lockFile = lf;
        this.lock = l;
        try {
            long now = clock.getAsLong();
            previous = new Generation(now, FIRST_SLOTS);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted()::iterator) {
                    load(f, now, previous);
                    previous.files.add(f);
                }
            }
            for (long[] used : alsoUsed) {
                if (used[1] > now && !previous.contains(used[0])) previous.add(used[0], used[1], Integer.MAX_VALUE);
            }
            current = newGeneration(now);
        } catch (IOException | RuntimeException e) {
            close();
            if (e instanceof ConfigException c) throw c;
            throw new ConfigException("cannot read the replay journal in " + dir + ": " + e.getMessage());
        }
    }

    /** Reads one journal file; a record cut short by a kill -9 during its write (never answered) is left out. */
    private static void load(Path f, long now, Generation into) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(f));
        while (all.remaining() >= RECORD) {
            long fp = all.getLong();
            long until = all.getLong();
            if (until > now && !into.contains(fp)) into.add(fp, until, Integer.MAX_VALUE);
        }
    }

    private Generation newGeneration(long now) throws IOException {
        Generation g = new Generation(now, FIRST_SLOTS);
        Path f = dir.resolve(String.format("%019d-%d%s", now, System.nanoTime() & 0xffff, SUFFIX));
        g.out = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        g.files.add(f);
        return g;
    }

    /**
     * Records a use of the id whose SHA-256 is {@code digest}; true the first time, false for a replay.
     *
     * @param until epoch ms after which the JWT is refused anyway, at most {@link #MAX_AHEAD_MILLIS} ahead
     * @throws Busy when the id cannot be kept (memory full, journal not writable): the caller answers 503
     */
    public synchronized boolean firstUse(byte[] digest, long until) {
        if (closed) throw new Busy("the server is stopping", null);
        long now = clock.getAsLong();
        if (until > now + MAX_AHEAD_MILLIS) throw new IllegalArgumentException("an id kept longer than a generation");
        long fp = ByteBuffer.wrap(digest).getLong();
        rollIfDue(now);
        if (current.contains(fp) || previous.contains(fp)) return false;
        if (current.size * 4L >= current.fingerprints.length * 3L && current.fingerprints.length >= maxSlots) {
            throw new Busy("the replay check's memory is full until older ids expire", null);
        }
        record.clear();
        record.putLong(fp).putLong(until).flip();
        // An interrupt during a channel's write closes the channel for every later write: put it off until after.
        boolean interrupted = Thread.interrupted();
        try {
            try {
                while (record.hasRemaining()) current.out.write(record);
            } catch (java.nio.channels.ClosedChannelException closed) { // closed by an interrupt after all: a new file, once
                current.out = null;
                Generation fresh = newGeneration(now);
                current.out = fresh.out;
                current.files.add(fresh.files.get(0));
                record.rewind();
                while (record.hasRemaining()) current.out.write(record);
            }
        } catch (IOException e) {
            throw new Busy("the replay journal cannot be written: " + e.getMessage(), e);
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
        appends++;
        current.add(fp, until, Integer.MAX_VALUE);
        return true;
    }

    /**
     * Starts a new generation when the older one holds only ids past their {@code until} and the current one has taken
     * ids for {@link #GENERATION_MILLIS} (or is full): the older one's memory and files go.
     */
    private void rollIfDue(long now) {
        boolean full = current.size * 4L >= current.fingerprints.length * 3L && current.fingerprints.length >= maxSlots;
        if (!full && now - current.startedAt < GENERATION_MILLIS) return;
        if (previous.maxUntil >= now) return; // some id in it may still be replayed (or the clock went back): keep it
        Generation next;
        try {
            next = newGeneration(now);
        } catch (IOException e) {
            throw new Busy("cannot start a new replay journal file: " + e.getMessage(), e);
        }
        current.closeFile();
        for (Path f : previous.files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // left for the next start, which loads it and finds every id expired
            }
        }
        previous = current;
        current = next;
    }

    /** Ids kept (both generations), and first uses appended since start: the metrics. */
    public synchronized long ids() {
        return (long) current.size + previous.size;
    }

    public synchronized long appends() {
        return appends;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (current != null) current.closeFile();
        try {
            if (lock != null) lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(lockFile);
    }

    private static void closeQuietly(FileChannel c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to keep
        }
    }
}
