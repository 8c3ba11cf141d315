package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gatehouse.server.store.ReplayJournal.Use.ELSEWHERE;
import static org.gatehouse.server.store.ReplayJournal.Use.FIRST;
import static org.gatehouse.server.store.ReplayJournal.Use.REPLAY;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.gatehouse.server.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded server's replay journal (issue 17 Must 8): one use per id, kept across restarts, bounded, one owner. */
class ReplayJournalTest {
    @TempDir
    Path data;

    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);

    private Path dir() {
        return data.resolve("replays");
    }

    private static byte[] id(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private ReplayJournal open() {
        return ReplayJournal.open(ReplayJournal.lock(dir()), now::get);
    }

    private long journalFiles() throws Exception {
        try (Stream<Path> files = Files.list(dir())) {
            return files.filter(p -> p.toString().endsWith(".journal")).count();
        }
    }

    @Test
    void anIdIsAcceptedOnceAndRefusedAfterwards() throws Exception {
        try (ReplayJournal j = open()) {
            long until = now.get() + 60_000;
            assertThat(j.firstUse(id("a"), until)).isEqualTo(FIRST);
            assertThat(j.firstUse(id("a"), until)).isEqualTo(REPLAY);
            assertThat(j.firstUse(id("b"), until)).isEqualTo(FIRST);
            assertThat(j.ids()).isEqualTo(2);
            assertThat(j.appends()).isEqualTo(2);
        }
    }

    @Test
    void idsAnsweredBeforeAStopOrAKillAreRefusedAfterTheRestart() throws Exception {
        long until = now.get() + 300_000;
        ReplayJournal first = open();
        assertThat(first.firstUse(id("used before the restart"), until)).isEqualTo(FIRST);
        assertThat(first.firstUse(id("expired before the restart"), now.get() + 1_000)).isEqualTo(FIRST);
        first.sync();
        first.close(); // a kill -9 leaves the same file: every answered id was written before its answer
        // A record cut short by a kill -9 in the middle of its write (its request was never answered) is ignored.
        try (Stream<Path> files = Files.list(dir())) {
            Path journal = files.filter(p -> p.toString().endsWith(".journal")).findFirst().orElseThrow();
            Files.write(journal, new byte[] {1, 2, 3, 4, 5}, StandardOpenOption.APPEND);
        }
        now.addAndGet(1_000 + ReplayJournal.MARGIN_MILLIS + 1);
        try (ReplayJournal again = open()) {
            assertThat(again.firstUse(id("used before the restart"), until)).isEqualTo(REPLAY);
            assertThat(again.ids()).as("the id past its time and the margin is not loaded").isEqualTo(1);
            assertThat(again.firstUse(id("new after the restart"), until)).isEqualTo(FIRST);
        }
    }

    @Test
    void filesWithNothingLeftToRefuseAreDeletedAtStart() throws Exception {
        try (ReplayJournal j = open()) {
            assertThat(j.firstUse(id("short"), now.get() + 1_000)).isEqualTo(FIRST);
        }
        now.addAndGet(1_000 + ReplayJournal.MARGIN_MILLIS + 1);
        try (ReplayJournal again = open()) {
            assertThat(journalFiles()).as("only the new generation's file").isEqualTo(1);
        }
    }

    @Test
    void idsRecordedByTheDatabaseBeforeAnUpgradeAreRefused() throws Exception {
        try (ReplayJournal j = open()) {
            j.alsoUsed(id("recorded in used_jtis"), now.get() + 100_000);
            j.alsoUsed(id("expired row"), now.get() - ReplayJournal.MARGIN_MILLIS - 1);
            assertThat(j.firstUse(id("recorded in used_jtis"), now.get() + 100_000)).isEqualTo(REPLAY);
            assertThat(j.firstUse(id("expired row"), now.get() + 100_000)).isEqualTo(FIRST);
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryIsRefused() {
        try (ReplayJournal j = open()) {
            assertThatThrownBy(() -> ReplayJournal.lock(dir())).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("several nodes need PostgreSQL");
        }
        ReplayJournal.lock(dir()).close(); // released when the journal closes
    }

    @Test
    void oldGenerationsAreDroppedOnlyOnceTheirIdsAreExpiredWithTheMargin() throws Exception {
        try (ReplayJournal j = open()) {
            long until = now.get() + 420_000; // the longest an id is kept
            assertThat(j.firstUse(id("old"), until)).isEqualTo(FIRST);
            now.addAndGet(ReplayJournal.GENERATION_MILLIS); // a new generation starts; "old" moves to the previous one
            assertThat(j.firstUse(id("second"), now.get() + 1_000)).isEqualTo(FIRST);
            now.addAndGet(ReplayJournal.GENERATION_MILLIS); // 900 s: "old" is 480 s old, past its time and the margin
            assertThat(j.firstUse(id("old"), until)).as("its JWT is refused before this check anyway").isEqualTo(FIRST);
            assertThat(journalFiles()).as("two generations' files").isEqualTo(2);
        }
    }

    @Test
    void everyIdIsRefusedUntilItsTimeWhateverTheGenerationsDid() throws Exception {
        java.util.Random random = new java.util.Random(17);
        java.util.List<long[]> used = new java.util.ArrayList<>(); // {index, until}
        try (ReplayJournal j = open()) {
            for (int i = 0; i < 3_000; i++) {
                now.addAndGet(random.nextInt(1_000)); // 25 minutes in all: several generations come and go
                long until = now.get() + 1 + random.nextInt(420_000);
                assertThat(j.firstUse(id("id " + i), until)).isEqualTo(FIRST);
                used.add(new long[] {i, until});
                long[] earlier = used.get(random.nextInt(used.size()));
                if (earlier[1] > now.get()) {
                    assertThat(j.firstUse(id("id " + earlier[0]), earlier[1])).as("id %d at %d", earlier[0], now.get()).isEqualTo(REPLAY);
                }
            }
            assertThat(j.ids()).as("expired generations were dropped").isLessThan(3_000);
        }
    }

    @Test
    void manyIdsAreAllRememberedAcrossTheTablesGrowth() throws Exception {
        try (ReplayJournal j = open()) {
            long until = now.get() + 60_000;
            for (int i = 0; i < 20_000; i++) assertThat(j.firstUse(id("id " + i), until)).isEqualTo(FIRST);
            for (int i = 0; i < 20_000; i++) assertThat(j.firstUse(id("id " + i), until)).as("id %d", i).isEqualTo(REPLAY);
        }
    }

    @Test
    void whenTheMemoryIsFullNewIdsGoElsewhereUntilTheLastOfThemHasExpired() throws Exception {
        try (ReplayJournal j = new ReplayJournal(ReplayJournal.lock(dir()), now::get, 1 << 12)) {
            long until = now.get() + 420_000;
            int first = 0;
            for (int i = 0; i < 8_000 && j.firstUse(id("id " + i), until) == FIRST; i++) first++;
            // A full generation becomes the previous one at once when that one has nothing left to refuse (here: it is
            // empty); the next full one cannot: the first one's ids may still be replayed.
            assertThat(first).isEqualTo(2 * 3 * (1 << 12) / 4);
            long start = now.get();
            assertThat(j.firstUse(id("one more"), start + ReplayJournal.MAX_AHEAD_MILLIS)).isEqualTo(ELSEWHERE);
            assertThat(j.firstUse(id("id 0"), until)).as("a replay is still refused here").isEqualTo(REPLAY);
            assertThat(j.elsewhere()).as("the loop's last id and this one").isEqualTo(2);
            // Room again (the first generation's ids are past their time and the margin), but the id sent elsewhere may
            // still be replayed: new ids go elsewhere too, so that used_jtis decides for all of them.
            now.set(until + ReplayJournal.MARGIN_MILLIS + 1);
            assertThat(j.firstUse(id("after the roll"), now.get() + 1_000)).isEqualTo(ELSEWHERE);
            // Once the last id sent elsewhere is past its time and the margin, the memory takes them again.
            long lastElsewhere = Math.max(start + ReplayJournal.MAX_AHEAD_MILLIS, now.get() + 1_000);
            now.set(lastElsewhere + ReplayJournal.MARGIN_MILLIS + 1);
            assertThat(j.firstUse(id("later"), now.get() + 1_000)).isEqualTo(FIRST);
        }
    }

    @Test
    void theMemoryBoundFollowsTheHeap() {
        assertThat(ReplayJournal.slotsFor(112L << 20)).as("the default -Xmx112m: 4 MiB a generation").isEqualTo(1 << 19);
        assertThat(ReplayJournal.slotsFor(16L << 20)).isEqualTo(1 << 17);
        assertThat(ReplayJournal.slotsFor(64L << 30)).as("at most 16 MiB a generation").isEqualTo(1 << 21);
        assertThat(ReplayJournal.slotsFor(256L << 10)).as("at least 32 KiB").isEqualTo(1 << 12);
    }

    @Test
    void anIdKeptLongerThanAGenerationIsAProgrammingError() {
        try (ReplayJournal j = open()) {
            assertThatThrownBy(() -> j.firstUse(id("far"), now.get() + ReplayJournal.MAX_AHEAD_MILLIS + 1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void anInterruptedRequestThreadDoesNotCloseTheJournal() throws Exception {
        try (ReplayJournal j = open()) {
            long until = now.get() + 60_000;
            Thread.currentThread().interrupt();
            try {
                assertThat(j.firstUse(id("while interrupted"), until)).isEqualTo(FIRST);
                assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(j.firstUse(id("afterwards"), until)).isEqualTo(FIRST);
        }
        try (ReplayJournal again = open()) {
            assertThat(again.firstUse(id("while interrupted"), now.get() + 60_000)).as("it reached the file").isEqualTo(REPLAY);
            assertThat(again.firstUse(id("afterwards"), now.get() + 60_000)).isEqualTo(REPLAY);
        }
    }

    @Test
    void interruptsFromAnotherThreadDuringWritesLoseNoAnsweredId() throws Exception {
        int n = 3_000;
        java.util.List<byte[]> answered = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        AtomicLong busy = new AtomicLong();
        try (ReplayJournal j = open()) {
            long until = now.get() + 60_000;
            Thread writer = new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    try {
                        byte[] id = id("w " + i);
                        if (j.firstUse(id, until) == FIRST) answered.add(id);
                    } catch (ReplayJournal.Busy refused) {
                        busy.incrementAndGet(); // an interrupt in each of two attempts: a 503, nothing recorded
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            writer.start();
            while (writer.isAlive()) writer.interrupt(); // interrupts land before, during and after the writes
            writer.join();
            assertThat(answered.size() + busy.get()).isEqualTo(n);
            assertThat(answered).as("most writes went through").hasSizeGreaterThan(n / 2);
        }
        try (ReplayJournal again = open()) {
            for (byte[] id : answered) assertThat(again.firstUse(id, now.get() + 60_000)).isEqualTo(REPLAY);
        }
    }
    /**
     * The journal's file failing (a full disk, EIO): every check is refused (fail closed: an id that could not be
     * recorded is not accepted, a 503 for the caller), and the failure is logged once per burst, naming the file —
     * not once per request — and its end once.
     */
    @Test
    void aFileThatCannotBeWrittenRefusesEveryCheckAndIsLoggedOncePerBurst() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ReplayJournal.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        logger.addAppender(log);
        try (ReplayJournal j = open()) {
            long until = now.get() + 60_000;
            j.failWrites(new java.io.IOException("No space left on device"));
            for (int i = 0; i < 3; i++) {
                byte[] id = id("refused " + i);
                assertThatThrownBy(() -> j.firstUse(id, until)).isInstanceOf(ReplayJournal.Busy.class)
                        .satisfies(e -> assertThat(((ReplayJournal.Busy) e).fileFailed()).isTrue());
            }
            assertThat(log.list).hasSize(1);
            assertThat(log.list.get(0).getLevel()).isEqualTo(ch.qos.logback.classic.Level.ERROR);
            assertThat(log.list.get(0).getFormattedMessage()).contains(dir().toString(), ".journal", "No space left on device");
            j.failWrites(null);
            assertThat(j.firstUse(id("refused 0"), until)).as("nothing was recorded while it failed").isEqualTo(FIRST);
            assertThat(j.firstUse(id("refused 0"), until)).isEqualTo(REPLAY);
            assertThat(log.list).hasSize(2);
            assertThat(log.list.get(1).getFormattedMessage()).contains("written again");
            j.failWrites(new java.io.IOException("Input/output error"));
            assertThatThrownBy(() -> j.firstUse(id("a new burst"), until)).isInstanceOf(ReplayJournal.Busy.class);
            assertThatThrownBy(() -> j.firstUse(id("a new burst"), until)).isInstanceOf(ReplayJournal.Busy.class);
            assertThat(log.list).as("one line for the new burst").hasSize(3);
            assertThat(log.list.get(2).getFormattedMessage()).contains("Input/output error");
            assertThat(j.ids()).isEqualTo(1);
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void aWriteThatFailedHalfwayLeavesNoPartOfARecordBeforeTheNextOne() throws Exception {
        long until = now.get() + 300_000;
        try (ReplayJournal j = open()) {
            assertThat(j.firstUse(id("before the failure"), until)).isEqualTo(FIRST);
            j.failWrites(new java.io.IOException("Input/output error"), true); // half a record written, then the error
            assertThatThrownBy(() -> j.firstUse(id("refused while failing"), until)).isInstanceOf(ReplayJournal.Busy.class);
            j.failWrites(null);
            assertThat(j.firstUse(id("after the failure"), until)).isEqualTo(FIRST);
        }
        try (ReplayJournal again = open()) { // the restart reads the file record by record
            assertThat(again.firstUse(id("before the failure"), until)).isEqualTo(REPLAY);
            assertThat(again.firstUse(id("after the failure"), until)).as("answered after the failure: kept").isEqualTo(REPLAY);
            assertThat(again.firstUse(id("refused while failing"), until)).as("never answered: not kept").isEqualTo(FIRST);
        }
    }
}
