package io.cohort.coordinator.state;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.google.protobuf.InvalidProtocolBufferException;
import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.cluster.FencedMap;
import io.cohort.coordinator.registry.RegisteredClient;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FitAggregation;
import io.cohort.protocol.v1.CheckpointHeader;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link RunStateStore} in the coordinator cluster's Hazelcast maps, so that any member can take over the run.
 *
 * <p><b>Layout.</b> The committed run, the open round and the finish mark are entries of the fenced map {@code run};
 * model versions are entries of the fenced map {@code models} (every version is kept); clients of {@code clients}
 * ({@link FencedMap}: each write carries the term and a lower term never overwrites a higher one). The running sum
 * of the open round is one entry of {@code cohort.tally} (keyed by round number, stored as objects, one synchronous
 * backup), changed only by entry processors that check the term and the round, so a fold is applied atomically on
 * the entry's owner and its backup before {@link #fold} returns, and each client at most once.
 *
 * <p><b>Guarantees.</b> An update acknowledged after {@link FoldOutcome#ACCEPTED} survives the loss of any one member
 * (the owner or the backup of its entry) once the cluster is safe: right after a member joins or leaves, Hazelcast
 * migrates partitions for a moment, and an entry whose backup has not been placed yet lives on one member only. A driver that has been deposed and {@link #claim claimed} against cannot
 * fold into the sum, commit a round or open one. Per member, the tally costs one aggregate (O(model size)) for the
 * entries it owns or backs up. <b>Not</b> provided: atomicity across maps (a commit writes the model version, then
 * the run; a crash in between leaves an unreferenced version that the next commit of that version overwrites),
 * survival of the loss of two members at once for the tally, and one double fault: a fold whose backup does not
 * confirm within Hazelcast's backup timeout (5 s; the backup member cut off or paused) still returns, and if the owner
 * then dies before the backup has caught up, that update is lost. ({@code
 * hazelcast.operation.fail.on.indeterminate.state} would turn that into an error, but it applies to the driver
 * lease's renewals too, which then fail while a dead member's backups are outstanding; it is left off. One run of
 * {@code CoordinatorClusterIT} with it on saw the surviving driver step down when a bystander was killed, but that test
 * also failed once without it on a heavily loaded machine, so the evidence is thin.)
 */
public final class HazelcastRunStateStore implements RunStateStore {
  /** The Hazelcast map of running sums (configured by the cluster with object format and one backup). */
  public static final String TALLY_MAP = "cohort.tally";
  private static final String COMMITTED = "committed";
  private static final String OPEN = "open";
  private static final String FINISHED = "finished";

  private final FencedMap<String, Object> run;
  private final FencedMap<Long, float[]> models;
  private final FencedMap<String, RegisteredClient> clients;
  private final IMap<Integer, RoundTally> tallies;

  /**
   * The committed run as the cluster stores it: the encoded header only. Its model is the version the header names,
   * in the models map, written before the header, so the model is held once, not twice.
   */
  record CommittedRun(byte[] header) implements Serializable {
    private static final long serialVersionUID = 2L;
  }

  /** The store in {@code hazelcast}'s maps. */
  public HazelcastRunStateStore(HazelcastInstance hazelcast) {
    this.run = FencedMap.of(hazelcast, "run");
    this.models = FencedMap.of(hazelcast, "models");
    this.clients = FencedMap.of(hazelcast, "clients");
    this.tallies = hazelcast.getMap(TALLY_MAP);
  }

  @Override
  public boolean claim(long term) {
    boolean ok = run.claim(COMMITTED, term) & run.claim(OPEN, term) & run.claim(FINISHED, term);
    Optional<OpenRound> open = openRound();
    if (open.isPresent()) {
      Boolean claimed = tallies.executeOnKey(open.get().round(), new Claim(term));
      ok &= claimed == null || claimed;
    }
    if (ok) {
      // A driver that died between committing a round and dropping its sum left the sum behind: drop it now.
      for (Integer round : tallies.keySet()) {
        if (open.isEmpty() || round != open.get().round()) {
          tallies.executeOnKey(round, new Drop(term));
        }
      }
    }
    return ok;
  }

  @Override
  public Optional<Checkpoint> committed() {
    return run.get(COMMITTED).map(v -> {
      CommittedRun c = (CommittedRun) v;
      try {
        CheckpointHeader header = CheckpointHeader.parseFrom(c.header());
        float[] parameters = models.get(header.getModelVersion()).orElseThrow(() -> new IllegalStateException(
            "the cluster's committed run names model version " + header.getModelVersion() + ", which is missing"));
        return new Checkpoint(header, parameters);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("the cluster's committed run state does not parse: " + e.getMessage(), e);
      }
    });
  }

  @Override
  public boolean commit(long term, Checkpoint checkpoint) {
    Optional<OpenRound> open = openRound();
    if (!models.put(checkpoint.header().getModelVersion(), checkpoint.parameters(), term)) {
      return false;
    }
    if (!run.put(COMMITTED, new CommittedRun(checkpoint.header().toByteArray()), term)) {
      return false;
    }
    boolean cleared = run.remove(OPEN, term);
    open.ifPresent(o -> tallies.executeOnKey(o.round(), new Drop(term)));
    return cleared;
  }

  @Override
  public Optional<float[]> model(long version) {
    return models.get(version);
  }

  @Override
  public boolean openRound(long term, OpenRound round, FitAggregation aggregation) {
    requireSerializable(aggregation);
    Boolean opened = tallies.executeOnKey(round.round(), new Open(term, aggregation));
    return Boolean.TRUE.equals(opened) && run.put(OPEN, round, term);
  }

  @Override
  public Optional<OpenRound> openRound() {
    return run.get(OPEN).map(OpenRound.class::cast);
  }

  @Override
  public FoldOutcome fold(long term, int round, ClientUpdate update, double centredBit) {
    FoldOutcome outcome = tallies.executeOnKey(round, new Fold(term, round, update, centredBit));
    return outcome == null ? FoldOutcome.WRONG_ROUND : outcome;
  }

  @Override
  public Optional<RoundTally> tally(int round) {
    return Optional.ofNullable(tallies.get(round));
  }

  @Override
  public boolean saveClient(long term, RegisteredClient client) {
    return clients.put(client.id(), client, term);
  }

  @Override
  public boolean removeClient(long term, String clientId) {
    return clients.remove(clientId, term);
  }

  @Override
  public List<RegisteredClient> clients() {
    return clients.values();
  }

  @Override
  public boolean finish(long term, String reason) {
    return run.put(FINISHED, reason, term);
  }

  @Override
  public Optional<String> finished() {
    return run.get(FINISHED).map(String.class::cast);
  }

  /**
   * Checks that a strategy's aggregate can live in the cluster.
   *
   * @throws IllegalArgumentException if it is not {@link Serializable}
   */
  public static void requireSerializable(FitAggregation aggregation) {
    if (!(aggregation instanceof Serializable)) {
      throw new IllegalArgumentException(aggregation.getClass().getName() + " is not Serializable: in a coordinator "
          + "cluster a round's running aggregate must be, so that another node can continue the round; make the "
          + "strategy's FitAggregation Serializable or run a single coordinator");
    }
  }

  /** Nothing local to release: the state lives on in the cluster. */
  @Override
  public void close() {}

  /** Starts a round's tally unless a higher term owns the key. */
  record Open(long term, FitAggregation aggregation) implements EntryProcessor<Integer, RoundTally, Boolean> {
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<Integer, RoundTally> entry) {
      RoundTally current = entry.getValue();
      if (current != null && current.term() > term) {
        return false;
      }
      entry.setValue(new RoundTally(entry.getKey(), term, aggregation));
      return true;
    }
  }

  /** Folds one update (see {@link RoundTally}); leaves the entry unchanged unless accepted. */
  record Fold(long term, int round, ClientUpdate update, double centredBit)
      implements EntryProcessor<Integer, RoundTally, FoldOutcome> {
    private static final long serialVersionUID = 1L;

    @Override
    public FoldOutcome process(Map.Entry<Integer, RoundTally> entry) {
      RoundTally tally = entry.getValue();
      if (tally == null) {
        return FoldOutcome.WRONG_ROUND;
      }
      FoldOutcome outcome = tally.fold(term, round, update, centredBit);
      if (outcome == FoldOutcome.ACCEPTED) {
        entry.setValue(tally);
      }
      return outcome;
    }
  }

  /** Raises a tally's term; null when there is no tally. */
  record Claim(long term) implements EntryProcessor<Integer, RoundTally, Boolean> {
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<Integer, RoundTally> entry) {
      RoundTally tally = entry.getValue();
      if (tally == null) {
        return null;
      }
      boolean ok = tally.claim(term);
      if (ok) {
        entry.setValue(tally);
      }
      return ok;
    }
  }

  /** Removes a committed round's tally unless a higher term owns it. */
  record Drop(long term) implements EntryProcessor<Integer, RoundTally, Boolean> {
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<Integer, RoundTally> entry) {
      RoundTally tally = entry.getValue();
      if (tally == null || tally.term() > term) {
        return false;
      }
      entry.setValue(null);
      return true;
    }
  }
}
