package org.gatehouse.server.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.gatehouse.server.tokens.JtiSet.Use;
import org.junit.jupiter.api.Test;

/** The in-memory JWT id set (issue 17 Must 8): one use, expiry, bounds that refuse rather than forget, the journal. */
class JtiSetTest {
    private static byte[] id(String jti) {
        return Replays.key(Replays.ASSERTION, "client", jti);
    }

    @Test
    void anIdIsAcceptedOnceUntilItsJwtExpiresThenForgotten() {
        JtiSet set = new JtiSet(10, 10);
        assertThat(set.firstUse(id("a"), "client", 2_000, 1_000)).isEqualTo(Use.FIRST);
        assertThat(set.firstUse(id("a"), "client", 2_000, 1_500)).isEqualTo(Use.REPLAY);
        // The same jti in another kind or scope is another id.
        assertThat(set.firstUse(Replays.key(Replays.DPOP, "client", "a"), "client", 2_000, 1_500)).isEqualTo(Use.FIRST);
        assertThat(set.firstUse(Replays.key(Replays.ASSERTION, "other", "a"), "other", 2_000, 1_500)).isEqualTo(Use.FIRST);
        assertThat(set.firstUse(id("a"), "client", 2_000, 1_999)).isEqualTo(Use.REPLAY);
        // At its expiry the JWT is refused by its own times; the id goes, and its room with it.
        assertThat(set.firstUse(id("b"), "client", 5_000, 2_000)).isEqualTo(Use.FIRST);
        assertThat(set.size()).isEqualTo(1);
        assertThat(set.size("client")).isEqualTo(1);
        assertThat(set.size("other")).isZero();
    }

    @Test
    void aFullShareOrAFullSetRefusesNewIdsAndNeverForgetsLiveOnes() {
        JtiSet set = new JtiSet(5, 3);
        for (String jti : List.of("1", "2", "3")) assertThat(set.firstUse(id(jti), "greedy", 10_000, 0)).isEqualTo(Use.FIRST);
        // The client's share is full: its next new id is refused, its old ones are still replays, others are served.
        assertThat(set.firstUse(id("4"), "greedy", 10_000, 1)).isEqualTo(Use.OWNER_FULL);
        assertThat(set.firstUse(id("1"), "greedy", 10_000, 1)).isEqualTo(Use.REPLAY);
        assertThat(set.firstUse(id("x"), "polite", 10_000, 1)).isEqualTo(Use.FIRST);
        assertThat(set.firstUse(id("y"), "third", 10_000, 1)).isEqualTo(Use.FIRST);
        // The whole set is full: every new id is refused, nothing live is dropped to make room.
        assertThat(set.firstUse(id("z"), "fourth", 10_000, 2)).isEqualTo(Use.FULL);
        assertThat(set.firstUse(id("4"), "greedy", 10_000, 2)).isEqualTo(Use.OWNER_FULL);
        for (String jti : List.of("1", "2", "3")) assertThat(set.firstUse(id(jti), "greedy", 10_000, 3)).isEqualTo(Use.REPLAY);
        assertThat(set.size()).isEqualTo(5);
        // Room comes back only as ids expire.
        assertThat(set.firstUse(id("4"), "greedy", 20_000, 10_000)).isEqualTo(Use.FIRST);
        assertThat(set.size()).isEqualTo(1);
        assertThat(set.size("greedy")).isEqualTo(1);
    }

    @Test
    void idsTakenAreHandedOutOnceForTheJournalAndRestoredIdsStayReplays() {
        JtiSet set = new JtiSet(10, 10);
        set.firstUse(id("a"), "c", 5_000, 0);
        set.firstUse(id("b"), "c", 1_000, 0);
        List<JtiSet.Saved> first = set.takeNew(500);
        assertThat(first).extracting(JtiSet.Saved::until).containsExactly(5_000L, 1_000L);
        assertThat(first.get(0).id()).isEqualTo(id("a"));
        assertThat(set.takeNew(500)).isEmpty();
        // A failed write gives them back; ids expired by the next try are not written.
        set.giveBack(first);
        assertThat(set.takeNew(2_000)).extracting(JtiSet.Saved::until).containsExactly(5_000L);

        // What a restarted process reads back from the journal is refused as a replay, and is not written again.
        JtiSet restarted = new JtiSet(10, 10);
        restarted.restore(id("a"), 5_000, 2_500);
        restarted.restore(id("old"), 2_000, 2_500); // expired by now: nothing to keep
        assertThat(restarted.size()).isEqualTo(1);
        assertThat(restarted.firstUse(id("a"), "c", 5_000, 3_000)).isEqualTo(Use.REPLAY);
        assertThat(restarted.takeNew(3_000)).isEmpty();
        // Restored ids have no owner: they do not use up a client's share.
        assertThat(restarted.size("c")).isZero();
    }
}
