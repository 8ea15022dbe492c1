package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.checkpoint.CheckpointStore;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator (its own JVM) killed with SIGKILL in the middle of a round, when two of the round's three updates are
 * in and the third client is still training, then restarted with {@code --resume}: the interrupted round is run again
 * from its start, its two early updates are not carried over (no half-counted round), and the final model is exactly
 * that of every round of the clients' known updates, each counted once.
 */
class CoordinatorRestartIT {
  private static final int CLIENTS = 3;
  private static final int ROUNDS = 4;
  private static final int KILLED_IN = 3;

  @TempDir
  Path dir;
  private final ExecutorService clientThreads = Executors.newCachedThreadPool();
  private final List<CoordinatorProcess> processes = new ArrayList<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    for (CoordinatorProcess p : processes) {
      p.close();
    }
    clientThreads.shutdownNow();
  }

  @Test
  void sigkillMidRound_resumedCoordinatorRedoesTheRound_nothingHalfCounted() throws Exception {
    int port = CoordinatorProcess.freePort();
    CoordinatorProcess first = start(port, null);
    String runId = first.awaitListening();
    CountDownLatch release = new CountDownLatch(1);
    List<CompletableFuture<ClientReport>> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      LocalTrainer trainer = new SecureAggregationIT.KnownUpdateTrainer(i);
      if (i == CLIENTS - 1) {
        trainer = new HeldTrainer(trainer, KILLED_IN, release); // its round-3 training waits for the kill
      }
      clients.add(KnownUpdates.client(port, i, trainer, 400, clientThreads));
    }

    awaitAnswered(port, KILLED_IN, CLIENTS - 1);
    first.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no goodbye, no last checkpoint
    Path runDir = dir.resolve(runId);
    assertThat(CheckpointStore.read(newest(runDir)).header().getRoundsDone()).as("checkpointed before the kill")
        .isEqualTo(KILLED_IN - 1);

    CoordinatorProcess resumed = start(port, runId);
    resumed.awaitListening();
    release.countDown();
    assertThat(resumed.process.waitFor(120, TimeUnit.SECONDS)).as("the resumed run finishes; output:%n%s",
        resumed.output()).isTrue();
    assertThat(resumed.process.exitValue()).as(resumed.output()).isZero();
    for (CompletableFuture<ClientReport> c : clients) {
      c.get(60, TimeUnit.SECONDS);
    }
    assertThat(resumed.output()).contains("round " + KILLED_IN + ": aggregated, " + CLIENTS + "/" + CLIENTS
        + " clients");
    Checkpoint last = CheckpointStore.read(newest(runDir));
    assertThat(last.header().getRoundsDone()).isEqualTo(ROUNDS);
    float[] expected = KnownUpdates.after(ModelArchitecture.logreg(List.of(8), 2).initialParameters(1), CLIENTS,
        ROUNDS);
    for (int j = 0; j < expected.length; j++) {
      assertThat((double) last.parameters()[j]).as("parameter %d", j).isCloseTo(expected[j], within(1e-5));
    }
  }

  /** Waits (at most 90 s) until the coordinator's open round {@code round} has {@code answered} updates. */
  private static void awaitAnswered(int port, int round, int answered) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    JsonObject status = null;
    for (int attempt = 0; attempt < 900; attempt++) {
      HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/v1/status")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      status = new JsonObject(reply.body());
      JsonObject open = status.getJsonObject("round");
      if (open != null && open.getInteger("number") == round && open.getInteger("answered") == answered) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("round " + round + " never had " + answered + " updates in; last status " + status);
  }

  private CoordinatorProcess start(int port, String resume) throws java.io.IOException {
    CoordinatorProcess p = CoordinatorProcess.start(port, ROUNDS, CLIENTS, dir, resume, List.of());
    processes.add(p);
    return p;
  }

  private static Path newest(Path runDir) throws java.io.IOException {
    try (Stream<Path> s = Files.list(runDir)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".ckpt")).sorted().reduce((a, b) -> b)
          .orElseThrow(() -> new AssertionError("no checkpoint in " + runDir));
    }
  }

  /** Trains as {@code inner}, but its {@code heldCall}-th training waits (at most 2 minutes) for {@code release}. */
  private static final class HeldTrainer implements LocalTrainer {
    private final LocalTrainer inner;
    private final int heldCall;
    private final CountDownLatch release;
    private final AtomicInteger calls = new AtomicInteger();

    HeldTrainer(LocalTrainer inner, int heldCall, CountDownLatch release) {
      this.inner = inner;
      this.heldCall = heldCall;
      this.release = release;
    }

    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      if (calls.incrementAndGet() == heldCall) {
        try {
          release.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return inner.fit(model, initial, data, plan);
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batch) {
      return inner.evaluate(model, parameters, data, batch);
    }

    @Override
    public void close() {}
  }
}
