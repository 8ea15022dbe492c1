package io.cohort.coordinator.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class FedAvgTest {
  @Test
  void finish_twoClients_weightsDeltasByExampleCount() {
    FitAggregation agg = new FedAvg(1.0, 1).beginFit(1, 3);
    agg.fold(new ClientUpdate("a", new float[] {1, 0, -2}, 1, 0.5, 0.1));
    agg.fold(new ClientUpdate("b", new float[] {5, 4, 2}, 3, 1.5, 0.2));
    float[] next = agg.finish(new float[] {10, 20, 30}, List.of());
    // w + (1*d_a + 3*d_b) / 4
    assertThat(next).containsExactly(10 + (1 + 15) / 4f, 20 + (0 + 12) / 4f, 30 + (-2 + 6) / 4f);
    assertThat(agg.count()).isEqualTo(2);
    assertThat(agg.totalExamples()).isEqualTo(4);
    assertThat(agg.meanTrainLoss()).isEqualTo((0.5 + 3 * 1.5) / 4);
  }

  @Test
  void finish_failuresAreIgnoredInTheArithmetic() {
    FitAggregation agg = new FedAvg(1.0, 1).beginFit(1, 2);
    agg.fold(new ClientUpdate("a", new float[] {2, 4}, 7, 0, 0));
    float[] next = agg.finish(new float[] {1, 1}, List.of(new ClientFailure("b", "deadline passed")));
    assertThat(next).containsExactly(3, 5);
  }

  @Test
  void finish_nothingFolded_throws() {
    FitAggregation agg = new FedAvg(1.0, 1).beginFit(1, 2);
    assertThatThrownBy(() -> agg.finish(new float[2], List.of())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no update");
  }

  @Test
  void fold_wrongLength_throws() {
    FitAggregation agg = new FedAvg(1.0, 1).beginFit(1, 2);
    assertThatThrownBy(() -> agg.fold(new ClientUpdate("a", new float[3], 1, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 parameters");
  }

  @Test
  void configureFit_fractionAndMinimum_sampleSizeAndDeterminism() {
    List<String> clients = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      clients.add("c" + i);
    }
    FedAvg fedAvg = new FedAvg(0.1, 3);
    List<String> a = fedAvg.configureFit(1, clients, new Random(7));
    List<String> b = fedAvg.configureFit(1, clients, new Random(7));
    assertThat(a).hasSize(10).doesNotHaveDuplicates().isSubsetOf(clients).isEqualTo(b);
    assertThat(new FedAvg(0.01, 5).configureFit(1, clients, new Random(1))).hasSize(5);
    assertThat(new FedAvg(1.0, 5).configureFit(1, clients.subList(0, 3), new Random(1))).hasSize(3);
  }

  @Test
  void constructor_badFraction_namesTheField() {
    assertThatThrownBy(() -> new FedAvg(0, 1)).hasMessageContaining("fraction");
    assertThatThrownBy(() -> new FedAvg(1.5, 1)).hasMessageContaining("fraction");
    assertThatThrownBy(() -> new FedAvg(0.5, 0)).hasMessageContaining("minClients");
  }

  /** Arrival order must not change the aggregate: seeded simulations repeat while clients race. */
  @Property(tries = 200)
  void finish_anyFoldOrder_givesIdenticalFloats(
      @ForAll @Size(min = 2, max = 12) List<@FloatRange(min = -3, max = 3) Float> values,
      @ForAll @IntRange(min = 1, max = 5000) int examples,
      @ForAll long seed) {
    int dim = 4;
    List<ClientUpdate> updates = new ArrayList<>();
    Random random = new Random(seed);
    for (int i = 0; i < values.size(); i++) {
      float[] delta = new float[dim];
      for (int j = 0; j < dim; j++) {
        delta[j] = values.get(i) * (float) random.nextGaussian();
      }
      updates.add(new ClientUpdate("c" + i, delta, 1 + (examples * (i + 1)) % 5000, 0, 0));
    }
    float[] global = {0.1f, -0.2f, 0.3f, 1e-3f};
    float[] first = aggregate(updates, global);
    Collections.shuffle(updates, random);
    assertThat(aggregate(updates, global)).containsExactly(first);
  }

  private static float[] aggregate(List<ClientUpdate> updates, float[] global) {
    FitAggregation agg = new FedAvg(1.0, 1).beginFit(1, global.length);
    updates.forEach(agg::fold);
    return agg.finish(global, List.of());
  }
}
