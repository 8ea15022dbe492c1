package io.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.AbstractMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FencedMapTest {
  private static CoordinatorCluster member;

  @BeforeAll
  static void start() {
    member = CoordinatorCluster.start(ClusterSettings.standalone()
        .withClusterName("fenced-" + Long.toHexString(System.nanoTime())));
  }

  @AfterAll
  static void stop() {
    member.close();
  }

  private static FencedMap<String, String> map(String name) {
    return FencedMap.of(member.hazelcast(), name);
  }

  @Test
  void put_withLowerTermAfterHigher_isRefusedAndValueKept() {
    FencedMap<String, String> state = map("put-lower");
    assertThat(state.put("round", "1", 1)).isTrue();
    assertThat(state.put("round", "2", 2)).isTrue();
    assertThat(state.put("round", "late write from term 1", 1)).isFalse();
    assertThat(state.get("round")).contains("2");
    assertThat(state.termOf("round")).isEqualTo(2);
    assertThat(state.put("round", "3", 2)).as("same term writes again").isTrue();
    assertThat(state.get("round")).contains("3");
  }

  @Test
  void claim_raisesFenceWithoutChangingValue_thenOldTermIsRefused() {
    FencedMap<String, String> state = map("claim");
    state.put("model", "v7", 3);
    assertThat(state.claim("model", 4)).isTrue();
    assertThat(state.get("model")).contains("v7");
    assertThat(state.termOf("model")).isEqualTo(4);
    assertThat(state.put("model", "v8 from the deposed driver", 3)).isFalse();
    assertThat(state.claim("model", 3)).isFalse();
    assertThat(state.get("model")).contains("v7");
  }

  @Test
  void claim_ofAbsentKey_leavesTombstoneThatRefusesLowerTerms() {
    FencedMap<String, String> state = map("tombstone");
    assertThat(state.claim("never-written", 5)).isTrue();
    assertThat(state.get("never-written")).isEmpty();
    assertThat(state.put("never-written", "stale", 4)).isFalse();
    assertThat(state.get("never-written")).isEmpty();
    assertThat(state.remove("never-written", 6)).isTrue();
    assertThat(state.put("never-written", "stale", 5)).isFalse();
  }

  @Test
  void putAsync_completesWithOutcome() {
    FencedMap<String, byte[]> state = FencedMap.of(member.hazelcast(), "async");
    assertThat(state.putAsync("k", new byte[] {1, 2}, 9).toCompletableFuture().join()).isTrue();
    assertThat(state.putAsync("k", new byte[] {3}, 8).toCompletableFuture().join()).isFalse();
    assertThat(state.get("k")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2));
    assertThat(state.termOf("absent")).isZero();
    assertThat(state.get("absent")).isEqualTo(Optional.empty());
  }

  @Test
  void put_withTermZero_throwsSayingNotDriving() {
    FencedMap<String, String> state = map("zero");
    assertThatThrownBy(() -> state.put("k", "v", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("term 0 means this member does not drive");
    assertThat(state.termOf("k")).isZero();
  }

  @Test
  void write_onPlainEntry_refusesOnlyHigherTerms() {
    Map.Entry<String, FencedMap.Fenced<String>> e = new AbstractMap.SimpleEntry<>("k", new FencedMap.Fenced<>(5, "a"));
    assertThat(new FencedMap.Write<String, String>(4, "b", false).process(e)).isFalse();
    assertThat(e.getValue()).isEqualTo(new FencedMap.Fenced<>(5, "a"));
    assertThat(new FencedMap.Write<String, String>(5, "c", false).process(e)).isTrue();
    assertThat(new FencedMap.Write<String, String>(6, null, true).process(e)).isTrue();
    assertThat(e.getValue()).isEqualTo(new FencedMap.Fenced<>(6, "c"));
  }
}
