package org.gatehouse.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.jdbi.v3.core.Jdbi;

/**
 * Group commit for the embedded H2 database (issue 18 Must 3): the changes of concurrent transactions
 * reach the file in one MVStore store, and each caller is answered only once its own changes are in
 * the file.
 *
 * <p>With {@code WRITE_DELAY=0} every commit stored a chunk of its own: MVStore is copy-on-write, so
 * each store rewrites the path from the root to every changed leaf of every map the transaction
 * touched (about 21 maps for a registration). The embedded URL now sets a write delay, so a commit
 * leaves its changes in memory, and {@link Database} calls {@link #awaitDurable()} after every
 * transaction that wrote, before the caller can answer. A transaction's changes belong to the store
 * version current when it committed; a store of that version writes them (MVStore switches the
 * version, then writes what it holds). So a caller returns at once if a store of a later version has
 * finished meanwhile; otherwise it takes the lock and stores, for itself and for every transaction
 * that committed before that store began. What a kill -9 can lose is unchanged: nothing a caller was
 * told had happened (kill -9 loses nothing written to the operating system; H2Housekeeping still
 * forces the file to disk once a second). H2's own background write, after the write delay, is only
 * a safety net for writes that do not go through {@link Database} (Flyway's migrations).
 *
 * <p>A session of another process (the CLI beside a running server, AUTO_SERVER) has no store here:
 * its writes are made durable by {@code CHECKPOINT}, which stores the server's MVStore.
 */
final class H2GroupCommit {
    /** H2's background store runs this long after a commit that nobody stored (writes outside {@link Database}). */
    static final int WRITE_DELAY_MS = 1000;
    private final DataSource dataSource;
    private final Jdbi jdbi;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile MVStore store;
    private volatile boolean resolved;
    /** Every store version below this one has been written to the file by a store this class waited for. */
    private volatile long storedBelow;
    final LongAdder awaited = new LongAdder();
    final LongAdder stores = new LongAdder();

    H2GroupCommit(DataSource dataSource, Jdbi jdbi) {
        this.dataSource = dataSource;
        this.jdbi = jdbi;
    }

    /** Returns once every change committed by this thread so far is in the file. */
    void awaitDurable() {
        awaited.increment();
        MVStore s = store();
        if (s == null || s.isClosed()) {
            jdbi.useHandle(h -> h.execute("CHECKPOINT"));
            stores.increment();
            return;
        }
        long mine = s.getCurrentVersion(); // read after the commit: the commit's changes are in this version or an older one
        if (storedBelow > mine) return;
        lock.lock();
        try {
            if (storedBelow > mine) return; // a store that began after our commit has finished: it wrote our changes
            long version = s.getCurrentVersion();
            s.commit(); // stores `version` (and older, unsaved ones) unless nothing is unsaved
            stores.increment();
            if (version + 1 > storedBelow) storedBelow = version + 1;
        } finally {
            lock.unlock();
        }
    }

    private MVStore store() {
        if (!resolved) {
            synchronized (this) {
                if (!resolved) {
                    store = localStore();
                    resolved = true;
                }
            }
        }
        return store;
    }

    private MVStore localStore() {
        try (Connection c = dataSource.getConnection()) {
            JdbcConnection h2 = c.unwrap(JdbcConnection.class);
            if (!(h2.getSession() instanceof SessionLocal session)) return null; // AUTO_SERVER client of another process
            var st = session.getDatabase().getStore();
            if (st == null || st.getMvStore().getFileStore() == null) return null;
            return st.getMvStore();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the embedded database's store", e);
        }
    }
}
