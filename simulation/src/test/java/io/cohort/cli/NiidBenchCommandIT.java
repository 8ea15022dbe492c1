package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.testing.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `cohort niid-bench` on synthetic images: a 2 x 2 grid runs, its table is labelled reduced, finished runs are reused. */
class NiidBenchCommandIT {
  @TempDir Path dir;

  @Test
  void niidBench_smallGrid_runsEachCellWritesTableAndReusesFinishedRuns() throws Exception {
    Path data = SyntheticImages.write(dir.resolve("data"), 600, 200, 1);
    Path out = dir.resolve("bench");
    String[] args = {"niid-bench", "--idx-dir", data.toString(), "--partitions", "iid,labels:2",
        "--strategies", "fedavg,fedprox:0.01,scaffold", "--rounds", "1", "--local-epochs", "1",
        "--out", out.toString()};

    CliRun first = CliRun.of(args);

    assertThat(first.code()).as(first.err()).isZero();
    for (String cell : new String[] {"iid_fedavg", "iid_fedprox-0.01", "iid_scaffold", "labels-2_fedavg",
        "labels-2_fedprox-0.01", "labels-2_scaffold"}) {
      assertThat(out.resolve(cell).resolve("summary.json")).isRegularFile();
      assertThat(Files.readAllLines(out.resolve(cell).resolve("metrics.csv"))).hasSize(2); // header + 1 round
    }
    String table = Files.readString(out.resolve("niid-bench.md"));
    assertThat(table).contains("REDUCED setting (1 rounds x 1 local epochs")
        .contains("| iid |").contains("| labels:2 |")
        .contains("fedavg published").contains(" 89.0 |").contains(" 81.0 |").contains(" 78.8 |")
        .contains("scaffold published").contains(" 10.0 |").contains("Flower's NIID-Bench baseline")
        .doesNotContain("reused");
    assertThat(table.lines().filter(l -> l.startsWith("| iid |")).findFirst().orElseThrow())
        .matches("\\| iid \\| (\\d+\\.\\d) \\(best \\1 r1; 0m\\d\\ds\\) \\| 89\\.0 \\|"
            + " (\\d+\\.\\d) \\(best \\2 r1; 0m\\d\\ds\\) \\| 89\\.5 \\|"
            + " (\\d+\\.\\d) \\(best \\3 r1; 0m\\d\\ds\\) \\| 89\\.5 \\|");

    CliRun second = CliRun.of(args);

    assertThat(second.code()).as(second.err()).isZero();
    String again = Files.readString(out.resolve("niid-bench.md"));
    assertThat(again).contains("¹ reused");
    assertThat(again.lines().filter(l -> l.startsWith("| labels:2 |")).findFirst().orElseThrow())
        .isEqualTo(table.lines().filter(l -> l.startsWith("| labels:2 |")).findFirst().orElseThrow()
            .replace(") |", ") ¹ |"));
  }

  @Test
  void niidBench_splitFileNamingItsPublishedPartition_showsThatPartitionsPublishedFigure() throws Exception {
    Path data = SyntheticImages.write(dir.resolve("data"), 600, 200, 1);
    StringBuilder clients = new StringBuilder();
    for (int c = 0; c < 10; c++) { // client c holds examples c, c + 10, c + 20, ...
      StringBuilder indices = new StringBuilder();
      for (int i = c; i < 600; i += 10) {
        indices.append(indices.length() == 0 ? "" : ",").append(i);
      }
      clients.append(c == 0 ? "" : ",").append('[').append(indices).append(']');
    }
    Path split = dir.resolve("split.json");
    Files.writeString(split, "{\"published_as\": \"labels:2\", \"clients\": [" + clients + "]}");
    Path out = dir.resolve("bench");

    CliRun run = CliRun.of("niid-bench", "--idx-dir", data.toString(), "--partitions", "file:" + split,
        "--strategies", "fedavg", "--rounds", "1", "--local-epochs", "1", "--out", out.toString());

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(Files.readString(out.resolve("niid-bench.md")).lines()
        .filter(l -> l.startsWith("| file:")).findFirst().orElseThrow())
        .startsWith("| file:" + split + " |").endsWith(" | 81.0 |");
  }

  @Test
  void niidBench_unknownStrategy_failsBeforeAnyRun() {
    Path out = dir.resolve("bad");
    CliRun run = CliRun.of("niid-bench", "--strategies", "fedavg,bogus", "--out", out.toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("unknown strategy 'bogus'");
    assertThat(out).doesNotExist();
  }
}
