package io.cohort.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.benchmarks.ByteCountingHttpClient.Endpoint;
import io.cohort.benchmarks.RoundBenchmark.Mode;
import io.cohort.benchmarks.RoundBenchmark.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tiny runs of the round benchmark (4 clients, 200 parameters, 2 rounds) over the real protocol on loopback. */
class RoundBenchmarkTest {
  private static final int D = 200;

  @Test
  void run_plain_aggregatesEveryRoundExactlyAndCountsAFloatUpdatePerClient() throws Exception {
    Result r = RoundBenchmark.run(Mode.PLAIN, 4, D, 2, 1, 4);

    assertThat(r.completed()).isEqualTo(2);
    assertThat(r.accepted()).isEqualTo(8);
    assertThat(r.maxError()).isLessThan(1e-6);
    assertThat(r.roundSeconds()).hasSize(1);
    assertThat(r.roundSeconds()[0]).isPositive();
    assertThat(r.updateRequestsPerClientRound()).isEqualTo(1.0);
    // A float update: 4 bytes per parameter plus framing and tensor headers.
    assertThat(r.sentPerClientRound()[Endpoint.UPDATES.ordinal()]).isBetween(4.0 * D, 4.0 * D + 400);
    assertThat(r.sentPerClientRound()[Endpoint.SECAGG.ordinal()]).isZero();
  }

  @Test
  void run_secureWithDropout_aggregatesTheSurvivorsAndCountsMaskedVectorsAndKeyMessages() throws Exception {
    Result r = RoundBenchmark.run(Mode.SECURE_DROP10, 10, D, 2, 1, 10);

    assertThat(r.completed()).isEqualTo(2);
    assertThat(r.accepted()).as("one of ten crashes each round").isEqualTo(18);
    assertThat(r.maxError()).isLessThan(1e-5);
    // Nine of ten clients upload a masked vector of D + 1 words per round.
    assertThat(r.sentPerClientRound()[Endpoint.UPDATES.ordinal()]).isBetween(0.9 * 4 * (D + 1),
        0.9 * (4 * (D + 1) + 400));
    assertThat(r.sentPerClientRound()[Endpoint.SECAGG.ordinal()]).isPositive();
  }

  @Test
  void table_plainAndSecure_printsRowsAndTheRatio() {
    Result plain = new Result(Mode.PLAIN, 2, 4, 3, new double[] {0.1, 0.3}, new double[] {0.2}, 3, 6,
        new double[] {16, 0, 4}, new double[] {16, 0, 4}, 1, 0);
    Result secure = new Result(Mode.SECURE, 2, 4, 3, new double[] {0.4, 0.4}, new double[] {0.5}, 3, 6,
        new double[] {20, 8, 4}, new double[] {16, 8, 4}, 1, 0);

    String table = RoundBenchmark.table(List.of(plain, secure));

    assertThat(table).contains("plain ").contains("secure ")
        .contains("secure / plain: time 2.00x, interval 2.50x, upload bytes 1.600x (update body alone 1.2500x)");
  }

  @Test
  void median_oddAndEvenCounts_isTheMiddleValue() {
    assertThat(RoundBenchmark.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(RoundBenchmark.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(RoundBenchmark.median(new double[0])).isNaN();
  }
}
