package io.cohort.coordinator.state;

import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.registry.RegisteredClient;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FitAggregation;
import java.util.List;
import java.util.Optional;

/**
 * Where a coordinator keeps the state of its run that must outlive the process driving it: the committed run (round
 * history, global model, privacy ledger: a {@link Checkpoint}), every model version, the open training round and its
 * running sum, the client registry, and whether the run is over.
 *
 * <p>Every write carries the writer's driver <em>term</em> (a single coordinator uses term 1). A write is refused
 * ({@code false}, or {@link FoldOutcome#FENCED}) when a higher term has already written or {@link #claim claimed}
 * the state: a driver that was deposed cannot change what its successor acts on. A new driver first claims, then
 * reads.
 *
 * <p>Methods block (in a cluster they are network calls): call them from worker threads, never from an event loop.
 * Implementations are thread-safe.
 */
public interface RunStateStore extends AutoCloseable {
  /**
   * Raises the fence of the run state (committed run, open round, running sum, finish mark) to {@code term}.
   *
   * @return false if a higher term already owns it (this node has been deposed)
   */
  boolean claim(long term);

  /** The last committed run state, if any round (or the run's start) was committed. */
  Optional<Checkpoint> committed();

  /**
   * Commits a completed round (or the run's start): the run state, and its model as version {@code
   * checkpoint.header().getModelVersion()}. Clears the open round.
   *
   * @return false if fenced
   */
  boolean commit(long term, Checkpoint checkpoint);

  /** Model version {@code version}'s parameters, if it was committed. */
  Optional<float[]> model(long version);

  /**
   * Records a new training round, with an empty running sum, before any client hears of it.
   *
   * @param aggregation the strategy's empty aggregate for the round
   * @return false if fenced
   */
  boolean openRound(long term, OpenRound round, FitAggregation aggregation);

  /** The round opened and not yet committed, if any. */
  Optional<OpenRound> openRound();

  /**
   * Folds one client's update into round {@code round}'s running sum, at most once per client. When this returns
   * {@link FoldOutcome#ACCEPTED} the update is durable (in a cluster: held by two members), so the client may be told.
   *
   * @param centredBit the update's adaptive-clipping bit (0 without adaptive clipping)
   * @throws IllegalArgumentException if the aggregate refuses the update (e.g. wrong length); nothing changed
   */
  FoldOutcome fold(long term, int round, ClientUpdate update, double centredBit);

  /** Round {@code round}'s running sum and who is in it; a copy in a cluster. */
  Optional<RoundTally> tally(int round);

  /** Saves (adds or replaces) a registered client. Returns false if fenced. */
  boolean saveClient(long term, RegisteredClient client);

  /** Forgets a client. Returns false if fenced. */
  boolean removeClient(long term, String clientId);

  /** Every saved client. */
  List<RegisteredClient> clients();

  /** Marks the run as over, with why. Returns false if fenced. */
  boolean finish(long term, String reason);

  /** Why the run is over, once it is. */
  Optional<String> finished();

  /** Releases local resources (not the state: in a cluster it lives on in the other members). */
  @Override
  void close();
}
