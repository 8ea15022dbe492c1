package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientReport;
import io.cohort.client.CohortClient;
import io.cohort.client.DatasetSource;
import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.LocalTrainer;
import io.cohort.client.TrainingPlan;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.crypto.pki.TlsContexts;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three coordinator processes ({@code cohort coordinator --cluster ...}) on loopback share one run; six SDK clients
 * in this JVM know all three URLs. Mid-round (3 of 6 updates acknowledged) the driving node is SIGKILLed: another
 * node takes the round over with the three summed updates and the three late ones, and the run completes. Then a
 * non-driving node is killed mid-round, which the round does not notice.
 *
 * <p>Exactly-once is checked two ways: client i reports 2^i examples, so a round's example count is 63 exactly when
 * each of the six updates is counted once; and client i always moves the model by {@code (i + 1) / 100} per
 * coordinate, so the model each round starts from must be the initial one plus the round count times the weighted
 * mean {@code sum(2^i (i + 1)) / (63 * 100)}, which a double-counted or lost update would change.
 */
class ClusterFailoverIT {
  private static final int CLIENTS = 6;
  private static final int ROUNDS = 4;
  private static final Pattern DRIVING = Pattern.compile("\"driving\"\\s*:\\s*true");

  @TempDir Path dir;

  private final Map<Integer, Process> nodes = new ConcurrentHashMap<>();
  private final int[] httpPorts = new int[3];
  private final int[] clusterPorts = new int[3];

  private Process start(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
        "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.management/sun.management=ALL-UNNAMED",
        "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), CohortCli.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    return pb.start();
  }

  private int nodeCount = 3;
  private int rounds = ROUNDS;

  private void startNode(int i, String... extra) throws IOException {
    List<String> others = new ArrayList<>();
    for (int j = 0; j < nodeCount; j++) {
      if (j != i) {
        others.add("127.0.0.1:" + clusterPorts[j]);
      }
    }
    List<String> args = new ArrayList<>(List.of("coordinator", "--port", String.valueOf(httpPorts[i]),
        "--model", "logreg", "--rounds", String.valueOf(rounds), "--min-clients", String.valueOf(CLIENTS),
        "--round-timeout", "90", "--poll-wait", "2", "--no-secure-agg", "--tls-dir", dir.resolve("tls").toString(),
        "--checkpoint-dir", dir.resolve("checkpoints").toString(),
        "--cluster", String.join(",", others), "--cluster-port", String.valueOf(clusterPorts[i]),
        "--takeover-timeout", "3"));
    args.addAll(List.of(extra));
    if (i == 0 && extra.length == 0) {
      args.addAll(List.of("--enrol-tokens", String.valueOf(CLIENTS), "--enrol-tokens-file",
          dir.resolve("tokens.txt").toString()));
    }
    nodes.put(i, start(log(i), args.toArray(String[]::new)));
  }

  private Path log(int node) {
    return dir.resolve("node-" + node + (restarted ? "-restarted" : "") + ".log");
  }

  private boolean restarted;

  @Test
  void everyNodeKilled_restartWithResume_skipsTheTruncatedCheckpointAndCompletesTheRun() throws Exception {
    nodeCount = 2;
    rounds = 5;
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<String> tokens = startCluster();
      X509Certificate ca = PemFiles.readCertificates(dir.resolve("tls").resolve("ca.pem")).get(0);
      HttpClient statusClient = statusClient(ca);
      GatedTrainer trainer = new GatedTrainer();
      List<Future<ClientReport>> reports = startClients(pool, trainer, tokens, ca);
      // Rounds 1 and 2 run through; round 3 is gated for half the clients: kill everything mid-round 3, with the
      // checkpoints of rounds 1 and 2 on disk.
      trainer.release(2);
      awaitDriverWithAnswered(statusClient, 3, 3);
      String runId = onlyRun(dir.resolve("checkpoints"));
      Path runDir = dir.resolve("checkpoints").resolve(runId);
      for (Process node : nodes.values()) {
        node.destroyForcibly(); // SIGKILL every node
      }
      for (Process node : nodes.values()) {
        assertThat(node.waitFor(10, TimeUnit.SECONDS)).isTrue();
      }
      Path newest = runDir.resolve("round-000002.ckpt");
      assertThat(runDir.resolve("round-000001.ckpt")).exists();
      long size = Files.size(newest);
      try (var channel = java.nio.channels.FileChannel.open(newest, java.nio.file.StandardOpenOption.WRITE)) {
        channel.truncate(size / 2); // a crash half-way through copying, say
      }

      restarted = true;
      long restart = System.nanoTime();
      startNode(0, "--resume", runId);
      awaitLine(log(0), "coordinator listening", nodes.get(0));
      startNode(1, "--resume", runId);
      trainer.release(3);
      int driver = awaitEitherLog("round 2: aggregated");
      System.out.printf("cluster restart: nodes started to the resumed run's first round (2) aggregated: %.2f s%n",
          (System.nanoTime() - restart) / 1e9);

      Process last = nodes.get(driver);
      assertThat(last.waitFor(120, TimeUnit.SECONDS)).as(read(log(driver))).isTrue();
      String out = read(log(driver));
      assertThat(last.exitValue()).as(out).isZero();
      String restartedLogs = read(log(0)) + read(log(1));
      assertThat(restartedLogs).contains("(run " + runId + ")")
          .containsPattern("skipped a corrupt checkpoint: .*round-000002\\.ckpt is (truncated|damaged)");
      for (int round = 2; round <= rounds; round++) {
        assertThat(restartedLogs).containsOnlyOnce("round " + round + ": aggregated, 6/6 clients, 63 examples");
      }
      assertThat(restartedLogs).doesNotContain("round 1: aggregated")
          .contains("run finished: " + rounds + " of " + rounds + " rounds completed, final model version " + rounds);
      for (Future<ClientReport> report : reports) {
        assertThat(report.get(30, TimeUnit.SECONDS).finishReason()).contains("completed " + rounds + " rounds");
      }
    } finally {
      pool.shutdownNow();
      nodes.values().forEach(Process::destroyForcibly);
    }
  }

  /** Which restarted node logs {@code text} first (bounded wait, 50 ms resolution). */
  private int awaitEitherLog(String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      for (int node = 0; node < nodeCount; node++) {
        if (read(log(node)).contains(text)) {
          return node;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("'" + text + "' not logged within 90 s:\n" + read(log(0)) + "\n----\n" + read(log(1)));
  }

  /** Starts node 0 (which creates the CA and writes the tokens), then the others; returns the tokens. */
  private List<String> startCluster() throws Exception {
    for (int i = 0; i < nodeCount; i++) {
      httpPorts[i] = freePort();
      clusterPorts[i] = freePort();
    }
    startNode(0);
    List<String> tokens = awaitLines(dir.resolve("tokens.txt"), CLIENTS, nodes.get(0), log(0));
    for (int i = 1; i < nodeCount; i++) {
      startNode(i);
    }
    return tokens;
  }

  /**
   * Runs the six SDK clients, each knowing every node. Client i tries node i % nodeCount first, so most enrol at a
   * node that did not issue their token (node 0 did).
   */
  private List<Future<ClientReport>> startClients(ExecutorService pool, GatedTrainer trainer, List<String> tokens,
      X509Certificate ca) {
    List<Future<ClientReport>> reports = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      int client = i;
      List<URI> urls = new ArrayList<>();
      for (int k = 0; k < nodeCount; k++) {
        urls.add(url((i + k) % nodeCount));
      }
      reports.add(pool.submit(() -> CohortClient.builder().coordinators(urls).name("client-" + client)
          .data(DatasetSource.of(TINY, TINY)).trainer(trainer.forClient(client))
          .trustedCoordinatorCa(ca).enrolmentToken(tokens.get(client))
          .identityDirectory(dir.resolve("identity-" + client)).requireSecureAggregation(false)
          .pollWait(Duration.ofSeconds(2)).build().run()));
    }
    return reports;
  }

  private static HttpClient statusClient(X509Certificate ca) {
    return HttpClient.newBuilder().sslContext(TlsContexts.client(ca, Optional.empty()))
        .connectTimeout(Duration.ofSeconds(2)).build();
  }

  private static String onlyRun(Path checkpoints) throws IOException {
    try (var runs = Files.list(checkpoints)) {
      List<Path> all = runs.toList();
      assertThat(all).hasSize(1);
      return all.get(0).getFileName().toString();
    }
  }

  private void awaitLine(Path log, String text, Process process) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (read(log).contains(text)) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError("exited early: " + read(log));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("'" + text + "' not logged within 60 s: " + read(log));
  }

  @Test
  void threeNodes_driverKilledMidRoundThenANonDriver_runCompletesWithEveryUpdateCountedOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<String> tokens = startCluster();
      X509Certificate ca = PemFiles.readCertificates(dir.resolve("tls").resolve("ca.pem")).get(0);
      HttpClient statusClient = statusClient(ca);
      awaitClusterOfThree(statusClient);

      GatedTrainer trainer = new GatedTrainer();
      List<Future<ClientReport>> reports = startClients(pool, trainer, tokens, ca);

      // Round 2: clients 0..2 answer at once, 3..5 wait for the gate. Kill the driver once it holds three updates.
      int driver = awaitDriverWithAnswered(statusClient, 2, 3);
      nodes.get(driver).destroyForcibly(); // SIGKILL
      long killed = System.nanoTime();
      assertThat(nodes.get(driver).waitFor(10, TimeUnit.SECONDS)).isTrue();
      trainer.release(2);
      int successor = awaitDriverWithAnswered(statusClient, 2, 4);
      double takeoverSeconds = (System.nanoTime() - killed) / 1e9;
      // An upper bound when the round had already finished at the first look (see awaitDriverWithAnswered).
      System.out.printf("cluster takeover: SIGKILL of node %d to the next accepted update on node %d: %.2f s%n",
          driver, successor, takeoverSeconds);

      // Round 3: kill the node that does not drive while three updates are in; the round goes on.
      assertThat(awaitDriverWithAnswered(statusClient, 3, 3)).isEqualTo(successor);
      int bystander = 3 - driver - successor;
      int electionsBefore = count(read(log(successor)), "drives, term");
      nodes.get(bystander).destroyForcibly();
      assertThat(nodes.get(bystander).waitFor(10, TimeUnit.SECONDS)).isTrue();
      trainer.release(3);

      Process last = nodes.get(successor);
      assertThat(last.waitFor(120, TimeUnit.SECONDS)).as(read(log(successor))).isTrue();
      String survivor = read(log(successor));
      assertThat(last.exitValue()).as(survivor).isZero();
      assertThat(survivor).contains("run finished: " + ROUNDS + " of " + ROUNDS + " rounds completed, final model "
          + "version " + ROUNDS);
      assertThat(count(survivor, "drives, term")).as("losing the bystander caused no new election")
          .isEqualTo(electionsBefore);
      for (Future<ClientReport> report : reports) {
        ClientReport r = report.get(30, TimeUnit.SECONDS);
        assertThat(r.roundsTrained()).isEqualTo(ROUNDS);
      }

      // Every round aggregated exactly once, with all six updates each counted once (2^0 + ... + 2^5 = 63).
      String allLogs = read(log(0)) + read(log(1)) + read(log(2));
      for (int round = 1; round <= ROUNDS; round++) {
        Matcher m = Pattern.compile("round " + round + ": aggregated, (\\d+)/6 clients, (\\d+) examples")
            .matcher(allLogs);
        assertThat(m.find()).as("round %d aggregated in %s", round, allLogs).isTrue();
        assertThat(m.group(1)).isEqualTo("6");
        assertThat(m.group(2)).isEqualTo("63");
        assertThat(m.find()).as("round %d aggregated twice", round).isFalse();
      }
      // Every model version 0..3 reached the clients in order, each the previous one moved by the exact mean.
      trainer.assertModelsMoveByTheMeanEachRound(ROUNDS);
    } finally {
      pool.shutdownNow();
      nodes.values().forEach(Process::destroyForcibly);
    }
  }

  private static final LocalDataset TINY = LocalDataset.of(new float[2 * 784], new int[] {0, 1}, List.of(28, 28), 10);

  /**
   * Client i reports 2^i examples and moves every coordinate by (i + 1) / 100. In the gated rounds, clients 3..5 wait
   * until the test releases them. Records the model each client started each round from.
   */
  static final class GatedTrainer {
    private final Map<Integer, CountDownLatch> gates = Map.of(2, new CountDownLatch(1), 3, new CountDownLatch(1));
    private final List<float[]>[] seen;

    @SuppressWarnings("unchecked")
    GatedTrainer() {
      seen = new List[CLIENTS];
      for (int i = 0; i < CLIENTS; i++) {
        seen[i] = new CopyOnWriteArrayList<>();
      }
    }

    void release(int round) {
      gates.get(round).countDown();
    }

    LocalTrainer forClient(int client) {
      return new LocalTrainer() {
        @Override
        public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
          seen[client].add(initial.clone());
          int round = seen[client].size();
          CountDownLatch gate = gates.get(round);
          if (gate != null && client >= 3) {
            try {
              assertThat(gate.await(60, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException(e);
            }
          }
          float[] out = initial.clone();
          for (int k = 0; k < out.length; k++) {
            out[k] += (client + 1) / 100f;
          }
          return new FitOutcome(out, 1L << client, 0.5, 0.5);
        }

        @Override
        public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batch) {
          return new EvaluationOutcome(data.size(), 0.5, 0.5);
        }

        @Override
        public void close() {}
      };
    }

    void assertModelsMoveByTheMeanEachRound(int rounds) {
      double weighted = 0;
      for (int i = 0; i < CLIENTS; i++) {
        weighted += (1 << i) * ((i + 1) / 100f);
      }
      double mean = weighted / 63;
      float[] initial = seen[0].get(0);
      for (int client = 0; client < CLIENTS; client++) {
        assertThat(seen[client]).as("client %d trained every round once", client).hasSize(rounds);
        for (int round = 0; round < rounds; round++) {
          float[] model = seen[client].get(round);
          for (int k = 0; k < model.length; k += 97) {
            assertThat((double) model[k]).as("client %d, round %d, coordinate %d", client, round + 1, k)
                .isCloseTo(initial[k] + round * mean, org.assertj.core.data.Offset.offset(1e-5));
          }
        }
      }
    }
  }

  private URI url(int node) {
    return URI.create("https://127.0.0.1:" + httpPorts[node]);
  }

  private Optional<JsonObject> status(HttpClient http, int node) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url(node) + "/v1/status"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(new JsonObject(r.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitClusterOfThree(HttpClient http) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      Optional<JsonObject> s = status(http, 2);
      if (s.isPresent() && s.get().getJsonObject("cluster").getJsonArray("members").size() == 3) {
        return;
      }
      assertAlive();
      Thread.sleep(200);
    }
    throw new AssertionError("the three nodes did not form a cluster within 90 s: " + read(log(2)));
  }

  /** Polls every live node until one drives round {@code round} with at least {@code answered} updates in. */
  private int awaitDriverWithAnswered(HttpClient http, int round, int answered) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      for (int node = 0; node < nodeCount; node++) {
        if (!nodes.get(node).isAlive()) {
          continue;
        }
        Optional<JsonObject> s = status(http, node);
        if (s.isEmpty() || !DRIVING.matcher(s.get().encode()).find()) {
          continue;
        }
        JsonObject r = s.get().getJsonObject("round");
        if (r != null && r.getInteger("number") == round && r.getInteger("answered") >= answered) {
          return node;
        }
        // A round can finish between two looks (its last updates arrive within milliseconds): then it is in the
        // history with all its updates, which also means at least `answered` of them were accepted.
        for (Object h : s.get().getJsonArray("history", new io.vertx.core.json.JsonArray())) {
          JsonObject done = (JsonObject) h;
          if (done.getInteger("round") == round && done.getInteger("accepted") >= answered) {
            return node;
          }
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no node drove round " + round + " with " + answered + " updates within 90 s:\n"
        + read(log(0)) + "\n----\n" + read(log(1)) + "\n----\n" + read(log(2)) + "\n" + read(dir.resolve("node-0.log")));
  }

  private void assertAlive() throws IOException {
    for (Map.Entry<Integer, Process> node : nodes.entrySet()) {
      if (!node.getValue().isAlive()) {
        throw new AssertionError("node " + node.getKey() + " exited early: " + read(log(node.getKey())));
      }
    }
  }

  private static List<String> awaitLines(Path file, int count, Process writer, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file);
        if (lines.size() == count) {
          return lines;
        }
      }
      if (!writer.isAlive()) {
        throw new AssertionError("the coordinator exited early: " + read(log));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no enrolment tokens within 60 s: " + read(log));
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }
}
