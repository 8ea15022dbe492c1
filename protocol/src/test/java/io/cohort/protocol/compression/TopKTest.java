package io.cohort.protocol.compression;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TopKTest {
  @Test
  void select_handComputed_largestMagnitudesAscending() {
    float[] x = {0.1f, -5, 3, 0, -3, 2};
    assertThat(TopK.select(x, 3)).containsExactly(1, 2, 4);
    assertThat(TopK.select(x, 1)).containsExactly(1);
    assertThat(TopK.select(x, 6)).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(TopK.select(x, 0)).isEmpty();
  }

  @Test
  void select_ties_goToTheLowestPositions() {
    assertThat(TopK.select(new float[] {1, -1, 1, 1}, 2)).containsExactly(0, 1);
    assertThat(TopK.select(new float[] {0, 2, -2, 2, 5}, 3)).containsExactly(1, 2, 4);
  }

  @Property(tries = 300)
  void select_anyVector_returnsKAscendingPositionsThatDominateTheRest(
      @ForAll @IntRange(min = 1, max = 500) int n, @ForAll @IntRange(min = 0, max = 500) int kWanted,
      @ForAll long seed) {
    int k = Math.min(n, kWanted);
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextInt(4) == 0 ? r.nextInt(3) - 1 : (float) r.nextGaussian(); // plenty of ties
    }
    int[] chosen = TopK.select(x, k);
    assertThat(chosen).hasSize(k);
    Set<Integer> in = new HashSet<>();
    float smallestChosen = Float.POSITIVE_INFINITY;
    for (int i = 0; i < k; i++) {
      if (i > 0) {
        assertThat(chosen[i]).isGreaterThan(chosen[i - 1]);
      }
      in.add(chosen[i]);
      smallestChosen = Math.min(smallestChosen, Math.abs(x[chosen[i]]));
    }
    for (int i = 0; i < n; i++) {
      if (!in.contains(i)) {
        assertThat(Math.abs(x[i])).isLessThanOrEqualTo(smallestChosen);
      }
    }
  }
}
