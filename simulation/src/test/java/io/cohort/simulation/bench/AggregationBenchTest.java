package io.cohort.simulation.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.simulation.bench.AggregationBench.Mode;
import io.cohort.simulation.bench.AggregationBench.Repeat;
import io.cohort.simulation.bench.AggregationBench.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

class AggregationBenchTest {
  @Test
  void readAll_floats_addsEveryElementOfEveryUpdateIncludingTheTails() {
    // 6 updates (one group of four, two left over) of 2,500 elements (two blocks and a tail); small integers, so
    // every partial sum is exact in float whatever the order
    float[][] updates = new float[6][2_500];
    for (int k = 0; k < updates.length; k++) {
      for (int i = 0; i < updates[k].length; i++) {
        updates[k][i] = (i + k) % 3 - 1;
      }
    }
    updates[2][2_499] = 1_000; // in a group's tail
    updates[5][7] = -500; // in a leftover update
    double expected = 0;
    for (float[] update : updates) {
      for (float v : update) {
        expected += v;
      }
    }

    assertThat((double) AggregationBench.readAll(updates)).isEqualTo(expected);
  }

  @Test
  void readAll_ints_isTheWrappingSumOfEveryElement() {
    int[][] updates = new int[5][1_030];
    int expected = 0;
    for (int k = 0; k < updates.length; k++) {
      for (int i = 0; i < updates[k].length; i++) {
        updates[k][i] = (i * 31 + k) * 0x9E3779B9;
        expected += updates[k][i];
      }
    }

    assertThat(AggregationBench.readAll(updates)).isEqualTo(expected);
  }

  @Test
  void result_medians_areOverTheRepeats() {
    Result result = new Result(Mode.FEDAVG, 2, 125_000_000, List.of(new Repeat(0, 1.0, 2.0),
        new Repeat(1, 0.5, 1.0), new Repeat(2, 2.0, 1.0)));

    assertThat(result.bytes()).isEqualTo(1e9);
    assertThat(result.foldGbPerSecond()).isEqualTo(1.0); // median fold time 1.0 s
    assertThat(result.readGbPerSecond()).isEqualTo(1.0); // median read time 1.0 s
    assertThat(result.ratioToMemoryRead()).isEqualTo(0.5); // ratios 0.5, 0.5, 2.0
  }

  @Test
  void run_eachMode_timesEveryRepeat() {
    AggregationBench bench = new AggregationBench(2, 100, 1, 3, 1);
    for (Mode mode : Mode.values()) {
      Result result = bench.run(mode);

      assertThat(result.repeats()).hasSize(3).allSatisfy(r -> {
        assertThat(r.readSeconds()).isPositive();
        assertThat(r.foldSeconds()).isPositive();
      });
    }
  }

  @Test
  void constructor_zeroClients_throwsNamingTheFlags() {
    assertThatThrownBy(() -> new AggregationBench(0, 10, 0, 1, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--clients");
  }
}
