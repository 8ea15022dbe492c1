package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort bench aggregate} on a tiny round: its report line per mode, its CSV, and its refusals. */
class BenchCommandTest {
  @TempDir Path dir;

  @Test
  void aggregate_tinyRound_printsRatioPerModeAndWritesARowPerRepeat() throws Exception {
    CliRun run = CliRun.of("bench", "aggregate", "--clients", "3", "--params", "1000", "--warmup", "1",
        "--repeats", "2", "--out", dir.toString());

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("3 updates x 1,000 parameters")
        .containsPattern("fedavg +fold +\\d+\\.\\d\\d GB/s +memory read +\\d+\\.\\d\\d GB/s +ratio_to_memory_read="
            + "\\d+\\.\\d\\d")
        .containsPattern("masked +fold .* ratio_to_memory_read=\\d+\\.\\d\\d");
    List<String> csv = Files.readAllLines(dir.resolve("bench.csv"));
    assertThat(csv).hasSize(1 + 2 * 2);
    assertThat(csv.get(0)).isEqualTo(BenchCommand.CSV_HEADER);
    assertThat(csv.subList(1, 3)).allSatisfy(row -> assertThat(row).startsWith("aggregate,fedavg,3,1000,"));
    assertThat(csv.subList(3, 5)).allSatisfy(row -> assertThat(row).startsWith("aggregate,masked,3,1000,"));
    for (String row : csv.subList(1, 5)) {
      String[] cells = row.split(",");
      assertThat(cells).hasSize(10);
      double read = Double.parseDouble(cells[5]);
      double fold = Double.parseDouble(cells[6]);
      assertThat(read).isPositive();
      assertThat(fold).isPositive();
      assertThat(Double.parseDouble(cells[9])).isCloseTo(read / fold, withPercentage(1));
    }
  }

  @Test
  void aggregate_unknownMode_exits2NamingTheModes() {
    CliRun run = CliRun.of("bench", "aggregate", "--mode", "fedavg,median", "--out", dir.toString());

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("unknown --mode 'median'").contains("fedavg, masked");
    assertThat(dir.resolve("bench.csv")).doesNotExist();
  }

  @Test
  void aggregate_moreThanTheHeapHolds_exits2SayingHowToFixIt() {
    CliRun run = CliRun.of("bench", "aggregate", "--clients", "100000", "--params", "1000000", "--out",
        dir.toString());

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("need").contains("MB of heap").contains("COHORT_HEAP");
  }
}
