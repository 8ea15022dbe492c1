package io.cohort.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CoordinatorConfigTest {
  private static final long GIB = 1L << 30;

  @Test
  void defaultMaxConcurrentUploads_smallModel_isCappedAt64() {
    assertThat(CoordinatorConfig.defaultMaxConcurrentUploads(100_000, 4 * GIB)).isEqualTo(64);
  }

  @Test
  void defaultMaxConcurrentUploads_largeModel_staysWithinAQuarterOfTheHeap() {
    // 100M parameters = 400 MB a staging vector; a quarter of 4 GiB holds 2 of them.
    assertThat(CoordinatorConfig.defaultMaxConcurrentUploads(100_000_000, 4 * GIB)).isEqualTo(2);
    // 10M parameters = 40 MB: 1 GiB / 40 MB = 26.
    assertThat(CoordinatorConfig.defaultMaxConcurrentUploads(10_000_000, 4 * GIB)).isEqualTo(26);
  }

  @Test
  void defaultMaxConcurrentUploads_neverBelowTwo() {
    assertThat(CoordinatorConfig.defaultMaxConcurrentUploads(1_000_000_000, GIB)).isEqualTo(2);
  }
}
