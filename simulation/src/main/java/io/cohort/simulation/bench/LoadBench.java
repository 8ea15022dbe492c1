package io.cohort.simulation.bench;

import io.cohort.client.ClientListener;
import io.cohort.client.CohortClient;
import io.cohort.client.DatasetSource;
import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.LocalTrainer;
import io.cohort.client.RetryPolicy;
import io.cohort.client.TrainingPlan;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.crypto.pki.TlsContexts;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.TensorChunk;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code cohort bench load}: N real SDK clients (threads of this JVM, each with its own enrolled identity and TLS
 * connections) against one coordinator in its own JVM, over TLS on loopback, for R rounds that each take every
 * client's update; then the books are reconciled. Every client's update is a one-hot vector (1 at the client's own
 * coordinate, one example of weight), so the change of the global model in a round says exactly whose updates the
 * aggregate holds and how many times: coordinate i of the change is (times client i was counted) / (updates counted).
 * Against it stand the acknowledgements the clients heard ({@link ClientListener}): an acknowledged update missing
 * from its round's aggregate is lost, one counted more than once is duplicated, one aggregated that its client never
 * heard acknowledged is a phantom.
 *
 * <p>Also reported: the coordinator's peak RSS (VmHWM) and the p50/p99 latency of its protocol requests other than
 * the held poll, from its own histogram ({@code cohort_http_request_seconds}, buckets 20 % apart, so each figure is
 * the upper bound of its bucket), and every refusal by code.
 */
public final class LoadBench {
  private static final Pattern LISTENING = Pattern.compile("^coordinator listening on (\\S+) ");
  private static final Pattern ROUND = Pattern.compile(
      "^round (\\d+): (aggregated|FAILED.*?), (\\d+)/(\\d+) clients, .*, model v(\\d+)");
  private static final Pattern BUCKET = Pattern.compile(
      "^cohort_http_request_seconds_bucket\\{.*route=\"([^\"]+)\".*le=\"([^\"]+)\".*\\} (\\S+)");
  private static final Pattern REFUSED = Pattern.compile(
      "^cohort_requests_refused_total\\{.*reason=\"([^\"]+)\".*\\} (\\S+)");
  private static final int CLASSES = 10;

  /**
   * What to run.
   *
   * @param clients SDK clients, all in every round
   * @param rounds rounds
   * @param maxConnections the coordinator's connection limit
   * @param coordinatorHeap the coordinator JVM's -Xmx
   * @param seed the run's seed
   * @param out where the coordinator's output, its TLS state and the clients' identities go
   */
  public record Settings(int clients, int rounds, int maxConnections, String coordinatorHeap, long seed, Path out) {}

  /**
   * The books and the figures.
   *
   * @param acknowledged updates the clients heard acknowledged
   * @param aggregated distinct client updates in the rounds' aggregates
   * @param lost acknowledged updates missing from their round's aggregate
   * @param duplicated extra counts of updates counted more than once
   * @param phantom aggregated updates their clients never heard acknowledged
   * @param roundsCompleted rounds that produced a model
   * @param peakRssBytes the coordinator's VmHWM, or -1
   * @param p50Seconds median latency of the protocol requests but polls (bucket upper bound)
   * @param p99Seconds 99th percentile of the same
   * @param requests how many requests the percentiles are over
   * @param perRoute count, p50 and p99 for each route, polls included
   * @param refusals refusals by error code
   * @param wallSeconds from the coordinator's start to the end of the run
   */
  public record Result(long acknowledged, long aggregated, long lost, long duplicated, long phantom,
      int roundsCompleted, long peakRssBytes, double p50Seconds, double p99Seconds, long requests,
      Map<String, double[]> perRoute, Map<String, Long> refusals, double wallSeconds) {}

  private final Settings settings;
  private final PrintWriter log;

  public LoadBench(Settings settings, PrintWriter log) {
    this.settings = settings;
    this.log = log;
  }

  /** The model: logistic regression with a coordinate for every client (10 x features + 10 >= clients). */
  public ModelArchitecture model() {
    return ModelArchitecture.logreg(List.of(Math.max(1, (settings.clients() + CLASSES - 1) / CLASSES)), CLASSES);
  }

  public Result run() throws IOException, InterruptedException {
    Files.createDirectories(settings.out());
    Path tokens = settings.out().resolve("enrolment-tokens.txt");
    Files.deleteIfExists(tokens);
    String apiToken = "load-bench-token-" + settings.seed();
    long started = System.nanoTime();
    Process coordinator = startCoordinator(tokens, apiToken);
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = RoundBench.copyOutput(coordinator, lines);
    ExecutorService threads = Executors.newFixedThreadPool(settings.clients(), RoundBench.daemonThreads());
    List<CohortClient> clients = new ArrayList<>();
    List<Future<?>> runs = new ArrayList<>();
    Map<Integer, Set<Integer>> acknowledged = new ConcurrentHashMap<>(); // round -> clients
    Map<Integer, Set<Integer>> refused = new ConcurrentHashMap<>();
    List<String> transcript = new ArrayList<>();
    try {
      String url = awaitLine(lines, coordinator, transcript, LISTENING, Duration.ofSeconds(90)).group(1);
      List<String> issued = awaitTokens(tokens, coordinator);
      Path ca = settings.out().resolve("tls").resolve("ca.pem");
      ModelArchitecture model = model();
      LocalDataset data = RoundBench.oneExample(model.inputSize());
      for (int i = 0; i < settings.clients(); i++) {
        int index = i;
        Path identity = settings.out().resolve("clients").resolve(String.format("load-%05d", i));
        CohortClient client = CohortClient.builder()
            .coordinator(URI.create(url))
            .name(String.format("load-%05d", i))
            .trustedCoordinatorCa(ca)
            .identityDirectory(identity)
            .enrolmentToken(issued.get(i))
            .data(DatasetSource.of(data, data))
            .trainer(new OneHotTrainer(i))
            .requireSecureAggregation(false)
            .retry(new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5), 200))
            .pollWait(Duration.ofSeconds(10))
            .listener(new ClientListener() {
              @Override
              public void updateAcknowledged(String runId, int round) {
                acknowledged.computeIfAbsent(round, r -> ConcurrentHashMap.newKeySet()).add(index);
              }

              @Override
              public void updateRefused(String runId, int round) {
                refused.computeIfAbsent(round, r -> ConcurrentHashMap.newKeySet()).add(index);
              }
            })
            .build();
        clients.add(client);
        runs.add(threads.submit(client::run));
      }
      log.printf("started %d clients; waiting for %d rounds%n", settings.clients(), settings.rounds());
      log.flush();
      Map<Integer, Long> versions = new TreeMap<>(); // round -> model version it produced
      Map<Integer, Integer> accepted = new TreeMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300L + 120L * settings.rounds());
      int completed = 0;
      while (true) {
        String line = lines.poll(1, TimeUnit.SECONDS);
        if (line == null) {
          if (!coordinator.isAlive()) {
            throw new IllegalStateException("the coordinator exited with " + coordinator.exitValue() + " mid-run; "
                + "see " + settings.out().resolve("coordinator.out"));
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the rounds did not finish in time; see " + settings.out());
          }
          continue;
        }
        transcript.add(line);
        if (line.startsWith("run finished")) {
          break;
        }
        Matcher m = ROUND.matcher(line);
        if (m.find()) {
          log.println(line);
          log.flush();
          if (m.group(2).equals("aggregated")) {
            completed++;
            versions.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(5)));
            accepted.put(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(3)));
          }
        }
      }
      double wall = (System.nanoTime() - started) / 1e9;
      // The clients hear the run finish within a poll; only then is every acknowledgement they will hear in.
      long clientsDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (Future<?> run : runs) {
        try {
          run.get(Math.max(1, clientsDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          log.println("a client did not end cleanly: " + e);
        }
      }
      long peakRss = RoundBench.peakRss(coordinator.pid());
      HttpClient http = HttpClient.newBuilder().sslContext(TlsContexts.client(
          PemFiles.readCertificates(ca).get(0), Optional.empty())).connectTimeout(Duration.ofSeconds(10)).build();
      String metrics = get(http, url + "/metrics", null, HttpResponse.BodyHandlers.ofString());
      Books books = reconcile(http, url, apiToken, versions, accepted, acknowledged);
      Latency latency = latency(metrics);
      return new Result(acknowledged.values().stream().mapToLong(Set::size).sum(), books.aggregated, books.lost,
          books.duplicated, books.phantom, completed, peakRss, latency.p50, latency.p99, latency.count,
          latency.perRoute, refusals(metrics), wall);
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
      Files.write(settings.out().resolve("coordinator.out"), transcript);
    }
  }

  private record Books(long aggregated, long lost, long duplicated, long phantom) {}

  /** Whose updates each round's model change holds, against who heard an acknowledgement. */
  private Books reconcile(HttpClient http, String url, String apiToken, Map<Integer, Long> versions,
      Map<Integer, Integer> accepted, Map<Integer, Set<Integer>> acknowledged) throws InterruptedException {
    long aggregated = 0;
    long lost = 0;
    long duplicated = 0;
    long phantom = 0;
    for (Map.Entry<Integer, Long> round : versions.entrySet()) {
      long version = round.getValue();
      float[] before = download(http, url, apiToken, version - 1);
      float[] after = download(http, url, apiToken, version);
      int counted = accepted.get(round.getKey());
      Set<Integer> heard = acknowledged.getOrDefault(round.getKey(), Set.of());
      long sum = 0;
      for (int i = 0; i < after.length; i++) {
        long times = Math.round((after[i] - (double) before[i]) * counted);
        sum += times;
        if (i >= settings.clients() && times != 0) {
          throw new IllegalStateException("round " + round.getKey() + " moved coordinate " + i + ", which no client "
              + "owns, by " + (after[i] - before[i]));
        }
        if (times > 0) {
          aggregated++;
          duplicated += times - 1;
          if (!heard.contains(i)) {
            phantom++;
          }
        } else if (heard.contains(i)) {
          lost++;
        }
      }
      if (sum != counted) { // a wrong divisor or a scaled update: the books cannot be read, so they do not balance
        log.printf("round %d: the model's change adds up to %d updates, the round reported %d%n", round.getKey(),
            sum, counted);
        lost += Math.abs(counted - sum);
      }
    }
    return new Books(aggregated, lost, duplicated, phantom);
  }

  private float[] download(HttpClient http, String url, String apiToken, long version) throws InterruptedException {
    byte[] body = get(http, url + "/v1/models/" + version, apiToken, HttpResponse.BodyHandlers.ofByteArray());
    try {
      InputStream in = new ByteArrayInputStream(body);
      ModelHeader header = Frames.readRequired(in, ModelHeader.parser(), "ModelHeader");
      float[] parameters = new float[Math.toIntExact(header.getTotalElements())];
      TensorChunks.Assembler assembler = new TensorChunks.Assembler(model().tensors(), parameters);
      TensorChunk chunk;
      while ((chunk = Frames.read(in, TensorChunk.parser())) != null) {
        assembler.accept(chunk);
      }
      assembler.finish();
      return parameters;
    } catch (IOException | ProtocolException e) {
      throw new IllegalStateException("model version " + version + " did not decode: " + e.getMessage(), e);
    }
  }

  private static <T> T get(HttpClient http, String url, String bearer, HttpResponse.BodyHandler<T> handler)
      throws InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (bearer != null) {
      request.header("authorization", "Bearer " + bearer);
    }
    try {
      HttpResponse<T> response = http.send(request.build(), handler);
      if (response.statusCode() != 200) {
        throw new IllegalStateException("GET " + url + " answered " + response.statusCode());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException("GET " + url + " failed: " + e.getMessage(), e);
    }
  }

  private record Latency(double p50, double p99, long count, Map<String, double[]> perRoute) {}

  /** Percentiles from the coordinator's cumulative buckets: all routes but polls together, and each route. */
  static Latency latency(String metrics) {
    Map<String, TreeMap<Double, Double>> buckets = new TreeMap<>();
    for (String line : metrics.split("\n")) {
      Matcher m = BUCKET.matcher(line);
      if (m.find()) {
        double le = m.group(2).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(2));
        buckets.computeIfAbsent(m.group(1), r -> new TreeMap<>()).put(le, Double.parseDouble(m.group(3)));
      }
    }
    TreeMap<Double, Double> merged = new TreeMap<>();
    Map<String, double[]> perRoute = new TreeMap<>();
    for (Map.Entry<String, TreeMap<Double, Double>> route : buckets.entrySet()) {
      TreeMap<Double, Double> b = route.getValue();
      double count = b.lastEntry().getValue();
      perRoute.put(route.getKey(), new double[] {count, percentile(b, 0.5), percentile(b, 0.99)});
      if (!route.getKey().equals("tasks")) {
        b.forEach((le, n) -> merged.merge(le, n, Double::sum));
      }
    }
    if (merged.isEmpty()) {
      return new Latency(Double.NaN, Double.NaN, 0, perRoute);
    }
    return new Latency(percentile(merged, 0.5), percentile(merged, 0.99), Math.round(merged.lastEntry().getValue()),
        perRoute);
  }

  /** The upper bound of the bucket that holds quantile {@code q} of cumulative {@code buckets}. */
  private static double percentile(TreeMap<Double, Double> buckets, double q) {
    double total = buckets.lastEntry().getValue();
    for (Map.Entry<Double, Double> b : buckets.entrySet()) {
      if (b.getValue() >= q * total) {
        return b.getKey();
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  private static Map<String, Long> refusals(String metrics) {
    Map<String, Long> out = new TreeMap<>();
    for (String line : metrics.split("\n")) {
      Matcher m = REFUSED.matcher(line);
      if (m.find() && Double.parseDouble(m.group(2)) > 0) {
        out.put(m.group(1), Math.round(Double.parseDouble(m.group(2))));
      }
    }
    return out;
  }

  private Matcher awaitLine(LinkedBlockingQueue<String> lines, Process coordinator, List<String> transcript,
      Pattern pattern, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line != null) {
        transcript.add(line);
        Matcher m = pattern.matcher(line);
        if (m.find()) {
          return m;
        }
      } else if (!coordinator.isAlive()) {
        throw new IllegalStateException("the coordinator exited with " + coordinator.exitValue() + " before it "
            + "listened: " + String.join("\n", transcript));
      }
    }
    throw new IllegalStateException("the coordinator did not start within " + timeout + ": "
        + String.join("\n", transcript));
  }

  /** The enrolment tokens the coordinator wrote, one a client. */
  private List<String> awaitTokens(Path file, Process coordinator) throws IOException, InterruptedException {
    for (int attempt = 0; attempt < 300; attempt++) {
      if (Files.exists(file)) {
        List<String> tokens = Files.readAllLines(file).stream().map(String::strip).filter(t -> !t.isEmpty()).toList();
        if (tokens.size() >= settings.clients()) {
          return tokens;
        }
      }
      if (!coordinator.isAlive()) {
        throw new IllegalStateException("the coordinator exited before writing its enrolment tokens");
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the coordinator wrote no " + settings.clients() + " enrolment tokens to " + file);
  }

  private Process startCoordinator(Path tokens, String apiToken) throws IOException {
    ModelArchitecture model = model();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + settings.coordinatorHeap(), "-XX:+UseG1GC",
        "-cp", System.getProperty("java.class.path"),
        "io.cohort.cli.CohortCli", "coordinator",
        "--host", "127.0.0.1", "--port", "0", "--no-checkpoints",
        "--tls-dir", settings.out().resolve("tls").toString(),
        "--enrol-tokens", Integer.toString(settings.clients()), "--enrol-tokens-file", tokens.toString(),
        "--model", "logreg", "--features", Integer.toString(model.inputSize()),
        "--classes", Integer.toString(CLASSES),
        "--rounds", Integer.toString(settings.rounds()),
        "--min-available", Integer.toString(settings.clients()),
        "--min-clients", Integer.toString(settings.clients()),
        "--round-timeout", "300", "--poll-wait", "10",
        "--max-connections", Integer.toString(settings.maxConnections()),
        "--seed", Long.toString(settings.seed()), "--no-secure-agg",
        "--api-token", apiToken));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** The client's update is 1 at its own coordinate and 0 elsewhere, from one example. */
  static final class OneHotTrainer implements LocalTrainer {
    private final int coordinate;

    OneHotTrainer(int coordinate) {
      this.coordinate = coordinate;
    }

    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      float[] trained = Arrays.copyOf(initial, initial.length);
      trained[coordinate] += 1f;
      return new FitOutcome(trained, 1, 0.5, 0.5);
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize) {
      return new EvaluationOutcome(data.size(), 0.5, 0.5);
    }

    @Override
    public void close() {}
  }
}
