package io.cohort.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each codec benchmark method, called once outside JMH on a small model, does what its javadoc says. */
class CodecBenchmarkTest {
  private static CodecBenchmark bench(int chunkElements) throws Exception {
    CodecBenchmark bench = new CodecBenchmark();
    bench.params = 10_000; // 9,999 features x 10 classes + 10 biases
    bench.chunkElements = chunkElements;
    bench.setUp();
    return bench;
  }

  @ParameterizedTest
  @ValueSource(ints = {1_000, 65_536})
  void decode_ofTheEncoding_givesBackEveryParameterExactly(int chunkElements) throws Exception {
    CodecBenchmark bench = bench(chunkElements);

    assertThat(bench.decode()).containsExactly(bench.parameters);
  }

  @Test
  void encode_smallerChunks_moreFramesOfTheSameData() throws Exception {
    byte[] fine = bench(1_000).encode();
    byte[] coarse = bench(65_536).encode();

    // 40,000 bytes of floats either way; 101 frames (W: 99,990 in 100 pieces, b: 10 in one) cost more framing than 3.
    assertThat(coarse.length).isGreaterThan(40_000).isLessThan(fine.length);
    assertThat(fine.length - 40_000).isLessThan(101 * 40);
  }

  @Test
  void copyBytes_isAFreshCopyOfTheEncoding() throws Exception {
    CodecBenchmark bench = bench(65_536);

    byte[] copy = bench.copyBytes();
    assertThat(copy).isEqualTo(bench.encoded).isNotSameAs(bench.encoded);
  }
}
