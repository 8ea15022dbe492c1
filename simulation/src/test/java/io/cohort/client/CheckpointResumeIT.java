package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.CheckpointSettings;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator checkpoints every finished round; a new coordinator started with resume continues the run at the next
 * round, with the same run id and model, while the real SDK clients retry and register again. Known updates make the
 * final model exact: any lost or repeated round would show.
 */
class CheckpointResumeIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2);
  private static final int CLIENTS = 3;
  private static final int ROUNDS = 4;

  @TempDir
  Path dir;
  private Vertx vertx;
  /** One thread per client (not the common pool, which has a single worker on 2 cores). */
  private ExecutorService clientThreads;
  private final List<CompletableFuture<ClientReport>> clientRuns = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    clientThreads = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() {
    clientThreads.shutdownNow();
    vertx.close().await();
  }

  /** The run's rounds once it completes; if it does not within 2 minutes, a failure that says what each client did. */
  private List<RoundRecord> awaitRun(Coordinator coordinator) throws Exception {
    try {
      return coordinator.completion().toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (TimeoutException e) {
      StringBuilder states = new StringBuilder();
      for (int i = 0; i < clientRuns.size(); i++) {
        CompletableFuture<ClientReport> run = clientRuns.get(i);
        String outcome;
        try {
          outcome = run.isDone() ? "finished: " + run.join() : "still running";
        } catch (java.util.concurrent.CompletionException failed) {
          outcome = "failed: " + failed.getCause();
        }
        states.append("\n  c").append(i).append(": ").append(outcome);
      }
      throw new AssertionError("the resumed run did not complete within 2 minutes; clients:" + states, e);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private Coordinator coordinator(int port, CheckpointSettings checkpoints) {
    return Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure().port(port).rounds(ROUNDS)
        .minClients(CLIENTS).pollWait(Duration.ofSeconds(1)).roundTimeout(Duration.ofSeconds(60))
        .checkpoints(checkpoints).build()).await();
  }

  private List<CompletableFuture<ClientReport>> clients(int port) {
    List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      int n = SecureAggregationIT.examples(i);
      LocalDataset data = LocalDataset.of(new float[n * 8], new int[n], List.of(8), 2);
      CohortClient client = CohortClient.builder().coordinator(URI.create("http://127.0.0.1:" + port))
          .name("c" + i).data(DatasetSource.of(data, data)).trainer(new SecureAggregationIT.KnownUpdateTrainer(i))
          .requireSecureAggregation(false).insecure()
          .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(400), 100))
          .pollWait(Duration.ofSeconds(1)).build();
      runs.add(CompletableFuture.supplyAsync(client::run, clientThreads));
    }
    clientRuns.addAll(runs);
    return runs;
  }

  /** Runs a coordinator until {@code stopAfter} rounds are checkpointed and announced, then closes it. */
  private String runAndStop(int port, int stopAfter) throws Exception {
    Coordinator first = coordinator(port, CheckpointSettings.in(dir));
    CountDownLatch reached = new CountDownLatch(1);
    first.onRound(r -> {
      if (r.round() == stopAfter) {
        reached.countDown();
      }
    });
    clients(port); // they outlive this coordinator: they retry until the next one answers
    assertThat(reached.await(60, TimeUnit.SECONDS)).isTrue();
    String runId = first.runId();
    first.close().await();
    return runId;
  }

  private List<Path> checkpointFiles(String runId) throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve(runId))) {
      return s.sorted().toList();
    }
  }

  @Test
  void resume_afterTheCoordinatorStops_continuesAtTheNextRoundWithNoRoundLostOrRepeated() throws Exception {
    int port = freePort();
    String runId = runAndStop(port, 2);
    assertThat(checkpointFiles(runId)).extracting(p -> p.getFileName().toString())
        .containsExactly("round-000001.ckpt", "round-000002.ckpt");

    long started = System.nanoTime();
    Coordinator second = coordinator(port, CheckpointSettings.in(dir).resuming(null));
    double restartSeconds = (System.nanoTime() - started) / 1e9;
    assertThat(second.runId()).isEqualTo(runId);
    List<RoundRecord> rounds = awaitRun(second);
    assertThat(rounds).extracting(RoundRecord::round).containsExactly(1, 2, 3, 4);
    assertThat(rounds).allSatisfy(r -> assertThat(r.completed()).isTrue());
    assertThat(rounds.get(3).modelVersion()).isEqualTo(4);
    float[] expected = KnownUpdates.after(MODEL.initialParameters(1), CLIENTS, ROUNDS);
    float[] actual = rounds.get(3).parameters();
    for (int j = 0; j < expected.length; j++) {
      assertThat((double) actual[j]).as("parameter %d", j).isCloseTo(expected[j], within(1e-5));
    }
    assertThat(restartSeconds).as("restart to resumed coordinator, seconds").isLessThan(30);
    second.close().await();
  }

  @Test
  void resume_withTheNewestCheckpointTruncated_skipsItAndRedoesThatRound() throws Exception {
    int port = freePort();
    String runId = runAndStop(port, 2);
    Path newest = dir.resolve(runId).resolve("round-000002.ckpt");
    byte[] bytes = Files.readAllBytes(newest);
    Files.write(newest, Arrays.copyOf(bytes, bytes.length - 10));

    Coordinator second = coordinator(port, CheckpointSettings.in(dir).resuming(runId));
    List<RoundRecord> rounds = awaitRun(second);
    assertThat(rounds).extracting(RoundRecord::round).containsExactly(1, 2, 3, 4); // round 2 ran again, once
    float[] expected = KnownUpdates.after(MODEL.initialParameters(1), CLIENTS, ROUNDS);
    float[] actual = rounds.get(3).parameters();
    for (int j = 0; j < expected.length; j++) {
      assertThat((double) actual[j]).as("parameter %d", j).isCloseTo(expected[j], within(1e-5));
    }
    second.close().await();
  }

  @Test
  void checkpointThatCannotBeWritten_endsTheRunBeforeAnotherModelIsReleased() throws Exception {
    int port = freePort();
    Path notADirectory = dir.resolve("a-file");
    Files.writeString(notADirectory, "checkpoints cannot go under a regular file");
    Coordinator coordinator = coordinator(port, CheckpointSettings.in(notADirectory));
    List<RoundRecord> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
    coordinator.onRound(announced::add);
    clients(port);
    java.util.concurrent.ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.ExecutionException.class,
        () -> coordinator.completion().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
    assertThat(failure.getCause()).hasMessageContaining("checkpoint of round 1 failed")
        .hasMessageContaining("--resume");
    assertThat(announced).isEmpty(); // round 1 was never announced, and no round 2 started
    coordinator.close().await();
  }
}
