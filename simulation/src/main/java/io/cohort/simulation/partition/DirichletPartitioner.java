package io.cohort.simulation.partition;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Label-skewed split by Dirichlet proportions, as in Hsu, Qi and Brown 2019 ("Measuring the Effects of Non-Identical
 * Data Distribution for Federated Visual Classification") and NIID-Bench (Li et al. 2022, {@code partition.py},
 * {@code noniid-labeldir}).
 *
 * <p>For each class, its examples are shuffled and split among the clients in proportions drawn from
 * {@code Dirichlet(alpha, ..., alpha)}; clients that already hold {@code N / numClients} examples or more get no
 * share of later classes (NIID-Bench's balancing step). If some client ends up with fewer than {@code minSize}
 * examples the whole draw is repeated, as NIID-Bench's {@code min_require_size} loop does, but at most
 * {@code maxAttempts} times. Small {@code alpha} (0.1) gives clients few dominant labels; large {@code alpha} (100)
 * approaches an IID split.
 *
 * <p>The minimum can be out of reach: with 1,000 clients and alpha 0.1 on Fashion-MNIST's 60,000 examples, almost
 * every draw leaves some client with no examples at all (NIID-Bench's unbounded loop would never end). Such
 * combinations fail after {@code maxAttempts} with a message giving the best minimum seen.
 */
public final class DirichletPartitioner implements Partitioner {
  /** NIID-Bench's {@code min_require_size}. */
  public static final int DEFAULT_MIN_SIZE = 10;
  /** Draws tried before giving up. */
  public static final int DEFAULT_MAX_ATTEMPTS = 1000;

  private final double alpha;
  private final int minSize;
  private final int maxAttempts;

  /** A partitioner with the default minimum client size and attempt limit. */
  public DirichletPartitioner(double alpha) {
    this(alpha, DEFAULT_MIN_SIZE, DEFAULT_MAX_ATTEMPTS);
  }

  /**
   * Creates the partitioner.
   *
   * @param alpha concentration, finite and {@code > 0}
   * @param minSize fewest examples any client may get, {@code >= 0}
   * @param maxAttempts draws to try, {@code >= 1}
   * @throws IllegalArgumentException if a parameter is out of range
   */
  public DirichletPartitioner(double alpha, int minSize, int maxAttempts) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("dirichlet alpha must be a finite number > 0, got " + alpha
          + "; e.g. dirichlet:0.5 (smaller is more skewed)");
    }
    if (minSize < 0) {
      throw new IllegalArgumentException("dirichlet minimum client size must be >= 0, got " + minSize);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("dirichlet maxAttempts must be >= 1, got " + maxAttempts);
    }
    this.alpha = alpha;
    this.minSize = minSize;
    this.maxAttempts = maxAttempts;
  }

  /** The concentration parameter. */
  public double alpha() {
    return alpha;
  }

  /** The fewest examples any client may get. */
  public int minSize() {
    return minSize;
  }

  @Override
  public int[][] partition(int[] labels, int numClients, long seed) {
    int numClasses = PartitionSupport.validate(labels, numClients);
    int n = labels.length;
    if ((long) numClients * minSize > n) {
      throw new IllegalArgumentException(numClients + " clients with at least " + minSize + " examples each need "
          + (long) numClients * minSize + " examples, but there are " + n
          + "; use fewer clients or a smaller minimum (dirichlet:" + alpha + ":<min>)");
    }
    SplittableRandom rng = new SplittableRandom(seed);
    int[][] byClass = PartitionSupport.indicesByClass(labels, numClasses);
    int[] owner = new int[n];
    int[] sizes = new int[numClients];
    int bestSmallest = 0;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      draw(byClass, numClients, n, rng, owner, sizes);
      int smallest = Integer.MAX_VALUE;
      for (int size : sizes) {
        smallest = Math.min(smallest, size);
      }
      if (smallest >= minSize) {
        return collect(owner, sizes);
      }
      bestSmallest = Math.max(bestSmallest, smallest);
    }
    throw new IllegalArgumentException("dirichlet:" + alpha + " could not give each of " + numClients
        + " clients at least " + minSize + " of the " + n + " examples in " + maxAttempts
        + " attempts (the best draw left its smallest client " + bestSmallest + " examples); raise alpha, use fewer"
        + " clients, or lower the minimum, e.g. dirichlet:" + alpha + ":" + bestSmallest);
  }

  /** One NIID-Bench draw: fills {@code owner} (client of each example) and {@code sizes}. */
  private void draw(int[][] byClass, int numClients, int n, SplittableRandom rng, int[] owner, int[] sizes) {
    Arrays.fill(sizes, 0);
    double cap = (double) n / numClients;
    double[] weights = new double[numClients];
    for (int[] members : byClass) {
      if (members.length == 0) {
        continue;
      }
      int[] idx = members.clone();
      PartitionSupport.shuffle(idx, rng);
      double[] logs = GammaSampler.logDirichlet(alpha, numClients, rng);
      double max = Double.NEGATIVE_INFINITY;
      int best = -1;
      for (int j = 0; j < numClients; j++) {
        if (sizes[j] < cap && logs[j] > max) {
          max = logs[j];
          best = j;
        }
      }
      if (best < 0) { // impossible: the clients below the cap hold fewer than n examples in total
        throw new IllegalStateException("every client is at the size cap before all classes were assigned");
      }
      double sum = 0; // >= 1: the best client's weight is exp(0)
      for (int j = 0; j < numClients; j++) {
        weights[j] = sizes[j] < cap ? Math.exp(logs[j] - max) : 0.0;
        sum += weights[j];
      }
      // cut points: floor(cumsum(p) * len), the last one dropped (it is len up to rounding)
      int from = 0;
      double cumulative = 0;
      for (int j = 0; j < numClients; j++) {
        int to;
        if (j == numClients - 1) {
          to = idx.length;
        } else {
          cumulative += weights[j];
          to = Math.max(from, Math.min(idx.length, (int) (cumulative / sum * idx.length)));
        }
        for (int i = from; i < to; i++) {
          owner[idx[i]] = j;
        }
        sizes[j] += to - from;
        from = to;
      }
    }
  }

  private static int[][] collect(int[] owner, int[] sizes) {
    int[][] clients = new int[sizes.length][];
    for (int c = 0; c < sizes.length; c++) {
      clients[c] = new int[sizes[c]];
    }
    int[] fill = new int[sizes.length];
    for (int i = 0; i < owner.length; i++) {
      clients[owner[i]][fill[owner[i]]++] = i;
    }
    return clients; // filled in ascending index order
  }

  @Override
  public String spec() {
    return "dirichlet:" + alpha + (minSize == DEFAULT_MIN_SIZE ? "" : ":" + minSize);
  }

  @Override
  public String toString() {
    return spec();
  }
}
