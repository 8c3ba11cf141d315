package org.gatehouse.server.store;

import java.io.IOException;

/** For tests in other packages: makes a replay journal's file fail (see {@link ReplayJournal#failWrites}). */
public final class JournalFaults {
    private JournalFaults() {
    }

    /** The journal's writes fail with {@code e} (a full disk, EIO) until called with null. */
    public static void failWrites(ReplayJournal journal, IOException e) {
        journal.failWrites(e);
    }
}
