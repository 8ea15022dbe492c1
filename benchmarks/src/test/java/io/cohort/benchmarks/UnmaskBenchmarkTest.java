package io.cohort.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The benchmark's states and methods, driven by hand as JMH drives them, on a small vector. */
class UnmaskBenchmarkTest {
  private static UnmaskBenchmark.Round round(int clients, int dropPercent, int dimension) {
    UnmaskBenchmark.Round round = new UnmaskBenchmark.Round();
    round.clients = clients;
    round.dropPercent = dropPercent;
    round.dimension = dimension;
    round.record();
    return round;
  }

  @Test
  void unmask_afterEachInvocationSetup_returnsTheSurvivorsSum() {
    UnmaskBenchmark bench = new UnmaskBenchmark();
    UnmaskBenchmark.Round round = round(20, 10, 2000);
    UnmaskBenchmark.ServerAtUnmask state = new UnmaskBenchmark.ServerAtUnmask();

    for (int invocation = 0; invocation < 3; invocation++) {
      state.prepare(round);
      assertThat(bench.unmask(state)).isEqualTo(round.recorded.expectedSum());
    }
  }

  @Test
  void maskInput_afterEachInvocationSetup_returnsTheRecordedMaskedVector() {
    UnmaskBenchmark bench = new UnmaskBenchmark();
    UnmaskBenchmark.Round round = round(20, 0, 2000);
    UnmaskBenchmark.ClientAtMask state = new UnmaskBenchmark.ClientAtMask();

    for (int invocation = 0; invocation < 2; invocation++) {
      state.prepare(round);
      assertThat(bench.maskInput(round, state)).isEqualTo(round.recorded.measuredMasked);
    }
  }
}
