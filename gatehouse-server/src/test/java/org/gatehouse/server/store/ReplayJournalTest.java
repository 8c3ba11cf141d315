package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.gatehouse.server.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded node's replay journal (issue 17 Must 8): one use per id, kept across restarts, bounded, one owner. */
class ReplayJournalTest {
    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);

    private static byte[] id(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private ReplayJournal open() {
        return ReplayJournal.open(dir, now::get, List.of());
    }

    @Test
    void anIdIsAcceptedOnceAndRefusedAfterwards() throws Exception {
        try (ReplayJournal j = open()) {
            long until = now.get() + 60_000;
            assertThat(j.firstUse(id("a"), until)).isTrue();
            assertThat(j.firstUse(id("a"), until)).isFalse();
            assertThat(j.firstUse(id("b"), until)).isTrue();
            assertThat(j.ids()).isEqualTo(2);
            assertThat(j.appends()).isEqualTo(2);
        }
    }

    @Test
    void idsAnsweredBeforeAStopOrAKillAreRefusedAfterTheRestart() throws Exception {
        long until = now.get() + 300_000;
        ReplayJournal first = open();
        assertThat(first.firstUse(id("used before the restart"), until)).isTrue();
        assertThat(first.firstUse(id("expires before the restart"), now.get() + 1_000)).isTrue();
        first.close(); // a kill -9 leaves the same file: every answered id was written before its answer
        // A record cut short by a kill -9 in the middle of its write (its request was never answered) is ignored.
        try (Stream<Path> files = Files.list(dir)) {
            Path journal = files.filter(p -> p.toString().endsWith(".journal")).findFirst().orElseThrow();
            Files.write(journal, new byte[] {1, 2, 3, 4, 5}, StandardOpenOption.APPEND);
        }
        now.addAndGet(2_000);
        try (ReplayJournal again = open()) {
            assertThat(again.firstUse(id("used before the restart"), until)).isFalse();
            assertThat(again.ids()).as("the expired id is not loaded").isEqualTo(1);
            assertThat(again.firstUse(id("new after the restart"), until)).isTrue();
        }
    }

    @Test
    void idsRecordedByTheDatabaseBeforeAnUpgradeAreRefused() throws Exception {
        byte[] old = id("recorded in used_jtis");
        long fp = ByteBuffer.wrap(old).getLong();
        try (ReplayJournal j = ReplayJournal.open(dir, now::get, List.of(new long[] {fp, now.get() + 100_000},
                new long[] {ByteBuffer.wrap(id("expired row")).getLong(), now.get() - 1}))) {
            assertThat(j.firstUse(old, now.get() + 100_000)).isFalse();
            assertThat(j.firstUse(id("expired row"), now.get() + 100_000)).isTrue();
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryIsRefused() {
        try (ReplayJournal j = open()) {
            assertThatThrownBy(this::open).isInstanceOf(ConfigException.class).hasMessageContaining("several nodes need PostgreSQL");
        }
        open().close(); // released on close
    }

    @Test
    void oldGenerationsAreDroppedOnlyOnceTheirIdsHaveExpired() throws Exception {
        try (ReplayJournal j = open()) {
            long until = now.get() + 420_000; // the longest an id is kept
            assertThat(j.firstUse(id("old"), until)).isTrue();
            now.addAndGet(ReplayJournal.GENERATION_MILLIS); // a new generation starts; "old" moves to the previous one
            assertThat(j.firstUse(id("second"), now.get() + 1_000)).isTrue();
            now.addAndGet(ReplayJournal.GENERATION_MILLIS); // "old" expired 30 s ago, so its generation may go now
            assertThat(j.firstUse(id("old"), until)).as("expired anyway: its JWT is refused before this check").isTrue();
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.filter(p -> p.toString().endsWith(".journal")).count()).as("two generations' files").isEqualTo(2);
            }
        }
    }

    @Test
    void everyIdIsRefusedUntilItsUntilWhateverTheGenerationsDid() throws Exception {
        java.util.Random random = new java.util.Random(17);
        java.util.List<long[]> used = new java.util.ArrayList<>(); // {index, until}
        try (ReplayJournal j = open()) {
            for (int i = 0; i < 3_000; i++) {
                now.addAndGet(random.nextInt(1_000)); // 25 minutes in all: several generations come and go
                long until = now.get() + 1 + random.nextInt(420_000);
                assertThat(j.firstUse(id("id " + i), until)).isTrue();
                used.add(new long[] {i, until});
                long[] earlier = used.get(random.nextInt(used.size()));
                if (earlier[1] > now.get()) {
                    assertThat(j.firstUse(id("id " + earlier[0]), earlier[1])).as("id %d at %d", earlier[0], now.get()).isFalse();
                }
            }
            assertThat(j.ids()).as("expired generations were dropped").isLessThan(3_000);
        }
    }

    @Test
    void manyIdsAreAllRememberedAcrossTheTablesGrowth() throws Exception {
        try (ReplayJournal j = open()) {
            long until = now.get() + 60_000;
            for (int i = 0; i < 20_000; i++) assertThat(j.firstUse(id("id " + i), until)).isTrue();
            for (int i = 0; i < 20_000; i++) assertThat(j.firstUse(id("id " + i), until)).as("id %d", i).isFalse();
        }
    }

    @Test
    void aFullGenerationRefusesNewIdsRatherThanForgetOne() throws Exception {
        try (ReplayJournal j = new ReplayJournal(dir, now::get, List.of(), 1 << 12)) {
            long until = now.get() + 420_000;
            int accepted = 0;
            for (int i = 0; i < 8_000; i++) {
                try {
                    assertThat(j.firstUse(id("id " + i), until)).isTrue();
                    accepted++;
                } catch (ReplayJournal.Busy busy) {
                    break;
                }
            }
            // A full generation becomes the previous one at once when that one has only expired ids (here: none at all);
            // the next full one cannot: the first one's ids may still be replayed.
            assertThat(accepted).isEqualTo(2 * 3 * (1 << 12) / 4);
            assertThatThrownBy(() -> j.firstUse(id("one more"), until)).isInstanceOf(ReplayJournal.Busy.class);
            assertThat(j.firstUse(id("id 0"), until)).as("a replay is still refused as one").isFalse();
        }
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
                assertThat(j.firstUse(id("while interrupted"), until)).isTrue();
                assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(j.firstUse(id("afterwards"), until)).isTrue();
        }
        try (ReplayJournal again = open()) {
            assertThat(again.firstUse(id("while interrupted"), now.get() + 60_000)).as("it reached the file").isFalse();
            assertThat(again.firstUse(id("afterwards"), now.get() + 60_000)).isFalse();
        }
    }
}
