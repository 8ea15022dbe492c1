package io.cohort.simulation;

import io.cohort.client.LocalDataset;
import io.cohort.simulation.data.LabeledImages;
import io.cohort.simulation.partition.IidPartitioner;
import io.cohort.simulation.partition.Partitioners;

/**
 * How a data set is dealt out to clients: the training set by the chosen partitioner, and an IID share of the test set
 * as each client's held-out data for federated evaluation. The same split serves the in-process simulation and the
 * separate {@code cohort client} processes, so a client process with shard {@code i/n} holds what simulated client
 * {@code i} of {@code n} would.
 */
public final class ClientShards {
  private final LocalDataset train;
  private final LocalDataset test;
  private final int[][] trainParts;
  private final int[][] heldOutParts;

  private ClientShards(LocalDataset train, LocalDataset test, int[][] trainParts, int[][] heldOutParts) {
    this.train = train;
    this.test = test;
    this.trainParts = trainParts;
    this.heldOutParts = heldOutParts;
  }

  /**
   * Splits {@code train} by {@code partition} ({@code iid}, {@code dirichlet:ALPHA}, {@code shards:K}, {@code labels:K}) and {@code test}
   * IID among {@code clients} clients.
   *
   * @throws IllegalArgumentException for a bad partition spec, or more clients than the data can serve
   */
  public static ClientShards split(LabeledImages train, LabeledImages test, String partition, int clients,
      long seed) {
    if (clients > test.size()) {
      throw new IllegalArgumentException(clients + " clients need at least one held-out (test) example each, but"
          + " there are only " + test.size() + " test examples; use fewer clients or more test data");
    }
    int[][] trainParts = Partitioners.parse(partition).partition(train.labels(), clients, seed);
    int[][] heldOutParts = new IidPartitioner().partition(test.labels(), clients, seed + 1);
    return new ClientShards(train.toLocalDataset(), test.toLocalDataset(), trainParts, heldOutParts);
  }

  /** Client {@code i}'s training examples (a view over the shared arrays). */
  public LocalDataset train(int client) {
    return train.select(trainParts[client]);
  }

  /** Client {@code i}'s held-out examples (a view over the shared arrays). */
  public LocalDataset heldOut(int client) {
    return test.select(heldOutParts[client]);
  }

  /** Each client's training-example indices. */
  public int[][] trainParts() {
    return trainParts;
  }
}
