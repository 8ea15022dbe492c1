package io.cohort.simulation.partition;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Independent, identically distributed split: shuffles all examples and cuts them into {@code numClients} runs whose
 * sizes differ by at most one. Each client's label mix then follows the data set's, up to sampling noise.
 */
public final class IidPartitioner implements Partitioner {
  /** Creates the partitioner; it has no parameters. */
  public IidPartitioner() {}

  @Override
  public int[][] partition(int[] labels, int numClients, long seed) {
    PartitionSupport.validate(labels, numClients);
    int n = labels.length;
    int[] order = PartitionSupport.shuffledRange(n, new SplittableRandom(seed));
    int[][] clients = new int[numClients][];
    for (int c = 0; c < numClients; c++) {
      int from = (int) ((long) c * n / numClients);
      int to = (int) ((long) (c + 1) * n / numClients);
      clients[c] = Arrays.copyOfRange(order, from, to);
    }
    return PartitionSupport.sorted(clients);
  }

  @Override
  public String spec() {
    return "iid";
  }

  @Override
  public String toString() {
    return spec();
  }
}
