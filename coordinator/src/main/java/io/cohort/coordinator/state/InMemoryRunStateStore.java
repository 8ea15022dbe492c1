package io.cohort.coordinator.state;

import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.registry.RegisteredClient;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FitAggregation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link RunStateStore} in this JVM's memory: the state of a single coordinator (lost with the process; durable
 * resumption comes from checkpoints on disk) and of unit tests. Keeps the running sum by reference, so a fold costs
 * what the aggregate's fold costs. Thread-safe (one lock).
 */
public final class InMemoryRunStateStore implements RunStateStore {
  private long term;
  private Checkpoint committed;
  private final Map<Long, float[]> models = new HashMap<>();
  private OpenRound open;
  private RoundTally tally;
  private final Map<String, RegisteredClient> clients = new LinkedHashMap<>();
  private String finished;

  @Override
  public synchronized boolean claim(long newTerm) {
    if (newTerm < term) {
      return false;
    }
    term = newTerm;
    if (tally != null) {
      synchronized (tally) {
        tally.claim(newTerm);
      }
    }
    return true;
  }

  private boolean fenced(long writer) {
    if (writer < term) {
      return true;
    }
    term = writer;
    return false;
  }

  @Override
  public synchronized Optional<Checkpoint> committed() {
    return Optional.ofNullable(committed);
  }

  @Override
  public synchronized boolean commit(long writer, Checkpoint checkpoint) {
    if (fenced(writer)) {
      return false;
    }
    committed = checkpoint;
    models.put(checkpoint.header().getModelVersion(), checkpoint.parameters());
    open = null;
    tally = null;
    return true;
  }

  @Override
  public synchronized Optional<float[]> model(long version) {
    return Optional.ofNullable(models.get(version));
  }

  @Override
  public synchronized boolean openRound(long writer, OpenRound round, FitAggregation aggregation) {
    if (fenced(writer)) {
      return false;
    }
    open = round;
    tally = new RoundTally(round.round(), writer, aggregation);
    return true;
  }

  @Override
  public synchronized Optional<OpenRound> openRound() {
    return Optional.ofNullable(open);
  }

  @Override
  public FoldOutcome fold(long writer, int round, ClientUpdate update, double centredBit) {
    RoundTally current;
    synchronized (this) {
      if (writer < term) {
        return FoldOutcome.FENCED;
      }
      current = tally;
    }
    if (current == null) {
      return FoldOutcome.WRONG_ROUND;
    }
    synchronized (current) { // folds of one round run one at a time, outside the store's lock
      return current.fold(writer, round, update, centredBit);
    }
  }

  @Override
  public synchronized Optional<RoundTally> tally(int round) {
    return tally != null && tally.round() == round ? Optional.of(tally) : Optional.empty();
  }

  @Override
  public synchronized boolean saveClient(long writer, RegisteredClient client) {
    if (fenced(writer)) {
      return false;
    }
    clients.put(client.id(), client);
    return true;
  }

  @Override
  public synchronized boolean removeClient(long writer, String clientId) {
    if (fenced(writer)) {
      return false;
    }
    clients.remove(clientId);
    return true;
  }

  @Override
  public synchronized List<RegisteredClient> clients() {
    return new ArrayList<>(clients.values());
  }

  @Override
  public synchronized boolean finish(long writer, String reason) {
    if (fenced(writer)) {
      return false;
    }
    finished = reason;
    return true;
  }

  @Override
  public synchronized Optional<String> finished() {
    return Optional.ofNullable(finished);
  }

  @Override
  public void close() {}
}
