package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cohort bench round} end to end on a tiny model: a real coordinator process, real SDK clients over loopback,
 * and the figures it reports checked against what the run must have done.
 */
class BenchRoundIT {
  @TempDir Path dir;

  @Test
  void round_plain_reportsEveryTimedRoundTheCoordinatorsMemoryAndTheTraffic() throws Exception {
    CliRun run = CliRun.of("bench", "round", "--clients", "3", "--params", "1000", "--warmup", "1", "--rounds", "2",
        "--coordinator-heap", "128m", "--out", dir.toString());

    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("3 clients x 1,000 parameters", "plain updates");
    assertThat(number(run.out(), "plain median_round_seconds=")).isPositive();
    assertThat(number(run.out(), "plain coordinator_peak_rss_mb=")).isGreaterThan(10); // a JVM takes more than 10 MB
    // Each client sends its 1,000-parameter update (4,000 bytes and framing) every round and downloads the model.
    double up = number(run.out(), "bytes_up_per_client=");
    double down = number(run.out(), "bytes_down_per_client=");
    assertThat(up).isBetween(4000.0, 6000.0);
    assertThat(down).isBetween(4000.0, 6000.0);
    List<String> csv = Files.readAllLines(dir.resolve("bench.csv"));
    assertThat(csv).containsExactly(BenchCommand.ROUND_CSV_HEADER, csv.get(1), csv.get(2));
    assertThat(csv.get(1)).startsWith("round,false,0.0,3,1000,2,").endsWith(",3,3");
    assertThat(csv.get(2)).startsWith("round,false,0.0,3,1000,3,").endsWith(",3,3");
    assertThat(dir.resolve("coordinator-gc.log")).isNotEmptyFile();
  }

  @Test
  void round_secureAggregation_measuresThePlainRoundFirstAndPrintsTheRatios() throws Exception {
    CliRun run = CliRun.of("bench", "round", "--clients", "4", "--params", "1000", "--secure-agg", "--warmup", "1",
        "--rounds", "1", "--coordinator-heap", "128m", "--out", dir.toString());

    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("plain updates", "secure aggregation");
    assertThat(Files.readAllLines(dir.resolve("bench.csv"))).hasSize(3)
        .satisfies(csv -> assertThat(csv.get(1)).startsWith("round,false,0.0,4,1000,2,").endsWith(",4,4"))
        .satisfies(csv -> assertThat(csv.get(2)).startsWith("round,true,0.0,4,1000,2,").endsWith(",4,4"));
    double plainUp = number(run.out(), "plain bytes_up_per_client=");
    double secureUp = number(run.out(), "secure bytes_up_per_client=");
    // The masked vector is 4 bytes a coordinate, as the plain update; keys, shares and unmasking come on top.
    assertThat(secureUp).isGreaterThan(plainUp);
    assertThat(number(run.out(), "secure_to_plain_upload_ratio=")).isCloseTo(secureUp / plainUp,
        org.assertj.core.data.Offset.offset(0.001));
    assertThat(number(run.out(), "secure_to_plain_round_ratio=")).isPositive();
    assertThat(dir.resolve("plain/coordinator-gc.log")).isNotEmptyFile();
    assertThat(dir.resolve("secure/coordinator-gc.log")).isNotEmptyFile();
  }

  @Test
  void round_paramsNotAMultipleOfTheClasses_exits2SayingWhy() {
    CliRun run = CliRun.of("bench", "round", "--params", "1001", "--out", dir.toString());

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--params must be a multiple of 10");
    assertThat(dir.resolve("bench.csv")).doesNotExist();
  }

  private static double number(String out, String key) {
    Matcher m = Pattern.compile(Pattern.quote(key) + "([0-9.]+)").matcher(out);
    assertThat(m.find()).as(key + " in " + out).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
