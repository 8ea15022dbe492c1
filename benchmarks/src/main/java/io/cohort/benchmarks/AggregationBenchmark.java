package io.cohort.benchmarks;

import io.cohort.coordinator.round.MaskedSum;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FedAvg;
import io.cohort.coordinator.strategy.FitAggregation;
import io.cohort.simulation.bench.AggregationBench;
import java.util.Collection;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Folding a round's updates into its running sum, beside reading the same bytes. Every benchmark here makes one pass
 * over {@code clients} distinct vectors of {@code params} 32-bit elements (by default 32 x 1,000,000, 128 MB: beyond
 * the caches, as fresh uploads are), in one JVM, so their scores divide directly:
 *
 * <ul>
 *   <li>{@link #memoryReadFloats} / {@link #memoryReadInts}: one read of every word ({@link AggregationBench#readAll}:
 *       four updates at a time into an L1-resident accumulator, the fastest plain-Java read found here), the floor for
 *       anything that reads the updates;
 *   <li>{@link #foldFedAvg}: FedAvg's running sum for a fresh round ({@code FitAggregation.fold} of each float32
 *       update, example-weighted, into a double accumulator), the coordinator's own code;
 *   <li>{@link #foldMasked}: a secure round's sum modulo 2^32 ({@link MaskedSum#add}) into a fresh sum.
 * </ul>
 *
 * <p>A score is rounds per second; {@code foldFedAvg / memoryReadFloats} and {@code foldMasked / memoryReadInts} are
 * the ratios to the memory read, which {@link #main} prints after the JMH table: {@code java -cp
 * benchmarks/target/benchmarks.jar io.cohort.benchmarks.AggregationBenchmark} (JMH flags such as {@code -p
 * params=100000} pass through).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AggregationBenchmark {
  /** D, elements per update. */
  @Param({"1000000"})
  public int params;

  /** Updates per round, each a distinct array. */
  @Param({"32"})
  public int clients;

  float[][] updates; // package-private: read by the test
  int[][] masked;

  /** Seeded updates, fixed for the trial. */
  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    updates = new float[clients][params];
    masked = new int[clients][params];
    for (int k = 0; k < clients; k++) {
      for (int i = 0; i < params; i++) {
        updates[k][i] = (float) random.nextDouble(-1, 1);
        masked[k][i] = random.nextInt();
      }
    }
  }

  /** One read of every float update's bytes. */
  @Benchmark
  public float memoryReadFloats() {
    return AggregationBench.readAll(updates);
  }

  /** One read of every masked update's bytes. */
  @Benchmark
  public int memoryReadInts() {
    return AggregationBench.readAll(masked);
  }

  /** A round's FedAvg fold: a fresh aggregation, every float update folded into it. */
  @Benchmark
  public FitAggregation foldFedAvg() {
    FitAggregation aggregation = new FedAvg(1.0, 1).beginFit(1, params);
    for (int k = 0; k < clients; k++) {
      aggregation.fold(new ClientUpdate("client-" + k, updates[k], 100 + k, 0.5, 0.5));
    }
    return aggregation;
  }

  /** A secure round's fold: a fresh sum, every masked update added mod 2^32. */
  @Benchmark
  public int[] foldMasked() {
    int[] sum = new int[params];
    for (int[] update : masked) {
      MaskedSum.add(sum, update);
    }
    return sum;
  }

  /** Runs this class's benchmarks (JMH flags pass through), then prints each fold's ratio to its memory read. */
  public static void main(String[] args) throws RunnerException, CommandLineOptionException {
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .parent(new CommandLineOptions(args))
        .include(AggregationBenchmark.class.getName() + "\\.")
        .build()).run();
    for (String[] pair : new String[][] {{"foldFedAvg", "memoryReadFloats"}, {"foldMasked", "memoryReadInts"}}) {
      double fold = score(results, pair[0]);
      double read = score(results, pair[1]);
      System.out.printf(Locale.ROOT, "%s / %s: ratio_to_memory_read=%.2f%n", pair[0], pair[1], fold / read);
    }
  }

  private static double score(Collection<RunResult> results, String method) {
    return results.stream()
        .filter(r -> r.getParams().getBenchmark().endsWith("." + method))
        .mapToDouble(r -> r.getPrimaryResult().getScore())
        .findFirst().orElse(Double.NaN);
  }
}
