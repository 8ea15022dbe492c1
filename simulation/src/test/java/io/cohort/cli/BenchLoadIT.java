package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cohort bench load} end to end with a few clients: a real coordinator process over TLS, real SDK clients
 * each enrolled with its own certificate, and books that balance: every acknowledged update is in its round's
 * aggregate exactly once, read back from the models themselves.
 */
class BenchLoadIT {
  @TempDir Path dir;

  @Test
  void load_fewClientsOverTls_booksBalance_andTheFiguresAreReported() throws Exception {
    CliRun run = CliRun.of("bench", "load", "--clients", "12", "--rounds", "2", "--coordinator-heap", "128m",
        "--out", dir.toString());

    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("12 clients x 2 rounds over TLS")
        .contains("acknowledged=24 aggregated=24 lost=0 duplicated=0 (phantom=0")
        .contains("rounds_completed=2 of 2").contains("refusals: none");
    assertThat(number(run.out(), "coordinator_peak_rss_mb=")).isGreaterThan(10);
    double p50 = number(run.out(), "request_latency_p50_ms=");
    double p99 = number(run.out(), "request_latency_p99_ms=");
    assertThat(p50).isPositive().isLessThanOrEqualTo(p99);
    // 12 enrolments and registrations, 24 model downloads and 24 uploads at least (retries would add more).
    assertThat(number(run.out(), "protocol requests, every route but the held poll; ", "\\(([0-9]+) protocol"))
        .isGreaterThanOrEqualTo(72);
    assertThat(dir.resolve("coordinator.out")).isNotEmptyFile();
  }

  private static double number(String out, String key) {
    Matcher m = Pattern.compile(Pattern.quote(key) + "([0-9.]+)").matcher(out);
    assertThat(m.find()).as(key + " in " + out).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static double number(String out, String what, String regex) {
    Matcher m = Pattern.compile(regex).matcher(out);
    assertThat(m.find()).as(what + " in " + out).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
