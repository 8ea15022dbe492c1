package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code cohort coordinator} in a JVM of its own (so that a test can SIGKILL it or limit it with prlimit), serving an
 * 8-feature, 2-class logistic regression (SecureAggregationIT's model) in plain rounds over cleartext HTTP, with
 * checkpoints; its output lines are collected as they come.
 */
final class CoordinatorProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("coordinator listening on \\S+ \\(run (\\S+)\\)");

  final Process process;
  private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
  final List<String> lines = new CopyOnWriteArrayList<>();

  private CoordinatorProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
          queue.add(line);
        }
      } catch (IOException e) {
        queue.add("(output ended: " + e.getMessage() + ")");
      }
    }, "coordinator-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts one on {@code port} for {@code rounds} rounds of {@code clients} clients, checkpointing under {@code dir};
   * resuming run {@code resume} unless null; the command prefixed with {@code wrapper} (e.g. prlimit).
   */
  static CoordinatorProcess start(int port, int rounds, int clients, Path dir, String resume, List<String> wrapper)
      throws IOException {
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:-UsePerfData", "-Dvertx.disableFileCPResolving=true",
        "-cp", System.getProperty("java.class.path"), "io.cohort.cli.CohortCli", "coordinator",
        "--insecure", "--port", Integer.toString(port), "--model", "logreg", "--features", "8", "--classes", "2",
        "--rounds", Integer.toString(rounds), "--min-clients", Integer.toString(clients), "--round-timeout", "60",
        "--poll-wait", "1", "--seed", "1", "--no-secure-agg", "--checkpoint-dir", dir.toString()));
    if (resume != null) {
      command.addAll(List.of("--resume", resume));
    }
    return new CoordinatorProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  /** Waits for the listening line; returns the run id. */
  String awaitListening() throws InterruptedException {
    Matcher m = LISTENING.matcher(awaitLine("coordinator listening on", Duration.ofSeconds(60)));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  /** Waits for a line starting with {@code start}, bounded by {@code timeout}. */
  String awaitLine(String start, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String line = queue.poll(200, TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith(start)) {
        return line;
      }
    }
    throw new AssertionError("no line starting '" + start + "' within " + timeout + "; output:\n"
        + String.join("\n", lines));
  }

  /** Its output so far. */
  String output() {
    return String.join("\n", lines);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }
}
