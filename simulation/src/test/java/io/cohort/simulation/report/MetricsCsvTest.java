package io.cohort.simulation.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCsvTest {
  @TempDir Path out;

  @Test
  void create_writesExactHeader() throws IOException {
    try (MetricsCsv csv = MetricsCsv.create(out.resolve("run"))) {
      assertThat(csv.path()).isEqualTo(out.resolve("run").resolve("metrics.csv"));
      assertThat(Files.readAllLines(csv.path())).containsExactly(
          "round,accuracy,loss,clients,seconds,macro_f1,failed,train_loss,fed_eval_accuracy,fed_eval_loss,epsilon,"
              + "bytes_up,bytes_down,invited,late,elapsed_seconds");
    }
  }

  @Test
  void append_eachRowIsOnDiskBeforeClose() throws IOException {
    try (MetricsCsv csv = MetricsCsv.create(out)) {
      csv.append(new RoundRow(1, 0.71, 0.82, 10, 1.5, 0.69, false, 0.9, 0.7, 0.85, 2.5));
      assertThat(Files.readAllLines(csv.path())).hasSize(2)
          .last().isEqualTo("1,0.71,0.82,10,1.5,0.69,false,0.9,0.7,0.85,2.5,,,,,");
      csv.append(new RoundRow(2, 0.75, 0.7, 9, 1.25, 0.74, false, null, null, null, null));
      assertThat(Files.readAllLines(csv.path())).hasSize(3)
          .last().isEqualTo("2,0.75,0.7,9,1.25,0.74,false,,,,,,,,,");
      csv.append(new RoundRow(3, 0.8, 0.6, 10, 1.0, 0.79, false, null, null, null, null, 1_034_567L, 4_081_230L));
      assertThat(Files.readAllLines(csv.path())).last()
          .isEqualTo("3,0.8,0.6,10,1.0,0.79,false,,,,,1034567,4081230,,,"); // byte counts as plain integers
    }
  }

  @Test
  void append_failedRoundWithNaN_writesEmptyCells() throws IOException {
    try (MetricsCsv csv = MetricsCsv.create(out)) {
      csv.append(new RoundRow(3, Double.NaN, Double.NaN, 0, 0.25, Double.NaN, true, null, null, null, null));
    }
    List<String> lines = Files.readAllLines(out.resolve(MetricsCsv.FILE_NAME));
    assertThat(lines.get(1)).isEqualTo("3,,,0,0.25,,true,,,,,,,,,");
    assertThat(lines.get(1).split(",", -1)).hasSize(MetricsCsv.COLUMNS.size());
  }

  @Test
  void append_overSelectedRound_writesInvitedAndLateLast() throws IOException {
    try (MetricsCsv csv = MetricsCsv.create(out)) {
      csv.append(new RoundRow(4, 0.8, 0.5, 5, 2.0, 0.79, false, 0.4, null, null, null, 7, 2));
    }
    List<String> lines = Files.readAllLines(out.resolve(MetricsCsv.FILE_NAME));
    assertThat(lines.get(1)).isEqualTo("4,0.8,0.5,5,2.0,0.79,false,0.4,,,,,,7,2,");
    assertThat(lines.get(1).split(",", -1)).hasSize(MetricsCsv.COLUMNS.size());
  }

  @Test
  void create_existingFile_isTruncated() throws IOException {
    Files.writeString(out.resolve(MetricsCsv.FILE_NAME), "old content\nmore\n");
    MetricsCsv.create(out).close();
    assertThat(Files.readAllLines(out.resolve(MetricsCsv.FILE_NAME))).containsExactly(MetricsCsv.HEADER);
  }

  @Test
  void append_afterClose_fails() throws IOException {
    MetricsCsv csv = MetricsCsv.create(out);
    csv.close();
    assertThatThrownBy(() -> csv.append(new RoundRow(1, 0.5, 1, 1, 1, 0.5, false, null, null, null, null)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void roundRow_negativeRound_isRejected() {
    assertThatThrownBy(() -> new RoundRow(-1, 0, 0, 0, 0, 0, false, null, null, null, null))
        .hasMessageContaining("round must be >= 0");
  }

  @Test
  void append_timedRound_writesElapsedSecondsLast() throws IOException {
    try (MetricsCsv csv = MetricsCsv.create(out)) {
      csv.append(new RoundRow(5, 0.8, 0.5, 5, 2.0, 0.79, false, 0.4, null, null, null, 100L, 200L, 5, 0, 12.5));
    }
    assertThat(Files.readAllLines(out.resolve(MetricsCsv.FILE_NAME)).get(1))
        .isEqualTo("5,0.8,0.5,5,2.0,0.79,false,0.4,,,,100,200,5,0,12.5");
  }
}
