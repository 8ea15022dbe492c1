package io.cohort.benchmarks;

import io.cohort.benchmarks.ByteCountingHttpClient.Endpoint;
import io.cohort.client.ClientReport;
import io.cohort.client.CohortClient;
import io.cohort.client.CrashInjector;
import io.cohort.client.DatasetSource;
import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.LocalTrainer;
import io.cohort.client.RoundStage;
import io.cohort.client.TrainingPlan;
import io.cohort.client.transport.HttpTransport;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Whole federated rounds over the real protocol on loopback: a real {@link Coordinator} (Vert.x, HTTP with protobuf
 * bodies) and N real {@link CohortClient} SDK clients in the same JVM, each with its own thread and a trivial trainer
 * that returns the initial parameters plus a fixed delta (so the time is the protocol's and the aggregation's, not
 * training's). The model is logistic regression sized to D parameters ({@code logreg([D/2 - 1], 2)}: exactly D).
 * Modes: {@code plain} (secure aggregation off), {@code secure} (SecAgg+ with the default k and t), and
 * {@code secure-drop10} / {@code plain-drop10}, where 10 % of the clients (a different tenth each round) crash just
 * before their upload, after they trained and masked, through the SDK's {@link CrashInjector}; a crashed client
 * registers again at once, so the coordinator drops its old id without waiting for a timeout, and in a secure round
 * must rebuild its pairwise masks.
 *
 * <p>This is a main class, not a JMH benchmark: one coordinator run of R rounds is the natural unit, the rounds
 * drive themselves, and bytes must be counted alongside. For each mode it runs R rounds, drops the first {@code
 * warmup} rounds, and prints the median (and min, max) of the coordinator's round time (sampling to new global model,
 * {@link RoundRecord#seconds()}) and of the wall time between successive round ends, and the request- and
 * response-body bytes per client per round by endpoint, counted by wrapping each client's HTTP client ({@link
 * ByteCountingHttpClient}; headers not included). It also checks the result: after R completed rounds every
 * parameter must be the initial one plus R deltas, and prints the largest deviation. Finally it prints the ratios
 * secure / plain.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar io.cohort.benchmarks.RoundBenchmark [--clients 20]
 * [--dim 100000] [--rounds 10] [--warmup 2] [--warmup-pass-rounds 10] [--passes 2] [--max-uploads N]
 * [--modes plain,secure,secure-drop10,plain-drop10]}. Before the measured passes every mode runs once untimed
 * ({@code --warmup-pass-rounds}), so that modes run later do not profit from a warmer JIT. {@code --max-uploads}
 * (the coordinator's {@code maxConcurrentUploads}) defaults to N, so no upload meets the admission limit's 503 and
 * the client's back-off; 0 keeps the coordinator's default {@code max(4, 2 * cores)}. With N clients and the
 * coordinator sharing one machine, the figures are for this machine's cores, not for a deployment.
 */
public final class RoundBenchmark {
  private static final int EXAMPLES = 10;

  private RoundBenchmark() {}

  /** One way of running rounds. */
  enum Mode {
    PLAIN("plain", false, 0), SECURE("secure", true, 0), SECURE_DROP10("secure-drop10", true, 10),
    PLAIN_DROP10("plain-drop10", false, 10);

    final String label;
    final boolean secure;
    final int dropPercent;

    Mode(String label, boolean secure, int dropPercent) {
      this.label = label;
      this.secure = secure;
      this.dropPercent = dropPercent;
    }

    static Mode parse(String label) {
      for (Mode m : values()) {
        if (m.label.equals(label)) {
          return m;
        }
      }
      throw new IllegalArgumentException("unknown mode '" + label + "'; modes: plain, secure, secure-drop10, "
          + "plain-drop10");
    }
  }

  /**
   * What one mode measured.
   *
   * @param rounds rounds run, timed or not
   * @param roundSeconds the coordinator's time of each timed round
   * @param intervalSeconds wall time from the previous round's end to each timed round's end
   * @param completed rounds that aggregated a new model
   * @param accepted updates summed, over all rounds
   * @param sentPerClientRound request-body bytes per client per round, by {@link Endpoint}
   * @param receivedPerClientRound response-body bytes per client per round, by {@link Endpoint}
   * @param updateRequestsPerClientRound requests to {@code /v1/updates} per client per round (above 1: retries
   *     after a 503 from the coordinator's upload admission limit)
   * @param maxError largest |final parameter - (initial + completed * delta)|
   */
  record Result(Mode mode, int clients, int dimension, int rounds, double[] roundSeconds, double[] intervalSeconds,
      int completed, int accepted, double[] sentPerClientRound, double[] receivedPerClientRound,
      double updateRequestsPerClientRound,
      double maxError) {

    double sentTotal() {
      return Arrays.stream(sentPerClientRound).sum();
    }

    double receivedTotal() {
      return Arrays.stream(receivedPerClientRound).sum();
    }
  }

  /** The fixed update every client sends: small values inside the secure-aggregation clip range. */
  static float delta(int j) {
    return 0.001f * ((j % 11) - 5);
  }

  /** Returns {@code initial + delta} instantly, instead of training. */
  private static final class FixedDeltaTrainer implements LocalTrainer {
    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      float[] out = initial.clone();
      for (int j = 0; j < out.length; j++) {
        out[j] += delta(j);
      }
      return new FitOutcome(out, data.size(), 0.5, 0.5);
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batch) {
      return new EvaluationOutcome(data.size(), 0.5, 0.5);
    }

    @Override
    public void close() {}
  }

  /**
   * Runs {@code rounds} rounds of {@code mode} with {@code clients} clients and a {@code dimension}-parameter model
   * ({@code dimension} even, at least 4), timing all but the first {@code warmup}. {@code maxUploads} is the
   * coordinator's {@code maxConcurrentUploads}, or 0 for its default ({@code max(4, 2 * cores)}).
   */
  static Result run(Mode mode, int clients, int dimension, int rounds, int warmup, int maxUploads)
      throws Exception {
    if (dimension < 4 || dimension % 2 != 0) {
      throw new IllegalArgumentException("dimension must be even and >= 4, got " + dimension);
    }
    if (warmup < 0 || warmup >= rounds) {
      throw new IllegalArgumentException("warmup must be in [0, rounds), got " + warmup);
    }
    ModelArchitecture model = ModelArchitecture.logreg(List.of(dimension / 2 - 1), 2);
    int inputs = dimension / 2 - 1;
    LocalDataset data = LocalDataset.of(new float[EXAMPLES * inputs], new int[EXAMPLES], List.of(inputs), 2);
    SecureAggregationSettings secure = mode.secure
        ? SecureAggregationSettings.on().withMaxWeight(EXAMPLES).withStageTimeout(Duration.ofSeconds(30))
        : SecureAggregationSettings.off();
    // A different run of clients each round: round r crashes clients r*m .. r*m + m - 1 (mod N).
    int crashesPerRound = (int) Math.round(clients * mode.dropPercent / 100.0);
    Vertx vertx = Vertx.vertx();
    ExecutorService threads = Executors.newFixedThreadPool(clients, r -> {
      Thread t = new Thread(r, "bench-client");
      t.setDaemon(true);
      return t;
    });
    try {
      // Cleartext transport: this measures the protocol and aggregation; TLS is a per-connection cost, not per round.
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(model).insecure()
          .rounds(rounds).minClients(Math.max(1, clients / 2)).minAvailable(clients)
          .pollWait(Duration.ofSeconds(5)).roundTimeout(Duration.ofMinutes(2))
          .maxConcurrentUploads(maxUploads > 0 ? maxUploads
              : Math.max(4, 2 * Runtime.getRuntime().availableProcessors()))
          .secureAggregation(secure).build()).await();
      ConcurrentLinkedQueue<Long> roundEnds = new ConcurrentLinkedQueue<>();
      coordinator.onRound(r -> roundEnds.add(System.nanoTime()));
      HttpClient shared = HttpTransport.defaultHttpClient();
      List<ByteCountingHttpClient> counters = new ArrayList<>();
      List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        ByteCountingHttpClient http = new ByteCountingHttpClient(shared);
        counters.add(http);
        int index = i;
        CrashInjector crashes = mode.dropPercent == 0 ? CrashInjector.NEVER
            : (round, stage) -> stage == (mode.secure ? RoundStage.MASKED_INPUT : RoundStage.UPLOAD)
                && Math.floorMod(index - round * crashesPerRound, clients) < crashesPerRound;
        CohortClient client = CohortClient.builder().coordinator(URI.create(coordinator.url()))
            .name(String.format("bench-%03d", i)).data(DatasetSource.of(data, data))
            .trainer(new FixedDeltaTrainer()).httpClient(http).requireSecureAggregation(mode.secure).insecure()
            .crashInjector(crashes).pollWait(Duration.ofSeconds(5)).build();
        runs.add(CompletableFuture.supplyAsync(client::run, threads));
      }
      List<RoundRecord> records = coordinator.completion().toCompletionStage().toCompletableFuture()
          .get(rounds * 3L + 2, TimeUnit.MINUTES);
      for (CompletableFuture<ClientReport> run : runs) {
        run.get(2, TimeUnit.MINUTES);
      }
      return summarise(mode, clients, dimension, rounds, warmup, model, records, new ArrayList<>(roundEnds),
          counters);
    } finally {
      threads.shutdownNow();
      vertx.close().await();
    }
  }

  private static Result summarise(Mode mode, int clients, int dimension, int rounds, int warmup,
      ModelArchitecture model, List<RoundRecord> records, List<Long> ends, List<ByteCountingHttpClient> counters) {
    double[] roundSeconds = records.stream().skip(warmup).mapToDouble(RoundRecord::seconds).toArray();
    double[] intervals = new double[Math.max(0, ends.size() - Math.max(warmup, 1))];
    for (int i = 0; i < intervals.length; i++) {
      int r = i + Math.max(warmup, 1);
      intervals[i] = (ends.get(r) - ends.get(r - 1)) / 1e9;
    }
    int completed = (int) records.stream().filter(RoundRecord::completed).count();
    int accepted = records.stream().mapToInt(RoundRecord::accepted).sum();
    double clientRounds = (double) clients * rounds;
    double[] sent = new double[Endpoint.values().length];
    double[] received = new double[Endpoint.values().length];
    double updateRequests = 0;
    for (ByteCountingHttpClient c : counters) {
      for (Endpoint e : Endpoint.values()) {
        sent[e.ordinal()] += c.sent(e) / clientRounds;
        received[e.ordinal()] += c.received(e) / clientRounds;
      }
      updateRequests += c.requests(Endpoint.UPDATES) / clientRounds;
    }
    float[] initial = model.initialParameters(1);
    float[] last = records.get(records.size() - 1).parameters();
    double maxError = 0;
    for (int j = 0; j < last.length; j++) {
      maxError = Math.max(maxError, Math.abs(last[j] - (initial[j] + (double) completed * delta(j))));
    }
    return new Result(mode, clients, dimension, rounds, roundSeconds, intervals, completed, accepted, sent, received,
        updateRequests, maxError);
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }

  /** Runs the modes named on the command line (see the class javadoc) and prints a table. */
  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    int clients = 20;
    int dimension = 100_000;
    int rounds = 10;
    int warmup = 2;
    int warmupPassRounds = 10;
    int passes = 2;
    int maxUploads = -1;
    List<Mode> modes = List.of(Mode.PLAIN, Mode.SECURE, Mode.SECURE_DROP10, Mode.PLAIN_DROP10);
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(value);
        case "--dim" -> dimension = Integer.parseInt(value);
        case "--rounds" -> rounds = Integer.parseInt(value);
        case "--warmup" -> warmup = Integer.parseInt(value);
        case "--warmup-pass-rounds" -> warmupPassRounds = Integer.parseInt(value);
        case "--passes" -> passes = Integer.parseInt(value);
        case "--max-uploads" -> maxUploads = Integer.parseInt(value);
        case "--modes" -> modes = Arrays.stream(value.split(",")).map(Mode::parse).toList();
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --clients N --dim D "
            + "--rounds R --warmup W --warmup-pass-rounds R0 --passes P --max-uploads K "
            + "--modes plain,secure,secure-drop10,plain-drop10");
      }
      i++;
    }
    if (maxUploads < 0) {
      maxUploads = clients;
    }
    System.out.printf(Locale.ROOT, "RoundBenchmark: %d clients, D = %,d parameters, %d rounds per mode (first %d "
        + "untimed), max concurrent uploads %s, %d cores, Java %s%n", clients, dimension, rounds, warmup,
        maxUploads == 0 ? "coordinator default" : maxUploads, Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    if (warmupPassRounds > 0) {
      // Every mode once, untimed, so that no mode is measured on a colder JIT than the ones after it.
      for (Mode mode : modes) {
        run(mode, clients, dimension, warmupPassRounds, 0, maxUploads);
      }
      System.out.printf(Locale.ROOT, "warm-up pass done (%d rounds of each mode)%n", warmupPassRounds);
    }
    for (int pass = 1; pass <= passes; pass++) {
      List<Result> results = new ArrayList<>();
      for (Mode mode : modes) {
        Result r = run(mode, clients, dimension, rounds, warmup, maxUploads);
        results.add(r);
        System.out.println(row(r));
      }
      System.out.printf(Locale.ROOT, "%npass %d of %d%n", pass, passes);
      System.out.println(table(results));
    }
  }

  /** One line of progress for a finished mode. */
  static String row(Result r) {
    return String.format(Locale.ROOT, "%s: %d of %d rounds completed, %d updates summed, max |error| %.2e",
        r.mode().label, r.completed(), r.rounds(), r.accepted(), r.maxError());
  }

  /** The results as a table, then the secure / plain ratios where both were run. */
  static String table(List<Result> results) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%-14s %6s %9s %15s %9s %11s %8s %11s %10s %10s %11s %9s%n", "mode", "timed",
        "s/round", "(min..max)", "interval", "up:updates", "upd.req", "up:secagg", "up:other", "up:total",
        "down:total", "max|err|"));
    for (Result r : results) {
      out.append(String.format(Locale.ROOT,
          "%-14s %6d %9.3f %15s %9.3f %11.0f %8.2f %11.0f %10.0f %10.0f %11.0f %9.1e%n",
          r.mode().label, r.roundSeconds().length, median(r.roundSeconds()),
          String.format(Locale.ROOT, "%.3f..%.3f", min(r.roundSeconds()), max(r.roundSeconds())),
          median(r.intervalSeconds()), r.sentPerClientRound()[Endpoint.UPDATES.ordinal()],
          r.updateRequestsPerClientRound(), r.sentPerClientRound()[Endpoint.SECAGG.ordinal()],
          r.sentPerClientRound()[Endpoint.OTHER.ordinal()],
          r.sentTotal(), r.receivedTotal(), r.maxError()));
    }
    out.append("bytes: request/response bodies per client per round (headers not counted, retries included); "
        + "upd.req: upload requests per client per round; s/round: median coordinator round time; interval: median "
        + "wall time between round ends\n");
    Result plain = find(results, Mode.PLAIN);
    for (Result r : results) {
      if (plain != null && r.mode().secure) {
        out.append(String.format(Locale.ROOT, "%s / plain: time %.2fx, interval %.2fx, upload bytes %.3fx "
            + "(update body alone %.4fx)%n", r.mode().label, median(r.roundSeconds()) / median(plain.roundSeconds()),
            median(r.intervalSeconds()) / median(plain.intervalSeconds()), r.sentTotal() / plain.sentTotal(),
            r.sentPerClientRound()[Endpoint.UPDATES.ordinal()]
                / plain.sentPerClientRound()[Endpoint.UPDATES.ordinal()]));
      }
    }
    return out.toString();
  }

  private static Result find(List<Result> results, Mode mode) {
    return results.stream().filter(r -> r.mode() == mode).findFirst().orElse(null);
  }
}
