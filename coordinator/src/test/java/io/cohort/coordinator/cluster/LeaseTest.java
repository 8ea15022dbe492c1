package io.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.EntryProcessor;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The lease's entry processors, run on a plain map entry as Hazelcast runs them on the owner. */
class LeaseTest {
  private static Map.Entry<String, Lease> entry(Lease value) {
    return new AbstractMap.SimpleEntry<>(DriverElection.KEY, value);
  }

  @Test
  void acquire_onAbsentEntry_grantsTermOne() {
    Map.Entry<String, Lease> e = entry(null);
    assertThat(new Lease.Acquire("a", -1, -1, 1).process(e)).isEqualTo(new Lease("a", 1, 0));
    assertThat(e.getValue()).isEqualTo(new Lease("a", 1, 0));
  }

  @Test
  void acquire_onLeaseHeldByAnother_changesNothing() {
    Map.Entry<String, Lease> e = entry(new Lease("a", 3, 7));
    assertThat(new Lease.Acquire("b", -1, -1, 1).process(e)).isEqualTo(new Lease("a", 3, 7));
    // the holder renewed since b looked: b's expectation is stale, so no takeover
    assertThat(new Lease.Acquire("b", 3, 6, 1).process(e)).isEqualTo(new Lease("a", 3, 7));
    assertThat(e.getValue()).isEqualTo(new Lease("a", 3, 7));
  }

  @Test
  void acquire_onUnrenewedLeaseAsExpected_takesOverWithNextTerm() {
    Map.Entry<String, Lease> e = entry(new Lease("a", 3, 7));
    assertThat(new Lease.Acquire("b", 3, 7, 1).process(e)).isEqualTo(new Lease("b", 4, 0));
  }

  @Test
  void acquire_byMemberTheLeaseStillNames_waitsLikeAnyOther() {
    // A member that stepped down (or was paused) must not re-grant itself its stale lease on sight.
    Map.Entry<String, Lease> e = entry(new Lease("a", 3, 7));
    assertThat(new Lease.Acquire("a", -1, -1, 1).process(e)).isEqualTo(new Lease("a", 3, 7));
    assertThat(new Lease.Acquire("a", 3, 7, 1).process(e)).isEqualTo(new Lease("a", 4, 0));
  }

  @Test
  void acquire_onReleasedLease_grantsNextTermAtOnce() {
    Map.Entry<String, Lease> e = entry(new Lease(null, 5, 9));
    assertThat(new Lease.Acquire("b", -1, -1, 1).process(e)).isEqualTo(new Lease("b", 6, 0));
  }

  @Test
  void acquire_afterEntryLost_usesCallersTermFloor() {
    Map.Entry<String, Lease> e = entry(null);
    assertThat(new Lease.Acquire("b", -1, -1, 42).process(e).term()).isEqualTo(42);
  }

  @Test
  void renew_byHolderWithItsTerm_bumpsCounter_otherwiseChangesNothing() {
    Map.Entry<String, Lease> e = entry(new Lease("a", 3, 7));
    assertThat(new Lease.Renew("a", 3).process(e)).isEqualTo(new Lease("a", 3, 8));
    assertThat(new Lease.Renew("a", 2).process(e)).isEqualTo(new Lease("a", 3, 8));
    assertThat(new Lease.Renew("b", 3).process(e)).isEqualTo(new Lease("a", 3, 8));
  }

  @Test
  void renew_afterTheLatestWriteWasLost_writesTheHoldersLeaseBack_butNeverOverAHigherTerm() {
    // The entry is gone, or an older copy (term 2, another holder) was promoted when a member died.
    assertThat(new Lease.Renew("a", 3).process(entry(null))).isEqualTo(new Lease("a", 3, 1));
    Map.Entry<String, Lease> rolledBack = entry(new Lease("b", 2, 9));
    assertThat(new Lease.Renew("a", 3).process(rolledBack)).isEqualTo(new Lease("a", 3, 10));
    Map.Entry<String, Lease> newer = entry(new Lease("b", 4, 0));
    assertThat(new Lease.Renew("a", 3).process(newer)).isEqualTo(new Lease("b", 4, 0));
  }

  @Test
  void release_byHolder_keepsTerm_byStaleHolder_changesNothing() {
    Map.Entry<String, Lease> e = entry(new Lease("a", 3, 7));
    assertThat(new Lease.Release("a", 2).process(e)).isEqualTo(new Lease("a", 3, 7));
    assertThat(new Lease.Release("b", 3).process(e)).isEqualTo(new Lease("a", 3, 7));
    assertThat(new Lease.Release("a", 3).process(e)).isEqualTo(new Lease(null, 3, 8));
  }

  /** Whatever members ask in whatever order, the stored term never falls and every grant raises it. */
  @Property(tries = 300)
  void anyOperationSequence_termsNeverFall_grantsStrictlyIncrease(
      @ForAll("operations") @Size(max = 40) List<EntryProcessor<String, Lease, Lease>> operations) {
    Map.Entry<String, Lease> e = entry(null);
    long term = 0;
    String holder = null;
    for (EntryProcessor<String, Lease, Lease> op : operations) {
      Lease after = op.process(e);
      assertThat(after).isEqualTo(e.getValue());
      long now = after == null ? 0 : after.term();
      assertThat(now).isGreaterThanOrEqualTo(term);
      if (after != null && after.holder() != null && !after.holder().equals(holder)) {
        assertThat(now).as("a new holder gets a new term").isGreaterThan(term);
      }
      if (op instanceof Lease.Acquire && after != null && now > term) {
        assertThat(after.renewals()).isZero();
      }
      term = now;
      holder = after == null ? null : after.holder();
    }
  }

  @Provide
  Arbitrary<List<EntryProcessor<String, Lease, Lease>>> operations() {
    Arbitrary<String> member = Arbitraries.of("a", "b", "c");
    Arbitrary<Long> small = Arbitraries.longs().between(-1, 5);
    Arbitrary<EntryProcessor<String, Lease, Lease>> acquire = Combinators.combine(member, small, small, small)
        .as((m, t, r, min) -> new Lease.Acquire(m, t, r, min));
    Arbitrary<EntryProcessor<String, Lease, Lease>> renew = Combinators.combine(member, small).as(Lease.Renew::new);
    Arbitrary<EntryProcessor<String, Lease, Lease>> release =
        Combinators.combine(member, small).as(Lease.Release::new);
    return Arbitraries.oneOf(acquire, renew, release).list();
  }
}
