package io.cohort.coordinator.state;

import io.cohort.coordinator.cluster.Termed;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FitAggregation;
import java.io.Serializable;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The running sum of one training round and who is in it: the strategy's {@link FitAggregation} (which must be
 * {@link Serializable} to live in a cluster), the clients whose updates it holds, and the sum of their
 * adaptive-clipping bits. Each client is folded at most once. Not thread-safe: the store serialises access. A tally
 * held by a cluster needs an aggregate that is itself {@link Serializable}.
 */
public final class RoundTally implements Serializable, Termed {
  private static final long serialVersionUID = 1L;

  private final int round;
  private long term;
  private final FitAggregation aggregation;
  private final LinkedHashSet<String> accepted = new LinkedHashSet<>();
  private double centredBitSum;

  /** An empty tally of {@code round} opened under {@code term}. */
  public RoundTally(int round, long term, FitAggregation aggregation) {
    this.round = round;
    this.term = term;
    this.aggregation = aggregation;
  }

  /** The round number. */
  public int round() {
    return round;
  }

  /** The term of the driver that owns this tally. */
  @Override
  public long term() {
    return term;
  }

  /** The running aggregate (read it only after the round's last fold). */
  public FitAggregation aggregation() {
    return aggregation;
  }

  /** The clients folded in, in arrival order. */
  public Set<String> accepted() {
    return java.util.Collections.unmodifiableSet(accepted);
  }

  /** Sum of the folded updates' centred bits (adaptive clipping; 0 without it). */
  public double centredBitSum() {
    return centredBitSum;
  }

  /** Raises the owner's term; false (and no change) if {@code newTerm} is below the current one. */
  boolean claim(long newTerm) {
    if (newTerm < term) {
      return false;
    }
    term = newTerm;
    return true;
  }

  /** Folds one update unless fenced, of another round, or a duplicate. */
  FoldOutcome fold(long writerTerm, int writerRound, ClientUpdate update, double centredBit) {
    if (writerTerm < term) {
      return FoldOutcome.FENCED;
    }
    if (writerRound != round) {
      return FoldOutcome.WRONG_ROUND;
    }
    if (accepted.contains(update.clientId())) {
      return FoldOutcome.DUPLICATE;
    }
    aggregation.fold(update); // throws on a wrong-shape update, before the client counts as accepted
    accepted.add(update.clientId());
    centredBitSum += centredBit;
    return FoldOutcome.ACCEPTED;
  }
}
