package io.cohort.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each benchmark method, called once outside JMH on small updates, computes what its javadoc says. */
class AggregationBenchmarkTest {
  private AggregationBenchmark bench;

  @BeforeEach
  void setUp() {
    bench = new AggregationBenchmark();
    bench.params = 1_001;
    bench.clients = 3;
    bench.setUp();
  }

  @Test
  void foldFedAvg_movesAZeroModelByTheExampleWeightedMean() {
    float[] next = bench.foldFedAvg().finish(new float[bench.params], java.util.List.of());

    for (int i = 0; i < bench.params; i += 97) {
      double expected = (100 * bench.updates[0][i] + 101 * bench.updates[1][i] + 102 * bench.updates[2][i]) / 303.0;
      assertThat((double) next[i]).isCloseTo(expected, within(1e-6));
    }
  }

  @Test
  void foldMasked_isTheWrappingSum() {
    int[] sum = bench.foldMasked();

    for (int i = 0; i < bench.params; i++) {
      assertThat(sum[i]).isEqualTo(bench.masked[0][i] + bench.masked[1][i] + bench.masked[2][i]);
    }
  }

  @Test
  void memoryReads_readEveryWord() {
    int ints = 0;
    for (int[] m : bench.masked) {
      for (int v : m) {
        ints += v;
      }
    }
    assertThat(bench.memoryReadInts()).isEqualTo(ints);
    assertThat(bench.memoryReadFloats()).isNotZero();
  }
}
