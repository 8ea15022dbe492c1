package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.testing.SyntheticImages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator process and three client processes, as `./cohort coordinator` and `./cohort client` run them, over
 * the real transport: the coordinator creates its CA in --tls-dir and writes one-time tokens, each client enrols with
 * one (--ca, --enrol-token), keeps its identity in --identity-dir, and takes part over mutual TLS with signed uploads.
 */
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
  void coordinatorAndThreeClientProcesses_enrolThenRunThreeRoundsOverMutualTls() throws Exception {
    Path data = SyntheticImages.write(dir.resolve("data"), 900, 300, 3);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path tlsDir = dir.resolve("coordinator-tls");
    Path tokensFile = dir.resolve("tokens.txt");
    Path coordinatorLog = dir.resolve("coordinator.log");
    Process coordinator = start(coordinatorLog, "coordinator", "--port", String.valueOf(port), "--model", "mlp",
        "--hidden", "32", "--rounds", "3", "--min-clients", "3", "--round-timeout", "120", "--poll-wait", "2",
        "--tls-dir", tlsDir.toString(), "--enrol-tokens", "3", "--enrol-tokens-file", tokensFile.toString(),
        "--checkpoint-dir", dir.resolve("checkpoints").toString());
    List<Process> clients = new ArrayList<>();
    List<Path> clientLogs = new ArrayList<>();
    try {
      List<String> tokens = awaitTokens(tokensFile, coordinator, coordinatorLog);
      for (int i = 0; i < 3; i++) {
        Path log = dir.resolve("client-" + i + ".log");
        clientLogs.add(log);
        clients.add(start(log, "client", "--coordinator", "https://127.0.0.1:" + port, "--idx-dir", data.toString(),
            "--shard", i + "/3", "--ca", tlsDir.resolve("ca.pem").toString(), "--enrol-token", tokens.get(i),
            "--identity-dir", dir.resolve("identity-" + i).toString()));
      }
      boolean ended = coordinator.waitFor(180, TimeUnit.SECONDS);
      if (!ended) { // say what every process was doing
        StringBuilder logs = new StringBuilder(read(coordinatorLog));
        for (Path log : clientLogs) {
          logs.append("\n---- ").append(log.getFileName()).append('\n').append(read(log));
        }
        assertThat(ended).as(logs.toString()).isTrue();
      }
      String out = read(coordinatorLog);
      assertThat(coordinator.exitValue()).as(out).isZero();
      assertThat(out).contains("coordinator listening on https://127.0.0.1:" + port)
          .containsPattern("TLS: clients pin the CA certificate .*ca\\.pem \\(--ca\\), SHA-256 fingerprint "
              + "([0-9A-F]{2}:){31}[0-9A-F]{2}")
          .contains("wrote 3 one-time enrolment tokens to").doesNotContain(tokens.get(0));
      for (int round = 1; round <= 3; round++) {
        assertThat(out).contains("round " + round + ": aggregated, 3/3 clients, 900 examples");
      }
      assertThat(out).contains("run finished: 3 of 3 rounds completed, final model version 3")
          .contains("checkpoints: " + dir.resolve("checkpoints"));
      try (var runs = Files.list(dir.resolve("checkpoints"))) {
        Path run = runs.findFirst().orElseThrow();
        try (var files = Files.list(run)) {
          assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
              .containsExactly("round-000001.ckpt", "round-000002.ckpt", "round-000003.ckpt");
        }
      }
      for (int i = 0; i < 3; i++) {
        assertThat(clients.get(i).waitFor(20, TimeUnit.SECONDS)).isTrue();
        String clientOut = read(clientLogs.get(i));
        assertThat(clients.get(i).exitValue()).as(clientOut).isZero();
        assertThat(clientOut).contains("300 training and 100 held-out examples")
            .contains("3 updates accepted, 0 refused");
        assertThat(permissions(dir.resolve("identity-" + i).resolve("client.key.pem"))).isEqualTo("rw-------");
        assertThat(permissions(dir.resolve("identity-" + i).resolve("client.pem"))).isEqualTo("rw-------");
      }
      assertThat(permissions(tokensFile)).isEqualTo("rw-------");
      for (String file : List.of("ca.key.pem", "ca.pem", "server.key.pem", "server.pem")) {
        assertThat(permissions(tlsDir.resolve(file))).as(file).isEqualTo("rw-------");
      }
      assertThat(permissions(tlsDir)).isEqualTo("rwx------");
    } finally {
      coordinator.destroyForcibly();
      clients.forEach(Process::destroyForcibly);
    }
  }

  /** The three tokens, once the coordinator has written them (bounded wait; fails if the coordinator died). */
  private static List<String> awaitTokens(Path tokensFile, Process coordinator, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(tokensFile)) {
        List<String> tokens = Files.readAllLines(tokensFile);
        if (tokens.size() == 3) {
          return tokens;
        }
      }
      if (!coordinator.isAlive()) {
        throw new AssertionError("the coordinator exited early: " + read(log));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no enrolment tokens within 60 s: " + read(log));
  }

  private static String permissions(Path file) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }
}
