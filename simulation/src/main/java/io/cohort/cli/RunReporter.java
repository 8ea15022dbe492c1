package io.cohort.cli;

import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.privacy.DpConfig;
import io.cohort.privacy.PrivacyReport;
import io.cohort.simulation.RoundResult;
import io.cohort.simulation.SimulationConfig;
import io.cohort.simulation.SimulationListener;
import io.cohort.simulation.report.AccuracyPlot;
import io.cohort.simulation.report.MetricsCsv;
import io.cohort.simulation.report.RoundRow;
import io.cohort.simulation.report.RunSummary;
import io.cohort.simulation.report.SummaryJson;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Prints a line per round (and a progress bar on a terminal) and writes metrics.csv, accuracy.png, summary.json. */
final class RunReporter implements SimulationListener, AutoCloseable {
  private final SimulationConfig config;
  private final Map<String, String> versions;
  private final boolean progress;
  private final PrintStream out = System.out;
  private final long startNanos = System.nanoTime();
  private MetricsCsv csv;
  private ProgressBar bar;
  private Path dataSource;
  private String strategy;

  RunReporter(SimulationConfig config, Map<String, String> versions, boolean progress) {
    this.config = config;
    this.versions = versions;
    this.progress = progress;
  }

  @Override
  public void onData(Path source, int trainExamples, int testExamples) {
    dataSource = source;
    out.printf("data: %s from %s (%,d train, %,d test)%n", config.verifyData() ? "Fashion-MNIST" : "IDX images",
        source, trainExamples, testExamples);
  }

  @Override
  public void onPartition(int[][] parts, int[] labels, int numClasses) {
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (int[] p : parts) {
      min = Math.min(min, p.length);
      max = Math.max(max, p.length);
    }
    out.printf("partition: %s over %d clients (%d..%d examples each)%n", config.partition(), parts.length, min, max);
  }

  @Override
  public void onStart(String url, CoordinatorConfig coordinator) {
    out.printf("coordinator: %s, model %s, %s, %d rounds, fraction %.2f, seed %d%n", url,
        coordinator.model().describe(), coordinator.strategy().name(), coordinator.rounds(), coordinator.fraction(),
        coordinator.seed());
    strategy = coordinator.strategy().name();
    try {
      Files.createDirectories(config.out());
      csv = MetricsCsv.create(config.out());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + config.out() + ": " + e.getMessage(), e);
    }
    if (progress) {
      bar = new ProgressBarBuilder().setTaskName("rounds").setInitialMax(config.rounds())
          .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
          .build();
    }
  }

  @Override
  public void onRound(RoundResult result) {
    RoundRow row = result.toRow();
    try {
      csv.append(row);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String line = String.format("round %3d/%d  accuracy %.4f  loss %.4f  macro-F1 %.4f  clients %d/%d  %.1fs%s",
        row.round(), config.rounds(), row.accuracy(), row.loss(), row.macroF1(), result.record().accepted(),
        result.record().invited(), row.seconds(),
        result.record().completed() ? "" : "  FAILED: " + result.record().failureReason());
    if (result.record().late() > 0) {
      line += String.format("  late %d", result.record().late());
    }
    if (row.fedEvalAccuracy() != null) {
      line += String.format("  fed-eval %.4f", row.fedEvalAccuracy());
    }
    if (row.epsilon() != null) {
      line += String.format("  epsilon %.4g (C %.3g)", row.epsilon(), result.record().clipNorm());
    }
    line += "  " + traffic(result.record().bytesUp(), result.record().bytesDown());
    if (bar != null) {
      bar.step();
      bar.setExtraMessage(String.format("acc %.4f", row.accuracy()));
    }
    out.println(line);
  }

  @Override
  public void onFinish(List<RoundResult> results) {
    RoundResult last = results.get(results.size() - 1);
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    out.println();
    out.println(last.central());
    try {
      AccuracyPlot.write(config.out(), results.stream().map(RoundResult::toRow).toList(), "Cohort " + config.model().kind().name().toLowerCase() + ", "
          + config.clients() + " clients, " + config.partition());
      Map<String, Object> run = new LinkedHashMap<>();
      run.put("loss", last.loss());
      run.put("rounds_completed", results.stream().filter(r -> r.record().completed()).count());
      run.put("rounds_failed", results.stream().filter(r -> !r.record().completed()).count());
      run.put("wall_seconds", seconds);
      run.put("data_source", String.valueOf(dataSource));
      run.put("strategy", strategy);
      run.put("compression", config.compression().spec());
      run.put("bytes_up_total", results.stream().mapToLong(r -> r.record().bytesUp()).sum());
      run.put("bytes_down_total", results.stream().mapToLong(r -> r.record().bytesDown()).sum());
      SummaryJson.write(config.out(), RunSummary.of(config.describe(), config.seed(), privacy(last), last.central(),
          run, SummaryJson.versions(versions)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.printf("final accuracy %.4f after %d rounds in %.1f s; wrote %s/{%s,%s,%s}%n", last.accuracy(),
        results.size(), seconds, config.out(), MetricsCsv.FILE_NAME, AccuracyPlot.FILE_NAME, SummaryJson.FILE_NAME);
  }

  /** A round's traffic for the console: {@code up 103.5 kB, down 4.1 MB} (decimal units). */
  static String traffic(long bytesUp, long bytesDown) {
    return "up " + bytes(bytesUp) + ", down " + bytes(bytesDown);
  }

  private static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    return n < 1_000_000 ? String.format("%.1f kB", n / 1e3) : String.format("%.2f MB", n / 1e6);
  }

    /** The privacy section of summary.json: what protected the clients in this run. */
  private Map<String, Object> privacy(RoundResult last) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("secure_aggregation", config.secureAggregation().enabled());
    p.put("dropout", config.dropout());
    if (config.differentialPrivacy().isEmpty()) {
      p.put("differential_privacy", null);
      return p;
    }
    DpConfig dp = config.differentialPrivacy().get();
    PrivacyReport report = PrivacyReport.of(dp, last.record().clipNorm(), last.record().epsilon());
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("mechanism", report.mechanism());
    d.put("noise_multiplier", report.noiseMultiplier());
    d.put("clipping", dp.clip() instanceof DpConfig.AdaptiveClip a
        ? Map.of("kind", "adaptive", "initial_clip_norm", a.initialClipNorm(), "target_quantile", a.targetQuantile(),
            "learning_rate", a.learningRate(), "count_noise_stddev", a.countNoiseStddev())
        : Map.of("kind", "fixed"));
    d.put("clip_norm", report.clipNorm());
    d.put("delta", report.delta());
    d.put("epsilon", Double.isFinite(report.epsilon()) ? report.epsilon() : String.valueOf(report.epsilon()));
    d.put("epsilon_budget", dp.epsilonBudget().isPresent() ? dp.epsilonBudget().getAsDouble() : null);
    d.put("noise_added_by", report.noiseAddedBy());
    p.put("differential_privacy", d);
    return p;
  }

  @Override
  public void close() throws IOException {
    if (bar != null) {
      bar.close();
    }
    if (csv != null) {
      csv.close();
    }
  }
}
