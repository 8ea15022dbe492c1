package io.cohort.simulation.partition;

/**
 * Splits the examples of a data set among simulated clients.
 *
 * <p>Contract of every implementation: the result has {@code numClients} arrays; together they hold every index in
 * {@code [0, labels.length)} exactly once (disjoint and complete); each array is sorted ascending; and the result
 * depends only on the arguments, so the same seed gives the same partition.
 */
public interface Partitioner {
  /**
   * Assigns each example to one client.
   *
   * @param labels class of each example, non-negative
   * @param numClients number of clients, at least 1 and at most {@code labels.length}
   * @param seed seed of all randomness used
   * @return {@code result[c]} = indices of client {@code c}'s examples, ascending
   * @throws IllegalArgumentException if the arguments make the partition impossible; the message says why and what
   *     to change
   */
  int[][] partition(int[] labels, int numClients, long seed);

  /** The canonical specification, accepted by {@link Partitioners#parse(String)}, e.g. {@code "dirichlet:0.5"}. */
  String spec();
}
