package io.cohort.coordinator.cluster;

import com.hazelcast.map.EntryProcessor;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * The driver lease as stored in the election map: who holds it ({@code null} once released), under which term, and
 * a counter that every renewal bumps so that other members see the holder is alive without comparing clocks.
 *
 * <p>Every change goes through one of the entry processors below, which Hazelcast runs atomically on the entry's
 * partition owner; the term only ever grows, by exactly one per grant (or jumps to a caller's floor if the entry
 * was lost), so terms are fencing tokens.
 */
record Lease(String holder, long term, long renewals) implements Serializable {
  private static final long serialVersionUID = 1L;

  boolean heldBy(String member) {
    return member.equals(holder);
  }

  /**
   * Grants the lease to {@code candidate} under a new term if it is free: absent, released, or exactly the lease the
   * candidate watched go unrenewed for a whole lease period ({@code expectedTerm}, {@code expectedRenewals}; a lease
   * still naming the candidate itself is no exception). Returns the lease as it is afterwards.
   */
  record Acquire(String candidate, long expectedTerm, long expectedRenewals, long minTerm)
      implements EntryProcessor<String, Lease, Lease> {
    private static final long serialVersionUID = 1L;

    Acquire {
      Objects.requireNonNull(candidate, "candidate");
    }

    @Override
    public Lease process(Map.Entry<String, Lease> entry) {
      Lease current = entry.getValue();
      boolean free = current == null || current.holder() == null
          || (current.term() == expectedTerm && current.renewals() == expectedRenewals);
      if (!free) {
        return current;
      }
      long previous = current == null ? 0 : current.term();
      Lease granted = new Lease(candidate, Math.max(previous + 1, minTerm), 0);
      entry.setValue(granted);
      return granted;
    }
  }

  /**
   * Renews the lease if {@code holder} still holds it under {@code term}. If the entry is gone or carries a lower
   * term, the latest write was lost (a member died before its partitions were re-replicated, and an older copy was
   * promoted): no one can have been granted a term of ours or above without it being stored, so the holder writes
   * its lease back instead of stepping down. A higher stored term is never overwritten. Returns the lease as it is
   * afterwards.
   */
  record Renew(String holder, long term) implements EntryProcessor<String, Lease, Lease> {
    private static final long serialVersionUID = 1L;

    @Override
    public Lease process(Map.Entry<String, Lease> entry) {
      Lease current = entry.getValue();
      if (term >= 1 && (current == null || current.term() < term)) {
        Lease restored = new Lease(holder, term, current == null ? 1 : current.renewals() + 1);
        entry.setValue(restored);
        return restored;
      }
      return advanceIfHeld(entry, holder, term, holder);
    }
  }

  /** Releases the lease if {@code holder} still holds it under {@code term}; the term is kept for the next grant. */
  record Release(String holder, long term) implements EntryProcessor<String, Lease, Lease> {
    private static final long serialVersionUID = 1L;

    @Override
    public Lease process(Map.Entry<String, Lease> entry) {
      return advanceIfHeld(entry, holder, term, null);
    }
  }

  /**
   * If {@code holder} still holds the entry's lease under {@code term}, replaces it with one held by {@code next}
   * (the same holder to renew, null to release) under the same term and one more renewal; returns the lease after.
   */
  private static Lease advanceIfHeld(Map.Entry<String, Lease> entry, String holder, long term, String next) {
    Lease current = entry.getValue();
    if (current == null || !current.heldBy(holder) || current.term() != term) {
      return current;
    }
    Lease advanced = new Lease(next, term, current.renewals() + 1);
    entry.setValue(advanced);
    return advanced;
  }
}
