package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.testing.GeneratedCsv;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `cohort simulate --data csv:PATH --label COLUMN` on the generated 3-class CSV, and its flag errors. */
class CsvSimulateCommandIT {
  @TempDir Path dir;

  @Test
  void simulate_csvData_trainsWellAboveChance() throws Exception {
    Path csv = GeneratedCsv.copyTo(dir.resolve("data"));
    Path out = dir.resolve("out");
    int code = CohortCli.commandLine().execute("simulate", "--data", "csv:" + csv, "--label", GeneratedCsv.LABEL,
        "--clients", "3", "--rounds", "3", "--model", "logreg", "--optimizer", "sgd", "--lr", "0.1",
        "--local-epochs", "2", "--seed", "4", "--no-secure-agg", "--out", out.toString(), "--no-progress");
    assertThat(code).isZero();
    List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
    assertThat(metrics).hasSize(4);
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertThat(summary.at("/final_metrics/accuracy").asDouble()).isGreaterThan(0.8); // chance is 1/3
    assertThat(summary.at("/confusion_matrix").size()).isEqualTo(3);
    assertThat(summary.at("/config/modelDescription").asText()).startsWith("logreg [5] -> 3");
    assertThat(summary.at("/final_metrics/data_source").asText()).endsWith("generated-3class.csv");
  }

  @Test
  void simulate_csvFlags_badCombinations_exitWithAMessage() throws Exception {
    Path csv = GeneratedCsv.copyTo(dir.resolve("flags"));
    assertThat(run("simulate", "--data", "csv:" + csv)).contains("--data csv:PATH needs --label COLUMN");
    assertThat(run("simulate", "--label", "kind")).contains("--label names the label column of --data csv:PATH");
    assertThat(run("simulate", "--data", "parquet:x")).contains("--data must be fashion-mnist or csv:PATH");
    assertThat(run("simulate", "--data", "csv:" + csv, "--label", "species")).contains("species");
    assertThat(run("simulate", "--data", "csv:" + csv, "--label", "kind", "--model", "cnn"))
        .contains("--model cnn needs image data");
    assertThat(run("simulate", "--data", "csv:" + csv, "--label", "kind", "--idx-dir", dir.toString()))
        .contains("are for Fashion-MNIST");
    assertThat(run("simulate", "--data", "csv:" + dir.resolve("absent.csv"), "--label", "kind"))
        .contains("absent.csv");
  }

  private static String run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = CohortCli.commandLine();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as(err.toString()).isEqualTo(2);
    return err.toString();
  }
}
