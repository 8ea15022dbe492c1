package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.testing.SyntheticImages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A coordinator process and three client processes, as `./cohort coordinator` and `./cohort client` run them. */
class MultiProcessIT {
  @TempDir Path dir;

  private Process start(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), CohortCli.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    return pb.start();
  }

  @Test
  void coordinatorAndThreeClientProcesses_runThreeRoundsOverLoopback() throws Exception {
    Path data = SyntheticImages.write(dir.resolve("data"), 900, 300, 3);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path coordinatorLog = dir.resolve("coordinator.log");
    Process coordinator = start(coordinatorLog, "coordinator", "--port", String.valueOf(port), "--model", "mlp",
        "--hidden", "32", "--rounds", "3", "--min-clients", "3", "--round-timeout", "120", "--poll-wait", "2");
    List<Process> clients = new ArrayList<>();
    List<Path> clientLogs = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Path log = dir.resolve("client-" + i + ".log");
        clientLogs.add(log);
        clients.add(start(log, "client", "--coordinator", "http://127.0.0.1:" + port, "--idx-dir", data.toString(),
            "--shard", i + "/3"));
      }
      assertThat(coordinator.waitFor(180, TimeUnit.SECONDS)).as(read(coordinatorLog)).isTrue();
      String out = read(coordinatorLog);
      assertThat(coordinator.exitValue()).as(out).isZero();
      for (int round = 1; round <= 3; round++) {
        assertThat(out).contains("round " + round + ": aggregated, 3/3 clients, 900 examples");
      }
      assertThat(out).contains("run finished: 3 of 3 rounds completed, final model version 3");
      for (int i = 0; i < 3; i++) {
        assertThat(clients.get(i).waitFor(20, TimeUnit.SECONDS)).isTrue();
        String clientOut = read(clientLogs.get(i));
        assertThat(clients.get(i).exitValue()).as(clientOut).isZero();
        assertThat(clientOut).contains("300 training and 100 held-out examples")
            .contains("3 updates accepted, 0 refused");
      }
    } finally {
      coordinator.destroyForcibly();
      clients.forEach(Process::destroyForcibly);
    }
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }
}
