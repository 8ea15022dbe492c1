package io.cohort.simulation.bench;

import io.cohort.coordinator.round.MaskedSum;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FedAvg;
import io.cohort.coordinator.strategy.FitAggregation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * How fast the coordinator folds updates into a round's running sum, against how fast the same JVM merely reads the
 * same bytes. N distinct update vectors of D elements are made up front (so that, once N x D x 4 bytes outgrow the
 * caches, every pass reads memory, as a coordinator folding fresh uploads does); each repeat then times, one after
 * the other (in alternating order), a plain read of all of them and their fold through the coordinator's own code:
 *
 * <ul>
 *   <li>{@link Mode#FEDAVG}: {@code FedAvg}'s {@link FitAggregation} (the example-weighted sum of float32 deltas in a
 *       double accumulator) for a fresh round;
 *   <li>{@link Mode#MASKED}: {@link MaskedSum} (a secure round's int32 sum modulo 2^32) into a fresh sum.
 * </ul>
 *
 * <p>Throughput is update bytes (N x D x 4) per second. The ratio of a repeat is the read's time over the fold's;
 * the figures reported are the medians over the repeats, so a noisy neighbour on a shared machine moves both sides of
 * a ratio together more than it moves the ratio. The read ({@link #readAll(float[][])}) is the fastest plain-Java
 * read found here: four streams at once into an L1-resident accumulator.
 */
public final class AggregationBench {
  /** Which fold to time. */
  public enum Mode {
    FEDAVG, MASKED;

    /** The CLI name. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One timed repeat: the read's and the fold's seconds. */
  public record Repeat(int index, double readSeconds, double foldSeconds) {
    /** read time over fold time: 1.0 means the fold runs at the speed of reading the bytes. */
    public double ratio() {
      return readSeconds / foldSeconds;
    }
  }

  /** The outcome of one mode. */
  public record Result(Mode mode, int clients, int params, List<Repeat> repeats) {
    /** Bytes of updates folded (and read) per repeat. */
    public double bytes() {
      return 4.0 * clients * params;
    }

    /** Median fold throughput, GB/s (10^9 bytes). */
    public double foldGbPerSecond() {
      return bytes() / 1e9 / median(repeats.stream().mapToDouble(Repeat::foldSeconds).toArray());
    }

    /** Median read throughput, GB/s. */
    public double readGbPerSecond() {
      return bytes() / 1e9 / median(repeats.stream().mapToDouble(Repeat::readSeconds).toArray());
    }

    /** Median of the per-repeat ratios. */
    public double ratioToMemoryRead() {
      return median(repeats.stream().mapToDouble(Repeat::ratio).toArray());
    }
  }

  /** Elements per block of the memory read: 4 KB of accumulator, well inside the L1 cache. */
  static final int BLOCK = 1024;

  private final int clients;
  private final int params;
  private final int warmups;
  private final int repeats;
  private final long seed;
  private double sink; // keeps the JIT from dropping work whose result nothing reads

  /**
   * @param clients updates per round, at least 1
   * @param params elements per update, at least 1
   * @param warmups untimed repeats first (JIT compilation), at least 0
   * @param repeats timed repeats, at least 1
   * @param seed of the update values
   */
  public AggregationBench(int clients, int params, int warmups, int repeats, long seed) {
    if (clients < 1 || params < 1 || warmups < 0 || repeats < 1) {
      throw new IllegalArgumentException("--clients, --params and --repeats must be at least 1 and --warmup at least"
          + " 0; got " + clients + ", " + params + ", " + repeats + ", " + warmups);
    }
    long bytes = 4L * clients * params;
    long free = Runtime.getRuntime().maxMemory() - (Runtime.getRuntime().totalMemory()
        - Runtime.getRuntime().freeMemory());
    if (bytes + 8L * params > free * 0.9) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%d updates of %,d parameters need %,d MB of heap"
          + " and about %,d MB are free: lower --clients or --params, or raise the heap (COHORT_HEAP=8g ./cohort ...)",
          clients, params, (bytes + 8L * params) >> 20, free >> 20));
    }
    this.clients = clients;
    this.params = params;
    this.warmups = warmups;
    this.repeats = repeats;
    this.seed = seed;
  }

  /** Runs one mode: makes its N updates, warms up, times the repeats. */
  public Result run(Mode mode) {
    return mode == Mode.FEDAVG ? runFedAvg() : runMasked();
  }

  private Result runFedAvg() {
    SplittableRandom random = new SplittableRandom(seed);
    float[][] updates = new float[clients][params];
    for (float[] update : updates) {
      for (int i = 0; i < params; i++) {
        update[i] = (float) random.nextDouble(-1, 1);
      }
    }
    return new Result(Mode.FEDAVG, clients, params, time(() -> readAll(updates), () -> {
      FitAggregation aggregation = new FedAvg(1.0, 1).beginFit(1, params);
      for (int k = 0; k < clients; k++) {
        aggregation.fold(new ClientUpdate("client-" + k, updates[k], 100 + k, 0.5, 0.5));
      }
      return aggregation.finish(new float[1], List.of())[0]; // depends on every fold's sum at element 0
    }));
  }

  private Result runMasked() {
    SplittableRandom random = new SplittableRandom(seed);
    int[][] updates = new int[clients][params];
    for (int[] update : updates) {
      for (int i = 0; i < params; i++) {
        update[i] = random.nextInt();
      }
    }
    return new Result(Mode.MASKED, clients, params, time(() -> readAll(updates), () -> {
      int[] sum = new int[params];
      for (int[] update : updates) {
        MaskedSum.add(sum, update);
      }
      return sum[params / 2];
    }));
  }

  /**
   * Times {@code read} and {@code fold} in each repeat, alternating which goes first so that neither always finds the
   * caches as the other left them.
   */
  private List<Repeat> time(DoubleSupplier read, DoubleSupplier fold) {
    List<Repeat> timed = new ArrayList<>();
    for (int r = 0; r < warmups + repeats; r++) {
      double readSeconds;
      double foldSeconds;
      if (r % 2 == 0) {
        readSeconds = secondsOf(read);
        foldSeconds = secondsOf(fold);
      } else {
        foldSeconds = secondsOf(fold);
        readSeconds = secondsOf(read);
      }
      if (r >= warmups) {
        timed.add(new Repeat(r - warmups, readSeconds, foldSeconds));
      }
    }
    return timed;
  }

  private double secondsOf(DoubleSupplier work) {
    long start = System.nanoTime();
    sink += work.getAsDouble();
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * Reads every element of every update once, as fast as plain Java reads here: four updates at a time, in blocks of
   * {@value #BLOCK} elements added into a small accumulator that stays in the L1 cache. Several streams at once keep
   * more cache misses in flight than one does (a single-stream read was slower here than the fold it is meant to bound,
   * because the fold reads two streams), and element-wise adds into an array vectorise where a scalar reduction does
   * not. Returns a value that depends on every element read (a float sum; its value means nothing).
   */
  public static float readAll(float[][] updates) {
    float[] acc = new float[BLOCK];
    int k = 0;
    for (; k + 3 < updates.length; k += 4) {
      float[] a = updates[k];
      float[] b = updates[k + 1];
      float[] c = updates[k + 2];
      float[] d = updates[k + 3];
      int n = Math.min(Math.min(a.length, b.length), Math.min(c.length, d.length));
      int i = 0;
      for (; i + BLOCK <= n; i += BLOCK) {
        for (int j = 0; j < BLOCK; j++) {
          acc[j] += a[i + j] + b[i + j] + c[i + j] + d[i + j];
        }
      }
      addInto(a, i, acc);
      addInto(b, i, acc);
      addInto(c, i, acc);
      addInto(d, i, acc);
    }
    for (; k < updates.length; k++) { // the one to three left over: one stream, still in blocks
      addInto(updates[k], 0, acc);
    }
    float total = 0;
    for (float v : acc) {
      total += v;
    }
    return total;
  }

  /** {@link #readAll(float[][])} for int words; returns their wrapping sum. */
  public static int readAll(int[][] updates) {
    int[] acc = new int[BLOCK];
    int k = 0;
    for (; k + 3 < updates.length; k += 4) {
      int[] a = updates[k];
      int[] b = updates[k + 1];
      int[] c = updates[k + 2];
      int[] d = updates[k + 3];
      int n = Math.min(Math.min(a.length, b.length), Math.min(c.length, d.length));
      int i = 0;
      for (; i + BLOCK <= n; i += BLOCK) {
        for (int j = 0; j < BLOCK; j++) {
          acc[j] += a[i + j] + b[i + j] + c[i + j] + d[i + j];
        }
      }
      addInto(a, i, acc);
      addInto(b, i, acc);
      addInto(c, i, acc);
      addInto(d, i, acc);
    }
    for (; k < updates.length; k++) {
      addInto(updates[k], 0, acc);
    }
    int total = 0;
    for (int v : acc) {
      total += v;
    }
    return total;
  }

  /** {@code acc[j] += update[from + b*BLOCK + j]} over every element of {@code update} from {@code from} on. */
  private static void addInto(float[] update, int from, float[] acc) {
    int i = from;
    for (; i + BLOCK <= update.length; i += BLOCK) {
      for (int j = 0; j < BLOCK; j++) {
        acc[j] += update[i + j];
      }
    }
    for (int j = 0; i + j < update.length; j++) {
      acc[j] += update[i + j];
    }
  }

  /** {@link #addInto(float[], int, float[])} for int words. */
  private static void addInto(int[] update, int from, int[] acc) {
    int i = from;
    for (; i + BLOCK <= update.length; i += BLOCK) {
      for (int j = 0; j < BLOCK; j++) {
        acc[j] += update[i + j];
      }
    }
    for (int j = 0; i + j < update.length; j++) {
      acc[j] += update[i + j];
    }
  }

  /** What the JIT must not drop; meaningless otherwise. */
  public double sink() {
    return sink;
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
