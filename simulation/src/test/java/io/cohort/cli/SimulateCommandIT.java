package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.testing.SyntheticImages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `cohort simulate` end to end on synthetic IDX data: the three output files, and clear errors for bad flags. */
class SimulateCommandIT {
  @TempDir Path dir;

  @Test
  void simulate_smallRun_writesMetricsPlotAndSummary() throws Exception {
    Path data = SyntheticImages.write(dir.resolve("data"), 600, 200, 1);
    Path out = dir.resolve("out");
    int code = CohortCli.commandLine().execute("simulate", "--idx-dir", data.toString(), "--clients", "4",
        "--rounds", "2", "--model", "logreg", "--partition", "shards:2", "--optimizer", "sgd", "--lr", "0.1",
        "--local-epochs", "3", "--seed", "3", "--out", out.toString(),
        "--no-progress");
    assertThat(code).isZero();
    List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
    assertThat(csv.get(0)).startsWith("round,accuracy,loss,clients,seconds");
    assertThat(csv).hasSize(3);
    assertThat(csv.get(2)).startsWith("2,");
    assertThat(ImageIO.read(out.resolve("accuracy.png").toFile()).getWidth()).isGreaterThan(100);
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertThat(summary.at("/config/clients").asInt()).isEqualTo(4);
    assertThat(summary.at("/config/partition").asText()).isEqualTo("shards:2");
    assertThat(summary.at("/seed").asLong()).isEqualTo(3);
    assertThat(summary.at("/final_metrics/accuracy").asDouble()).isBetween(0.3, 1.0);
    assertThat(summary.at("/versions/vertx").asText()).isEqualTo("5.1.5");
    assertThat(summary.at("/confusion_matrix").size()).isEqualTo(10);
  }

  @Test
  void simulate_insecure_runsOverCleartextAndWarnsLoudly() throws Exception {
    Path data = SyntheticImages.write(dir.resolve("data"), 200, 100, 1);
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    int code;
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code = CohortCli.commandLine().execute("simulate", "--idx-dir", data.toString(), "--clients", "2",
          "--rounds", "1", "--model", "logreg", "--out", dir.resolve("insecure").toString(), "--no-progress",
          "--insecure");
    } finally {
      System.setErr(original);
    }
    assertThat(code).isZero();
    assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("WARNING: the simulation runs --insecure: cleartext HTTP");
  }

  @Test
  void simulate_badFlags_exitWithAMessageNamingTheFlag() {
    assertThat(run("simulate", "--partition", "zipf:2")).contains("zipf");
    assertThat(run("simulate", "--model", "transformer")).contains("unknown model 'transformer'");
    assertThat(run("simulate", "--fraction", "1.5")).contains("--fraction must be in (0, 1]");
    assertThat(run("simulate", "--optimizer", "lion")).contains("--optimizer must be adam or sgd");
    assertThat(run("simulate", "--idx-dir", dir.resolve("missing").toString())).contains("lacks");
  }

  private String run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = CohortCli.commandLine();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).isEqualTo(2);
    return err.toString();
  }
}
