package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator whose disk refuses the checkpoint write: the coordinator ({@code cohort coordinator}) runs in a JVM of
 * its own whose file-size limit ({@code prlimit --fsize}, RLIMIT_FSIZE) is below a checkpoint's size, so the write
 * fails midway with an I/O error ("File too large", as a full disk fails it with "No space left on device"). The run
 * stops with an error that names the round and how to resume; the previous checkpoint is intact and no partial file
 * is left; a coordinator resumed from it on a disk with room finishes the run, and the final model is exactly the one
 * of every round of the clients' known updates: no round lost, none counted twice.
 */
class CheckpointDiskFullIT {
  private static final int CLIENTS = 3;
  private static final int ROUNDS = 6;

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

  private List<CompletableFuture<ClientReport>> clients(int port) {
    List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      runs.add(KnownUpdates.client(port, i, new SecureAggregationIT.KnownUpdateTrainer(i), 400, clientThreads));
    }
    return runs;
  }

  @Test
  void checkpointWriteRefusedByTheDisk_stopsTheRunCleanly_previousCheckpointIntact_resumeFinishesExactly()
      throws Exception {
    int port = CoordinatorProcess.freePort();
    CoordinatorProcess first = start(port, null, List.of());
    String runId = first.awaitListening();
    List<CompletableFuture<ClientReport>> clients = clients(port); // they retry across the coordinators below
    first.awaitLine("round 2: aggregated", Duration.ofSeconds(90));
    first.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    Path runDir = dir.resolve(runId);
    Checkpoint before = CheckpointStore.read(newest(runDir));
    int committed = before.header().getRoundsDone();
    assertThat(committed).as("rounds committed before the disk fills").isBetween(2, ROUNDS - 1);

    // The disk "fills": the resumed coordinator cannot write a file beyond 256 bytes, and a checkpoint is larger.
    CoordinatorProcess full = start(port, runId, List.of("prlimit", "--fsize=256"));
    full.awaitListening();
    assertThat(full.process.waitFor(90, TimeUnit.SECONDS)).as("the run stops").isTrue();
    assertThat(full.process.exitValue()).isNotZero();
    String log = String.join("\n", full.lines);
    assertThat(log).contains("checkpoint of round " + (committed + 1) + " failed").contains("File too large")
        .contains("--resume " + runId);
    assertThat(log).doesNotContain("round " + (committed + 1) + ": aggregated"); // never announced, never released
    List<Path> files = list(runDir);
    assertThat(files).as("no partial checkpoint is left").noneMatch(f -> f.getFileName().toString().endsWith(".tmp"));
    Checkpoint intact = CheckpointStore.read(newest(runDir));
    assertThat(intact.header().getRoundsDone()).isEqualTo(committed);
    assertThat(intact.parameters()).containsExactly(before.parameters());

    // The stopped run told its clients it had finished; they stop too.
    for (CompletableFuture<ClientReport> c : clients) {
      c.get(60, TimeUnit.SECONDS);
    }

    // Room again: a resumed coordinator, with the clients started again, redoes the refused round once and finishes.
    CoordinatorProcess resumed = start(port, runId, List.of());
    resumed.awaitListening();
    List<CompletableFuture<ClientReport>> again = clients(port);
    assertThat(resumed.process.waitFor(120, TimeUnit.SECONDS)).as("the resumed run finishes; output:%n%s",
        String.join("\n", resumed.lines)).isTrue();
    assertThat(resumed.process.exitValue()).as(String.join("\n", resumed.lines)).isZero();
    for (CompletableFuture<ClientReport> c : again) {
      c.get(60, TimeUnit.SECONDS);
    }
    Checkpoint last = CheckpointStore.read(newest(runDir));
    assertThat(last.header().getRoundsDone()).isEqualTo(ROUNDS);
    float[] expected = KnownUpdates.after(before.parameters(), CLIENTS, ROUNDS - committed);
    for (int j = 0; j < expected.length; j++) {
      assertThat((double) last.parameters()[j]).as("parameter %d", j).isCloseTo(expected[j], within(1e-5));
    }
  }

  private CoordinatorProcess start(int port, String resume, List<String> wrapper) throws IOException {
    CoordinatorProcess p = CoordinatorProcess.start(port, ROUNDS, CLIENTS, dir, resume, wrapper);
    processes.add(p);
    return p;
  }

  private static Path newest(Path runDir) throws IOException {
    return list(runDir).stream().filter(f -> f.getFileName().toString().endsWith(".ckpt")).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no checkpoint in " + runDir));
  }

  private static List<Path> list(Path runDir) throws IOException {
    try (Stream<Path> s = Files.list(runDir)) {
      return s.sorted().toList();
    }
  }

}
