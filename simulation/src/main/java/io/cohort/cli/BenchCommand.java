package io.cohort.cli;

import io.cohort.simulation.bench.AggregationBench;
import io.cohort.simulation.bench.AggregationBench.Mode;
import io.cohort.simulation.bench.AggregationBench.Repeat;
import io.cohort.simulation.bench.AggregationBench.Result;
import io.cohort.simulation.bench.LoadBench;
import io.cohort.simulation.bench.RoundBench;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cohort bench}: measurements of the system, each printing a table and writing {@code OUT/bench.csv}. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure Cohort on this machine; each subcommand prints its figures and writes OUT/bench.csv.",
    subcommands = {BenchCommand.Aggregate.class, BenchCommand.Round.class, BenchCommand.Load.class})
final class BenchCommand {
  /** The CSV header of {@code bench aggregate}. */
  static final String CSV_HEADER =
      "benchmark,mode,clients,params,repeat,read_seconds,fold_seconds,read_gbps,fold_gbps,ratio_to_memory_read";

  /** {@code cohort bench aggregate}: the running-sum fold against a memory read of the same bytes. */
  @Command(name = "aggregate", mixinStandardHelpOptions = true,
      description = "Fold N updates of D parameters into a round's running sum with the coordinator's own code "
          + "(fedavg: float32 updates, example-weighted, into a double sum; masked: a secure round's int32 sum mod 2^32) "
          + "and read the same bytes in the same JVM; prints GB/s of each and ratio_to_memory_read (median over the repeats).")
  static final class Aggregate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--clients", defaultValue = "100", description = "updates per round (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--params", defaultValue = "1000000",
        description = "parameters per update (default: ${DEFAULT-VALUE})")
    int params;

    @Option(names = "--mode", split = ",", defaultValue = "fedavg,masked",
        description = "folds to time: fedavg, masked (default: ${DEFAULT-VALUE})")
    List<String> modes;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed repeats first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--repeats", defaultValue = "7", description = "timed repeats (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the update values (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "runs/bench",
        description = "directory for bench.csv (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws IOException {
      List<Mode> parsed = new ArrayList<>();
      for (String mode : modes) {
        parsed.add(parseMode(mode));
      }
      AggregationBench bench = new AggregationBench(clients, params, warmup, repeats, seed);
      PrintWriter console = spec.commandLine().getOut();
      console.printf(Locale.ROOT, "bench aggregate: %d updates x %,d parameters (%,.0f MB a pass), %d timed repeats "
          + "after %d warm-ups; %s, %d cores%n", clients, params, 4.0 * clients * params / (1 << 20), repeats, warmup,
          System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors());
      List<String> rows = new ArrayList<>();
      for (Mode mode : parsed) {
        Result result = bench.run(mode);
        for (Repeat r : result.repeats()) {
          rows.add(String.format(Locale.ROOT, "aggregate,%s,%d,%d,%d,%.9f,%.9f,%.3f,%.3f,%.4f", mode.label(), clients,
              params, r.index(), r.readSeconds(), r.foldSeconds(), result.bytes() / 1e9 / r.readSeconds(),
              result.bytes() / 1e9 / r.foldSeconds(), r.ratio()));
        }
        console.printf(Locale.ROOT, "%-7s fold %6.2f GB/s   memory read %6.2f GB/s   ratio_to_memory_read=%.2f%n",
            mode.label(), result.foldGbPerSecond(), result.readGbPerSecond(), result.ratioToMemoryRead());
        console.flush();
      }
      Files.createDirectories(out);
      Path csv = out.resolve("bench.csv");
      List<String> lines = new ArrayList<>();
      lines.add(CSV_HEADER);
      lines.addAll(rows);
      Files.write(csv, lines);
      console.printf("wrote %s (one row per repeat; the figures above are medians)%n", csv);
      console.flush();
      return 0;
    }

    private static Mode parseMode(String mode) {
      for (Mode m : Mode.values()) {
        if (m.label().equals(mode.trim())) {
          return m;
        }
      }
      throw new IllegalArgumentException("unknown --mode '" + mode + "': use fedavg, masked or both, comma-separated");
    }
  }

  /** The CSV header of {@code bench round}. */
  static final String ROUND_CSV_HEADER = "benchmark,secure_agg,dropout,clients,params,round,seconds,accepted,invited";

  /** {@code cohort bench round}: whole rounds over the real protocol, with trivial local training. */
  @Command(name = "round", mixinStandardHelpOptions = true,
      description = "Run rounds of N real SDK clients (in this JVM, training nothing: they nudge the parameters) "
          + "against a coordinator in its own JVM, over cleartext HTTP on loopback, with a D-parameter model; prints "
          + "the median seconds per round after warm-up, the coordinator's peak RSS and heap, and the protocol bytes "
          + "per client and round each way. With --secure-agg the plain round is measured first and the ratios "
          + "printed.")
  static final class Round implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--clients", defaultValue = "100", description = "clients, all in every round (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--params", defaultValue = "1000000",
        description = "model parameters, a multiple of 10 (default: ${DEFAULT-VALUE})")
    int params;

    @Option(names = "--secure-agg", description = "rounds with secure aggregation (SecAgg+), after the same rounds "
        + "plain, and the ratios of the two")
    boolean secureAggregation;

    @Option(names = "--dropout", defaultValue = "0",
        description = "probability that a client crashes at a random stage of a round and restarts (default: "
            + "${DEFAULT-VALUE})")
    double dropout;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed rounds first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--rounds", defaultValue = "7", description = "timed rounds (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--coordinator-heap", defaultValue = "256m",
        description = "the coordinator JVM's -Xmx (default: ${DEFAULT-VALUE})")
    String coordinatorHeap;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the run and its crashes (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--coordinator-java-option", paramLabel = "OPTION",
        description = "a further option of the coordinator's JVM, e.g. -XX:StartFlightRecording=filename=c.jfr to "
            + "profile it; repeatable")
    List<String> coordinatorJavaOptions = new ArrayList<>();

    @Option(names = "--out", defaultValue = "runs/bench",
        description = "directory for bench.csv and the coordinator's output and GC log (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintWriter console = spec.commandLine().getOut();
      List<String> lines = new ArrayList<>();
      lines.add(ROUND_CSV_HEADER);
      // With secure aggregation, the plain round is measured first in the same invocation, so that the two divide.
      RoundBench.Result plain = run(false, secureAggregation ? out.resolve("plain") : out, console, lines);
      if (secureAggregation) {
        RoundBench.Result secure = run(true, out.resolve("secure"), console, lines);
        console.printf(Locale.ROOT, "secure_to_plain_round_ratio=%.2f secure_to_plain_upload_ratio=%.3f "
            + "secure_to_plain_download_ratio=%.3f (medians; bytes per client and round)%n",
            secure.medianSeconds() / plain.medianSeconds(),
            secure.bytesUpPerClientRound() / plain.bytesUpPerClientRound(),
            secure.bytesDownPerClientRound() / plain.bytesDownPerClientRound());
      }
      Files.createDirectories(out);
      Path csv = out.resolve("bench.csv");
      Files.write(csv, lines);
      console.printf("wrote %s (one row per timed round); the coordinator's output and GC log are beside it%s%n", csv,
          secureAggregation ? ", in plain/ and secure/" : "");
      console.flush();
      return 0;
    }

    /** Runs the rounds of one mode, prints its figures and adds its rows to {@code csv}. */
    private RoundBench.Result run(boolean secure, Path dir, PrintWriter console, List<String> csv)
        throws IOException, InterruptedException {
      RoundBench.Settings settings = new RoundBench.Settings(clients, params, secure, dropout, warmup, rounds,
          coordinatorHeap, seed, dir, coordinatorJavaOptions);
      RoundBench bench = new RoundBench(settings, console);
      double modelMb = 4.0 * params / (1 << 20);
      console.printf(Locale.ROOT, "bench round: %d clients x %,d parameters (%s, %.2f MB of float32), %s, dropout "
          + "%.2f; %d timed rounds after %d warm-ups; coordinator -Xmx%s; %s, %d cores%n", clients, params,
          bench.model().describe(), modelMb, secure ? "secure aggregation" : "plain updates", dropout,
          rounds, warmup, coordinatorHeap, System.getProperty("java.vm.name") + " " + System.getProperty(
              "java.version"), Runtime.getRuntime().availableProcessors());
      console.flush();
      RoundBench.Result result = bench.run();
      for (RoundBench.TimedRound r : result.rounds()) {
        csv.add(String.format(Locale.ROOT, "round,%b,%s,%d,%d,%d,%.3f,%d,%d", secure, dropout, clients,
            params, r.round(), r.seconds(), r.accepted(), r.invited()));
      }
      String mode = secure ? "secure " : "plain ";
      console.printf(Locale.ROOT, "%smedian_round_seconds=%.3f (min %.3f, max %.3f over %d rounds)%n", mode,
          result.medianSeconds(), result.rounds().stream().mapToDouble(RoundBench.TimedRound::seconds).min()
              .orElseThrow(), result.rounds().stream().mapToDouble(RoundBench.TimedRound::seconds).max()
              .orElseThrow(), result.rounds().size());
      console.printf(Locale.ROOT, "%scoordinator_peak_rss_mb=%s%n", mode, mb(result.peakRssBytes()));
      console.printf(Locale.ROOT, "%scpu_seconds_per_round: coordinator %.3f, clients %.3f (the clients share this "
          + "machine's %d cores with it)%n", mode, result.coordinatorCpuPerRound(), result.clientsCpuPerRound(),
          Runtime.getRuntime().availableProcessors());
      console.printf(Locale.ROOT, "%scoordinator_heap: idle %s MB after a full collection; during the timed rounds "
          + "at most %s MB after a collection (%d collections; young collections leave old garbage in this figure, "
          + "so it is an upper bound of what a round keeps)%n", mode, mb(result.idleHeapBytes()),
          mb(result.peakHeapAfterGcBytes()), result.collections());
      console.printf(Locale.ROOT, "%sbytes_up_per_client=%.0f bytes_down_per_client=%.0f (per round; %.3f and %.3f x "
          + "the float32 model)%n", mode, result.bytesUpPerClientRound(), result.bytesDownPerClientRound(),
          result.bytesUpPerClientRound() / (4.0 * params), result.bytesDownPerClientRound() / (4.0 * params));
      console.flush();
      return result;
    }

    private static String mb(long bytes) {
      return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", bytes / 1048576.0);
    }
  }

  /** {@code cohort bench load}: many clients over TLS, then the books reconciled. */
  @Command(name = "load", mixinStandardHelpOptions = true,
      description = "Run N real SDK clients (threads of this JVM, each enrolled with its own certificate) against a "
          + "coordinator in its own JVM over TLS on loopback for R rounds that take every client's update, then "
          + "reconcile the books from the models themselves: each client's update is a one-hot vector, so a round's "
          + "model change shows whose updates it holds and how often. Prints acknowledged=A aggregated=A lost=0 "
          + "duplicated=0, the coordinator's peak RSS and the p50/p99 latency of its protocol requests; exits 1 if "
          + "anything was lost or duplicated.")
  static final class Load implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--clients", defaultValue = "1000", description = "clients, all in every round (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--rounds", defaultValue = "10", description = "rounds (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--max-connections", defaultValue = "10000",
        description = "the coordinator's connection limit (default: ${DEFAULT-VALUE})")
    int maxConnections;

    @Option(names = "--coordinator-heap", defaultValue = "512m",
        description = "the coordinator JVM's -Xmx (default: ${DEFAULT-VALUE})")
    String coordinatorHeap;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the run (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "runs/bench-load",
        description = "directory for the coordinator's output, its TLS state and the clients' identities (default: "
            + "${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintWriter console = spec.commandLine().getOut();
      LoadBench bench = new LoadBench(new LoadBench.Settings(clients, rounds, maxConnections, coordinatorHeap, seed,
          out), console);
      console.printf(Locale.ROOT, "bench load: %d clients x %d rounds over TLS, model %s, coordinator -Xmx%s, "
          + "--max-connections %d; %s, %d cores%n", clients, rounds, bench.model().describe(), coordinatorHeap,
          maxConnections, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors());
      console.flush();
      LoadBench.Result r = bench.run();
      console.printf(Locale.ROOT, "acknowledged=%d aggregated=%d lost=%d duplicated=%d (phantom=%d: aggregated, "
          + "never heard acknowledged)%n", r.acknowledged(), r.aggregated(), r.lost(), r.duplicated(), r.phantom());
      console.printf(Locale.ROOT, "rounds_completed=%d of %d in %.1f s%n", r.roundsCompleted(), rounds,
          r.wallSeconds());
      console.printf(Locale.ROOT, "coordinator_peak_rss_mb=%s%n", r.peakRssBytes() < 0 ? "n/a"
          : String.format(Locale.ROOT, "%.0f", r.peakRssBytes() / 1048576.0));
      console.printf(Locale.ROOT, "request_latency_p50_ms=%.1f request_latency_p99_ms=%.1f (%d protocol requests, "
          + "every route but the held poll; upper bounds of the coordinator's histogram buckets, 20 %% apart)%n",
          r.p50Seconds() * 1000, r.p99Seconds() * 1000, r.requests());
      r.perRoute().forEach((route, f) -> console.printf(Locale.ROOT, "  %-15s %8.0f requests  p50 %8.1f ms  "
          + "p99 %8.1f ms%n", route, f[0], f[1] * 1000, f[2] * 1000));
      console.printf("refusals: %s%n", r.refusals().isEmpty() ? "none" : r.refusals());
      console.flush();
      boolean books = r.lost() == 0 && r.duplicated() == 0 && r.phantom() == 0
          && r.acknowledged() == r.aggregated() && r.roundsCompleted() == rounds;
      return books ? 0 : 1;
    }
  }
}
