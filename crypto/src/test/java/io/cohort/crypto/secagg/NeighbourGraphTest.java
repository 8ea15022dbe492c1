package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class NeighbourGraphTest {

  @Property(tries = 300)
  void neighbours_anyNAndK_symmetricNoSelfLoopsDegreeK(@ForAll @IntRange(min = 2, max = 60) int n,
      @ForAll @IntRange(min = 1, max = 59) int kRaw, @ForAll long seed) {
    int k = 1 + (kRaw - 1) % (n - 1);
    List<String> ids = RoundSimulation.ids(n);
    NeighbourGraph graph = NeighbourGraph.of(ids, k, seed);
    int raised = 0;
    for (String u : ids) {
      Set<String> nu = graph.neighbours(u);
      assertThat(nu).doesNotContain(u);
      for (String v : nu) {
        assertThat(graph.neighbours(v)).as("%s in N(%s) but not back", v, u).contains(u);
        assertThat(graph.areNeighbours(u, v)).isTrue();
      }
      assertThat(nu.size()).as("degree of %s, n=%d k=%d", u, n, k).isIn(k, k + 1);
      raised += nu.size() == k + 1 ? 1 : 0;
    }
    // k-regular unless k * n is odd, where exactly one client has degree k + 1
    assertThat(raised).isEqualTo((k * n) % 2 == 1 ? 1 : 0);
    if (k >= 2) { // Harary graphs with k >= 2 are k-connected; k = 1 is a matching
      assertThat(connected(graph, ids)).isTrue();
    }
  }

  private static boolean connected(NeighbourGraph graph, List<String> ids) {
    Set<String> seen = new HashSet<>(List.of(ids.get(0)));
    ArrayDeque<String> queue = new ArrayDeque<>(seen);
    while (!queue.isEmpty()) {
      for (String v : graph.neighbours(queue.poll())) {
        if (seen.add(v)) {
          queue.add(v);
        }
      }
    }
    return seen.size() == ids.size();
  }

  @Test
  void neighbours_kIsNMinusOne_completeGraph() {
    for (int n = 2; n <= 15; n++) {
      List<String> ids = RoundSimulation.ids(n);
      NeighbourGraph graph = NeighbourGraph.of(ids, n - 1, 7);
      for (String u : ids) {
        Set<String> others = new TreeSet<>(ids);
        others.remove(u);
        assertThat(graph.neighbours(u)).as("n=%d", n).isEqualTo(others);
      }
    }
  }

  @Test
  void of_sameInputs_sameGraph() {
    List<String> ids = RoundSimulation.ids(30);
    NeighbourGraph a = NeighbourGraph.of(ids, 6, 123);
    NeighbourGraph b = NeighbourGraph.of(List.copyOf(ids), 6, 123);
    for (String u : ids) {
      assertThat(a.neighbours(u)).isEqualTo(b.neighbours(u));
    }
  }

  @Test
  void of_differentSeeds_differentGraphs() {
    List<String> ids = RoundSimulation.ids(30);
    NeighbourGraph a = NeighbourGraph.of(ids, 6, 1);
    NeighbourGraph b = NeighbourGraph.of(ids, 6, 2);
    assertThat(ids.stream().anyMatch(u -> !a.neighbours(u).equals(b.neighbours(u)))).isTrue();
  }

  @Test
  void of_seed_isNotJustTheSortedRing() {
    // The permutation mixes: neighbours are not simply adjacent ids.
    List<String> ids = RoundSimulation.ids(50);
    NeighbourGraph graph = NeighbourGraph.of(ids, 4, 5);
    long adjacentPairs = ids.stream().filter(u -> {
      int i = ids.indexOf(u);
      return i + 1 < ids.size() && graph.areNeighbours(u, ids.get(i + 1));
    }).count();
    assertThat(adjacentPairs).isLessThan(25);
  }

  @Test
  void of_badArguments_throw() {
    assertThatThrownBy(() -> NeighbourGraph.of(List.of("a"), 1, 0)).hasMessageContaining("at least 2");
    assertThatThrownBy(() -> NeighbourGraph.of(List.of("b", "a"), 1, 0)).hasMessageContaining("sorted");
    assertThatThrownBy(() -> NeighbourGraph.of(List.of("a", "a"), 1, 0)).hasMessageContaining("distinct");
    assertThatThrownBy(() -> NeighbourGraph.of(List.of("a", "b"), 2, 0)).hasMessageContaining("1..1");
    assertThatThrownBy(() -> NeighbourGraph.of(List.of("a", "b"), 0, 0)).hasMessageContaining("neighbours");
    assertThatThrownBy(() -> NeighbourGraph.of(List.of("a", "b"), 1, 0).neighbours("c"))
        .hasMessageContaining("not a participant");
  }
}
