package io.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.simulation.data.LabeledImages;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientShardsTest {
  private static LabeledImages images(int n) {
    int[] labels = new int[n];
    float[] features = new float[n * 2];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
      features[2 * i] = i; // lets the test recognise each example
    }
    return new LabeledImages(features, labels, List.of(2), 3);
  }

  @Test
  void split_everyTrainingAndTestExampleGoesToExactlyOneClient() {
    ClientShards shards = ClientShards.split(images(30), images(9), "iid", 3, 7);
    Set<Float> train = new HashSet<>();
    Set<Float> heldOut = new HashSet<>();
    float[] row = new float[2];
    for (int c = 0; c < 3; c++) {
      assertThat(shards.train(c).size()).isEqualTo(10);
      assertThat(shards.heldOut(c).size()).isEqualTo(3);
      for (int i = 0; i < 10; i++) {
        shards.train(c).copyFeatures(i, row, 0);
        assertThat(train.add(row[0])).isTrue();
      }
      for (int i = 0; i < 3; i++) {
        shards.heldOut(c).copyFeatures(i, row, 0);
        assertThat(heldOut.add(row[0])).isTrue();
      }
    }
    assertThat(train).hasSize(30);
    assertThat(heldOut).hasSize(9);
  }

  @Test
  void split_sameSeed_sameShards() {
    assertThat(ClientShards.split(images(30), images(9), "dirichlet:1.0:1", 3, 7).trainParts())
        .isDeepEqualTo(ClientShards.split(images(30), images(9), "dirichlet:1.0:1", 3, 7).trainParts());
  }

  @Test
  void split_moreClientsThanTestExamples_saysWhatToChange() {
    assertThatThrownBy(() -> ClientShards.split(images(30), images(2), "iid", 3, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one held-out");
  }
}
