package io.cohort.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each benchmark method, called once outside JMH on a small vector, computes what its javadoc says. */
class MaskExpansionBenchmarkTest {
  private MaskExpansionBenchmark bench;

  @BeforeEach
  void setUp() throws Exception {
    bench = new MaskExpansionBenchmark();
    bench.words = 50_000;
    bench.setUp();
  }

  @Test
  void memoryRead_returnsTheWrappingSumOfTheVector() {
    int expected = 0;
    for (int v : bench.target) {
      expected += v;
    }
    assertThat(bench.memoryRead()).isEqualTo(expected);
    assertThat(bench.memoryReadFourSums()).isEqualTo(expected);
  }

  @Test
  void maskPrgAddToAndBouncyCastle_addTheSameMask() {
    int[] before = bench.target.clone();
    int[] afterJdk = bench.maskPrgAddTo().clone();
    int[] afterBc = bench.bouncyCastleAesCtrAddTo().clone();
    for (int i = 0; i < afterJdk.length; i++) {
      assertThat(afterBc[i] - afterJdk[i]).as("word %d", i).isEqualTo(afterJdk[i] - before[i]);
    }
    assertThat(afterJdk).isNotEqualTo(before);
  }

  @Test
  void addVectors_addsTheOtherVectorElementwise() {
    int[] before = bench.target.clone();
    int[] after = bench.addVectors();
    for (int i = 0; i < before.length; i++) {
      assertThat(after[i]).isEqualTo(before[i] + bench.other[i]);
    }
  }

  @Test
  void jdkAesCtrKeystream_fillsTheBufferWithKeystream() throws Exception {
    byte[] keystream = bench.jdkAesCtrKeystream();
    assertThat(keystream).hasSize(64 * 1024);
    assertThat(Arrays.equals(keystream, new byte[keystream.length])).isFalse();
  }
}
