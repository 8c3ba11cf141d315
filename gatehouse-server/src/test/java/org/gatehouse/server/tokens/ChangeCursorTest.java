package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.gatehouse.server.store.ClientChangeStore.Change;
import org.junit.jupiter.api.Test;

/** The poll cursor over client_changes' seqs, and the late commit it must not miss (issue 18 Must 5). */
class ChangeCursorTest {
    private static final long WAIT = 60_000_000_000L; // 60 s in nanos

    private static Change c(long seq, String id) {
        return new Change(seq, id, null);
    }

    private static List<String> ids(ChangeCursor.Step step) {
        return step.changes().stream().map(Change::clientId).toList();
    }

    @Test
    void aSeqSkippedByAPollIsAskedForAgainAndAppliedWhenItsTransactionCommitsLate() {
        ChangeCursor cursor = new ChangeCursor(10, WAIT, 100);
        // Seq 11 was taken first, but 12's transaction committed first: the poll sees 12 only.
        assertThat(ids(cursor.accept(List.of(c(12, "b")), 0))).containsExactly("b");
        assertThat(cursor.after()).isEqualTo(12);
        assertThat(cursor.gaps()).containsExactly(11L);
        // The next poll asks for seq > 12 or seq in (11); 11 has committed meanwhile.
        assertThat(ids(cursor.accept(List.of(c(11, "a"), c(13, "c")), 1_000))).containsExactly("a", "c");
        assertThat(cursor.gaps()).isEmpty();
        assertThat(cursor.after()).isEqualTo(13);
    }

    @Test
    void aSeqThatNeverShowsUpIsForgottenAfterTheCommitWait() {
        ChangeCursor cursor = new ChangeCursor(0, WAIT, 100);
        cursor.accept(List.of(c(3, "c")), 0);
        assertThat(cursor.gaps()).containsExactly(1L, 2L);
        cursor.accept(List.of(), WAIT - 1);
        assertThat(cursor.gaps()).containsExactly(1L, 2L);
        cursor.accept(List.of(), WAIT);
        assertThat(cursor.gaps()).isEmpty();
    }

    @Test
    void aRowReadTwiceIsAppliedOnceAndNothingBelowTheStartIsAwaited() {
        ChangeCursor cursor = new ChangeCursor(5, WAIT, 100);
        assertThat(ids(cursor.accept(List.of(c(6, "a")), 0))).containsExactly("a");
        assertThat(ids(cursor.accept(List.of(c(6, "a")), 1))).isEmpty();
        assertThat(cursor.gaps()).isEmpty();
    }

    @Test
    void tooManyGapsAtOnceDropTheWholeCacheInsteadOfTrackingThem() {
        ChangeCursor cursor = new ChangeCursor(0, WAIT, 10);
        ChangeCursor.Step step = cursor.accept(List.of(c(5, "a")), 0);
        assertThat(step.dropAll()).isFalse();
        step = cursor.accept(List.of(c(1_000_000, "b")), 1);
        assertThat(step.dropAll()).isTrue();
        assertThat(ids(step)).containsExactly("b");
        assertThat(cursor.gaps()).isEmpty();
        assertThat(cursor.after()).isEqualTo(1_000_000);
    }
}
