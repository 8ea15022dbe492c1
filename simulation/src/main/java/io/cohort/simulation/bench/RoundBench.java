package io.cohort.simulation.bench;

import io.cohort.client.CohortClient;
import io.cohort.client.DatasetSource;
import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.LocalTrainer;
import io.cohort.client.TrainingPlan;
import io.cohort.client.transport.HttpTransport;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.simulation.SimulatedClients;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whole training rounds over the real protocol on loopback, timed: the coordinator runs as its own process (the
 * {@code cohort coordinator} command, so its memory is its own), and N real SDK clients run in this JVM, each on its
 * own thread, with a trainer that only nudges the parameters, so that what is timed is the platform: sampling,
 * model download, upload, validation, aggregation (secure aggregation's four stages with it on).
 *
 * <p>The model is a logistic regression sized to the requested parameter count (D = 10 x (features + 1)). The first
 * rounds warm both JVMs up and are not timed; the timed rounds' seconds are the coordinator's own (from sampling to the
 * new model). Memory is the coordinator process's: peak RSS ({@code VmHWM} of {@code /proc/PID/status}) and heap
 * from its GC log: the heap in use after each collection during the timed rounds (what the round keeps alive; the
 * log rounds to whole MB), against an idle baseline taken by a full collection (through {@code jcmd}) before the
 * first round. Traffic is the coordinator's protocol body bytes ({@code cohort_bytes_received_total} and {@code
 * _sent_total} from {@code /metrics}, read when the run has finished) over every round it ran, per client per round:
 * updates, model downloads, polls and, with secure aggregation, keys, shares and unmasking.
 */
public final class RoundBench {
  /** Classes of the benchmark's logistic-regression model. */
  public static final int CLASSES = 10;

  private static final Pattern LISTENING = Pattern.compile("^coordinator listening on (\\S+) ");
  private static final Pattern ROUND = Pattern.compile(
      "^round (\\d+): (aggregated|FAILED.*), (\\d+)/(\\d+) clients, .*?, (\\d+\\.\\d+)s, model v\\d+");
  private static final Pattern GC_LINE = Pattern.compile("^\\[(\\d+\\.\\d+)s\\].* (\\d+)M->(\\d+)M\\((\\d+)M\\)");
  private static final Pattern METRIC = Pattern.compile("^(cohort_bytes_(?:received|sent)_total)(?:\\{[^}]*\\})? (\\S+)");

  /**
   * What to measure.
   *
   * @param clients clients, all sampled in every round
   * @param params parameters of the model, a multiple of 10 and at least 20
   * @param secureAggregation whether rounds use secure aggregation (SecAgg+)
   * @param dropout probability that a client crashes at a random stage of a round (and restarts, registering anew)
   * @param warmupRounds untimed rounds first
   * @param timedRounds rounds timed
   * @param coordinatorHeap the coordinator JVM's -Xmx, e.g. "256m"
   * @param seed seed of the run and of the simulated crashes
   * @param out directory for the coordinator's output and GC log
   * @param coordinatorJavaOptions further options of the coordinator's JVM (e.g. to profile it)
   */
  public record Settings(int clients, int params, boolean secureAggregation, double dropout, int warmupRounds,
      int timedRounds, String coordinatorHeap, long seed, Path out, List<String> coordinatorJavaOptions) {
    /** Checks the ranges. */
    public Settings {
      if (clients < 1) {
        throw new IllegalArgumentException("--clients must be at least 1, got " + clients);
      }
      if (params < 2 * CLASSES || params % CLASSES != 0) {
        throw new IllegalArgumentException("--params must be a multiple of " + CLASSES + " and at least "
            + 2 * CLASSES + " (the model is a logistic regression over " + CLASSES + " classes: D = " + CLASSES
            + " x (features + 1)), got " + params);
      }
      if (!(dropout >= 0 && dropout < 0.5)) {
        throw new IllegalArgumentException("--dropout must be in [0, 0.5), got " + dropout);
      }
      if (warmupRounds < 0 || timedRounds < 1) {
        throw new IllegalArgumentException("--warmup must be at least 0 and --rounds at least 1");
      }
      if (secureAggregation && clients < 3) {
        throw new IllegalArgumentException("secure aggregation needs at least 3 clients, got " + clients);
      }
      Objects.requireNonNull(coordinatorHeap, "coordinatorHeap");
      Objects.requireNonNull(out, "out");
      coordinatorJavaOptions = List.copyOf(coordinatorJavaOptions);
    }

    /** Features of the logistic regression with {@link #params} parameters. */
    public int features() {
      return params / CLASSES - 1;
    }
  }

  /**
   * One timed round.
   *
   * @param round the round number (warm-up rounds count too)
   * @param seconds the coordinator's wall time from sampling to the new model
   * @param accepted clients whose update was aggregated
   * @param invited clients sampled
   */
  public record TimedRound(int round, double seconds, int accepted, int invited) {}

  /**
   * What a run measured.
   *
   * @param rounds the timed rounds
   * @param peakRssBytes the coordinator process's peak resident set (VmHWM), or -1 where /proc is not available
   * @param idleHeapBytes heap in use after a full collection before the first round, or -1 where jcmd is not available
   * @param peakHeapAfterGcBytes the most heap in use after any collection during the timed rounds, or -1 if none ran
   * @param collections collections during the timed rounds
   * @param bytesUpPerClientRound protocol body bytes received per client and round, over the whole run
   * @param bytesDownPerClientRound protocol body bytes sent per client and round, over the whole run
   * @param coordinatorCpuPerRound CPU seconds the coordinator process used per timed round, or NaN if unknown
   * @param clientsCpuPerRound CPU seconds this JVM (the clients) used per timed round, or NaN if unknown
   */
  public record Result(List<TimedRound> rounds, long peakRssBytes, long idleHeapBytes, long peakHeapAfterGcBytes,
      int collections, double bytesUpPerClientRound, double bytesDownPerClientRound, double coordinatorCpuPerRound,
      double clientsCpuPerRound) {
    /** The median of the timed rounds' seconds. */
    public double medianSeconds() {
      double[] s = rounds.stream().mapToDouble(TimedRound::seconds).sorted().toArray();
      return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
  }

  private final Settings settings;
  private final PrintWriter log;

  /** A benchmark with {@code settings}; progress lines go to {@code log}. */
  public RoundBench(Settings settings, PrintWriter log) {
    this.settings = settings;
    this.log = log;
  }

  /** The model the coordinator trains. */
  public ModelArchitecture model() {
    return ModelArchitecture.logreg(List.of(settings.features()), CLASSES);
  }

  /** Runs the coordinator and the clients through every round and returns the timed rounds' figures. */
  public Result run() throws IOException, InterruptedException {
    Files.createDirectories(settings.out());
    Process coordinator = startCoordinator();
    ExecutorService threads = Executors.newFixedThreadPool(settings.clients(), daemonThreads());
    List<CohortClient> clients = new ArrayList<>();
    List<Future<?>> runs = new ArrayList<>();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = copyOutput(coordinator, lines);
    try (PrintWriter transcript = new PrintWriter(Files.newBufferedWriter(settings.out().resolve("coordinator.out")),
        true)) {
      long startNanos = System.nanoTime();
      String url = awaitUrl(lines, coordinator, transcript);
      long idleHeap = idleHeap(coordinator);
      HttpClient http = HttpTransport.defaultHttpClient();
      double timedStartUptime = settings.warmupRounds() == 0 ? (System.nanoTime() - startNanos) / 1e9 : Double.NaN;
      LocalDataset data = oneExample(settings.features());
      for (int i = 0; i < settings.clients(); i++) {
        String name = String.format("bench-%05d", i);
        CohortClient client = CohortClient.builder()
            .coordinator(URI.create(url))
            .name(name)
            .insecure()
            .httpClient(http)
            .data(DatasetSource.of(data, data))
            .trainer(new NudgeTrainer())
            .requireSecureAggregation(settings.secureAggregation())
            .crashInjector(SimulatedClients.crashes(name, new SimulatedClients.Behaviour(settings.seed(),
                settings.dropout(), settings.secureAggregation())))
            .build();
        clients.add(client);
        runs.add(threads.submit(client::run));
      }
      int total = settings.warmupRounds() + settings.timedRounds();
      List<TimedRound> timed = new ArrayList<>();
      double[] bytes = null;
      long peakRss = -1;
      double[] cpuAtStart = settings.warmupRounds() == 0 ? cpu(coordinator) : null;
      double[] cpuAtEnd = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120L + 60L * total);
      while (bytes == null) {
        String line = lines.poll(1, TimeUnit.SECONDS);
        if (line == null) {
          failIfAnyDied(runs, coordinator);
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the rounds did not finish in time; see " + settings.out());
          }
          continue;
        }
        transcript.println(line);
        if (line.startsWith("run finished")) { // the coordinator lingers a moment for the clients to hear it
          bytes = protocolBytes(http, url);
          peakRss = peakRss(coordinator.pid());
          continue;
        }
        Matcher m = ROUND.matcher(line);
        if (!m.find()) {
          continue;
        }
        int round = Integer.parseInt(m.group(1));
        if (!m.group(2).equals("aggregated")) {
          throw new IllegalStateException("round " + round + " failed: " + line);
        }
        log.println(line);
        log.flush();
        if (round == settings.warmupRounds()) {
          timedStartUptime = (System.nanoTime() - startNanos) / 1e9;
          cpuAtStart = cpu(coordinator);
        }
        if (round == total) {
          cpuAtEnd = cpu(coordinator);
        }
        if (round > settings.warmupRounds() && round <= total) {
          timed.add(new TimedRound(round, Double.parseDouble(m.group(5)), Integer.parseInt(m.group(3)),
              Integer.parseInt(m.group(4))));
        }
      }
      awaitClients(runs);
      Gc gc = gcDuring(settings.out().resolve("coordinator-gc.log"), timedStartUptime);
      double perClientRound = (double) settings.clients() * (total + 1); // every round the coordinator ran
      return new Result(timed, peakRss, idleHeap, gc.peakAfter(), gc.count(), bytes[0] / perClientRound,
          bytes[1] / perClientRound, (cpuAtEnd[0] - cpuAtStart[0]) / settings.timedRounds(),
          (cpuAtEnd[1] - cpuAtStart[1]) / settings.timedRounds());
    } finally {
      for (int i = 0; i < clients.size(); i++) {
        if (!runs.get(i).isDone()) {
          clients.get(i).stop();
        }
      }
      threads.shutdownNow();
      coordinator.destroy();
      if (!coordinator.waitFor(10, TimeUnit.SECONDS)) {
        coordinator.destroyForcibly();
      }
      reader.interrupt();
    }
  }

  private Process startCoordinator() throws IOException {
    int total = settings.warmupRounds() + settings.timedRounds();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + settings.coordinatorHeap(), "-XX:+UseG1GC",
        // what Hazelcast asks for (as the cohort launcher gives it), so the coordinator runs as it does in production
        "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.management/sun.management=ALL-UNNAMED",
        "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED"));
    command.addAll(settings.coordinatorJavaOptions());
    command.addAll(List.of(
        "-Xlog:gc:file=" + settings.out().resolve("coordinator-gc.log") + ":uptime",
        "-cp", System.getProperty("java.class.path"),
        "io.cohort.cli.CohortCli", "coordinator",
        "--insecure", "--port", "0", "--no-checkpoints",
        "--model", "logreg", "--features", Integer.toString(settings.features()),
        "--classes", Integer.toString(CLASSES),
        // one round more than is timed, so the coordinator is still up when the last timed round is measured
        "--rounds", Integer.toString(total + 1),
        "--min-available", Integer.toString(settings.clients()),
        "--min-clients", Integer.toString(Math.max(1, settings.clients() / 2)),
        "--round-timeout", "120", "--poll-wait", "10",
        "--seed", Long.toString(settings.seed()),
        "--api-token", "round-bench-token-" + settings.seed()));
    command.add(settings.secureAggregation() ? "--secure-agg" : "--no-secure-agg");
    if (settings.secureAggregation()) {
      command.addAll(List.of("--secagg-stage-timeout", "30"));
    }
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectError(settings.out().resolve("coordinator.err").toFile());
    return builder.start();
  }

  static Thread copyOutput(Process process, LinkedBlockingQueue<String> lines) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("(coordinator output ended: " + e.getMessage() + ")");
      }
    }, "bench-coordinator-output");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  private String awaitUrl(LinkedBlockingQueue<String> lines, Process coordinator, PrintWriter transcript)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line != null) {
        transcript.println(line);
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          return m.group(1);
        }
      } else if (!coordinator.isAlive()) {
        throw new IllegalStateException("the coordinator exited with " + coordinator.exitValue() + " before it "
            + "listened; see " + settings.out().resolve("coordinator.err"));
      }
    }
    throw new IllegalStateException("the coordinator did not start within 60 s; see " + settings.out());
  }

  /**
   * Heap in use after a full collection of the idle coordinator (the model loaded, no round yet), or -1 where jcmd
   * is not there to ask for one.
   */
  private long idleHeap(Process coordinator) throws InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return -1;
    }
    try {
      Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(coordinator.pid()), "GC.run")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!gc.waitFor(30, TimeUnit.SECONDS) || gc.exitValue() != 0) {
        gc.destroyForcibly();
        return -1;
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) { // the log line lands shortly after the collection
        for (String line : Files.readAllLines(settings.out().resolve("coordinator-gc.log"))) {
          if (line.contains("Pause Full")) {
            Matcher m = GC_LINE.matcher(line);
            if (m.find()) {
              return Long.parseLong(m.group(3)) << 20;
            }
          }
        }
        Thread.sleep(50);
      }
      return -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** The coordinator's protocol body bytes so far: {received, sent}. */
  private static double[] protocolBytes(HttpClient http, String url) throws InterruptedException {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      double[] bytes = {Double.NaN, Double.NaN};
      for (String line : response.body().split("\n")) {
        Matcher m = METRIC.matcher(line);
        if (m.find()) {
          bytes[m.group(1).contains("received") ? 0 : 1] = Double.parseDouble(m.group(2));
        }
      }
      if (Double.isNaN(bytes[0]) || Double.isNaN(bytes[1])) {
        throw new IllegalStateException("the coordinator's /metrics has no cohort_bytes_received_total or "
            + "cohort_bytes_sent_total");
      }
      return bytes;
    } catch (IOException e) {
      throw new IllegalStateException("reading the coordinator's /metrics failed: " + e.getMessage(), e);
    }
  }

  /** CPU seconds so far: {the coordinator process's, this JVM's}; NaN where the platform does not say. */
  private static double[] cpu(Process coordinator) {
    double child = coordinator.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    double self = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() / 1e9 : Double.NaN;
    return new double[] {child, self < 0 ? Double.NaN : self};
  }

  /** VmHWM of {@code pid} in bytes, or -1 where /proc is not there. */
  static long peakRss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** Collections at or after {@code fromUptime} seconds of the coordinator's JVM, and the most heap left after one. */
  record Gc(int count, long peakAfter) {}

  static Gc gcDuring(Path log, double fromUptime) throws IOException {
    int count = 0;
    long peak = -1;
    for (String line : Files.readAllLines(log)) {
      Matcher m = GC_LINE.matcher(line);
      if (m.find() && Double.parseDouble(m.group(1)) >= fromUptime && !line.contains("Pause Full")) {
        count++;
        peak = Math.max(peak, Long.parseLong(m.group(3)) << 20);
      }
    }
    return new Gc(count, peak);
  }

  /** Waits a little for the clients to hear that the run finished and end on their own. */
  private static void awaitClients(List<Future<?>> runs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    for (Future<?> run : runs) {
      try {
        run.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        return; // stopped below, with the coordinator
      }
    }
  }

  private static void failIfAnyDied(List<Future<?>> runs, Process coordinator) {
    if (!coordinator.isAlive()) {
      throw new IllegalStateException("the coordinator exited with " + coordinator.exitValue() + " mid-run");
    }
    for (Future<?> run : runs) {
      if (run.isDone()) {
        try {
          run.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException("a client failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
    }
  }

  static LocalDataset oneExample(int features) {
    float[] x = new float[features];
    Arrays.fill(x, 0.5f);
    return LocalDataset.of(x, new int[] {0}, List.of(features), CLASSES);
  }

  static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "bench-client-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * No real training: the parameters come back moved by a fixed small pattern (finite, well inside secure
   * aggregation's clip range), so every byte of the protocol is exercised while the clients cost next to nothing.
   */
  static final class NudgeTrainer implements LocalTrainer {
    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      float[] trained = initial.clone();
      for (int i = 0; i < trained.length; i++) {
        trained[i] += 1e-4f * ((i % 7) - 3);
      }
      return new FitOutcome(trained, data.size(), 0.5, 0.5);
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize) {
      return new EvaluationOutcome(data.size(), 0.5, 0.5);
    }

    @Override
    public void close() {}
  }
}
