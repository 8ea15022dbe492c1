package io.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.spi.merge.MergingValue;
import org.junit.jupiter.api.Test;

class HigherTermMergePolicyTest {
  private final HigherTermMergePolicy policy = new HigherTermMergePolicy();

  /** A merging value whose raw form is a label, so the test sees which side was kept. */
  private static MergingValue<Object> value(Object deserialized, String raw) {
    return new MergingValue<>() {
      @Override
      public Object getDeserializedValue() {
        return deserialized;
      }

      @Override
      public Object getRawValue() {
        return raw;
      }
    };
  }

  @Test
  void merge_leases_higherTermWinsEitherSide() {
    assertThat(policy.merge(value(new Lease("b", 3, 0), "merging"), value(new Lease("a", 2, 40), "existing")))
        .isEqualTo("merging");
    assertThat(policy.merge(value(new Lease("b", 2, 0), "merging"), value(new Lease("a", 3, 0), "existing")))
        .isEqualTo("existing");
  }

  @Test
  void merge_onTie_keepsExisting() {
    assertThat(policy.merge(value(new Lease("b", 2, 99), "merging"), value(new Lease("a", 2, 0), "existing")))
        .isEqualTo("existing");
  }

  @Test
  void merge_fencedValues_higherTermWins_absentExistingTakesMerging() {
    assertThat(policy.merge(value(new FencedMap.Fenced<>(7, "x"), "merging"),
        value(new FencedMap.Fenced<>(6, "y"), "existing"))).isEqualTo("merging");
    assertThat(policy.merge(value(new FencedMap.Fenced<>(1, "x"), "merging"), null)).isEqualTo("merging");
  }

  @Test
  void merge_valueWithoutTerm_keepsExisting() {
    assertThat(policy.merge(value("plain", "merging"), value(new Lease("a", 1, 0), "existing")))
        .isEqualTo("existing");
  }
}
