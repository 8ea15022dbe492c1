package io.cohort.simulation.partition;

import java.util.SplittableRandom;

/**
 * The pathological non-IID split of McMahan et al. 2017 ("Communication-Efficient Learning of Deep Networks from
 * Decentralized Data"): sort the examples by label, cut them into {@code numClients * shardsPerClient} shards of
 * near-equal size, and give each client {@code shardsPerClient} shards chosen at random.
 *
 * <p>A shard holds one label unless it straddles a class boundary, so a client sees at most
 * {@code shardsPerClient} labels when every class size is a multiple of the shard size (as for MNIST's 60,000
 * examples in 200 shards of 300), and at most {@code 2 * shardsPerClient} in general. Within a label, the order of
 * examples is shuffled by the seed, so the seed decides which examples share a shard.
 */
public final class ShardPartitioner implements Partitioner {
  private final int shardsPerClient;

  /**
   * Creates the partitioner.
   *
   * @param shardsPerClient shards per client, at least 1 (McMahan et al. used 2)
   * @throws IllegalArgumentException if {@code shardsPerClient < 1}
   */
  public ShardPartitioner(int shardsPerClient) {
    if (shardsPerClient < 1) {
      throw new IllegalArgumentException("shards per client must be >= 1, got " + shardsPerClient
          + "; e.g. shards:2 as in McMahan et al. 2017");
    }
    this.shardsPerClient = shardsPerClient;
  }

  /** Shards per client. */
  public int shardsPerClient() {
    return shardsPerClient;
  }

  @Override
  public int[][] partition(int[] labels, int numClients, long seed) {
    int numClasses = PartitionSupport.validate(labels, numClients);
    int n = labels.length;
    long shards = (long) numClients * shardsPerClient;
    if (shards > n) {
      throw new IllegalArgumentException(numClients + " clients with " + shardsPerClient + " shards each need "
          + shards + " shards, more than the " + n + " examples; use fewer clients or fewer shards per client");
    }
    SplittableRandom rng = new SplittableRandom(seed);
    // Sort by label, ties in random order.
    int[][] byClass = PartitionSupport.indicesByClass(labels, numClasses);
    int[] sorted = new int[n];
    int at = 0;
    for (int[] members : byClass) {
      PartitionSupport.shuffle(members, rng);
      System.arraycopy(members, 0, sorted, at, members.length);
      at += members.length;
    }
    int s = (int) shards;
    int[] shardOrder = PartitionSupport.shuffledRange(s, rng);
    int[][] clients = new int[numClients][];
    for (int c = 0; c < numClients; c++) {
      int size = 0;
      for (int j = 0; j < shardsPerClient; j++) {
        int shard = shardOrder[c * shardsPerClient + j];
        size += shardEnd(shard, n, s) - shardEnd(shard - 1, n, s);
      }
      int[] mine = new int[size];
      int fill = 0;
      for (int j = 0; j < shardsPerClient; j++) {
        int shard = shardOrder[c * shardsPerClient + j];
        int from = shardEnd(shard - 1, n, s);
        int to = shardEnd(shard, n, s);
        System.arraycopy(sorted, from, mine, fill, to - from);
        fill += to - from;
      }
      clients[c] = mine;
    }
    return PartitionSupport.sorted(clients);
  }

  /** Exclusive end of shard {@code shard} ({@code 0} for shard {@code -1}). */
  private static int shardEnd(int shard, int n, int shards) {
    return (int) ((long) (shard + 1) * n / shards);
  }

  @Override
  public String spec() {
    return "shards:" + shardsPerClient;
  }

  @Override
  public String toString() {
    return spec();
  }
}
