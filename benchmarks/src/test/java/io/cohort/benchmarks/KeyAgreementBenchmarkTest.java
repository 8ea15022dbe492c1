package io.cohort.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Both agreements produce a 32-byte secret, the same one on every call. */
class KeyAgreementBenchmarkTest {
  @Test
  void agreements_calledTwice_returnTheSame32ByteSecret() throws Exception {
    KeyAgreementBenchmark bench = new KeyAgreementBenchmark();
    bench.setUp();

    assertThat(bench.cohortX25519Agree()).hasSize(32).isEqualTo(bench.cohortX25519Agree());
    assertThat(bench.jdkX25519Agree()).hasSize(32).isEqualTo(bench.jdkX25519Agree());
  }
}
