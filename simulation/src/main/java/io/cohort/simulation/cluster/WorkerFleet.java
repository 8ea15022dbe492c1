package io.cohort.simulation.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.cohort.cli.CohortCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The simulating JVM's side of a distributed simulation: a Hazelcast member, and N worker JVMs it starts (the same
 * Java and class path, {@code cohort worker}) that join it on loopback and take their jobs. Workers' output goes to
 * {@code logDir/worker-K.log}.
 */
public final class WorkerFleet implements AutoCloseable {
  private final HazelcastInstance member;
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();

  private WorkerFleet(HazelcastInstance member) {
    this.member = member;
  }

  /** Starts the member and {@code workers} worker JVMs, and waits (bounded) until every worker has joined. */
  public static WorkerFleet start(int workers, Path logDir, Duration joinTimeout) throws IOException,
      InterruptedException {
    String cluster = "cohort-sim-" + UUID.randomUUID();
    WorkerFleet fleet = new WorkerFleet(SimulationCluster.startMember(cluster, "127.0.0.1", List.of()));
    try {
      Files.createDirectories(logDir);
      String join = SimulationCluster.address(fleet.member);
      for (int k = 0; k < workers; k++) {
        Path log = logDir.resolve("worker-" + k + ".log");
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=2G",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), CohortCli.class.getName(),
            "worker", "--join", join, "--cluster-name", cluster));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        fleet.processes.add(pb.start());
        fleet.logs.add(log);
      }
      fleet.awaitJoined(workers, joinTimeout);
      return fleet;
    } catch (IOException | InterruptedException | RuntimeException e) {
      fleet.close();
      throw e;
    }
  }

  private void awaitJoined(int workers, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (SimulationCluster.workers(member).size() < workers) {
      failIfAnyDied();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(SimulationCluster.workers(member).size() + " of " + workers
            + " worker JVMs joined within " + timeout.toSeconds() + " s; see " + logs);
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  /** The joined workers' member ids, in a stable order. */
  public List<String> workerIds() {
    return List.copyOf(new TreeMap<>(Map.copyOf(SimulationCluster.workers(member))).keySet());
  }

  /** Hands worker {@code id} its job. */
  public void assign(String id, WorkerJob job) {
    SimulationCluster.jobs(member).put(id, SimulationCluster.toJson(job));
  }

  /** Throws, with the end of its log, if a worker JVM exited with an error. */
  public void failIfAnyDied() {
    for (int k = 0; k < processes.size(); k++) {
      Process p = processes.get(k);
      if (!p.isAlive() && p.exitValue() != 0) {
        throw new IllegalStateException("worker JVM " + k + " exited with status " + p.exitValue() + ": "
            + tail(logs.get(k)));
      }
    }
  }

  /** Waits (bounded) for every worker JVM to finish its clients and exit, and returns their result lines. */
  public List<String> await(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int k = 0; k < processes.size(); k++) {
      long left = Math.max(1, deadline - System.nanoTime());
      if (!processes.get(k).waitFor(left, TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException("worker JVM " + k + " did not finish within " + timeout.toSeconds()
            + " s after the last round; see " + logs.get(k));
      }
    }
    failIfAnyDied();
    return List.copyOf(new TreeMap<>(Map.copyOf(SimulationCluster.results(member))).values());
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    for (Process p : processes) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    member.shutdown();
  }
}
