package io.cohort.cli;

import io.cohort.simulation.bench.AggregationBench;
import io.cohort.simulation.bench.AggregationBench.Mode;
import io.cohort.simulation.bench.AggregationBench.Repeat;
import io.cohort.simulation.bench.AggregationBench.Result;
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
    subcommands = {BenchCommand.Aggregate.class})
final class BenchCommand {
  /** The CSV header every bench writes. */
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
}
