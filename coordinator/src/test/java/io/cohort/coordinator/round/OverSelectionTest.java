package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OverSelectionTest {
  private static final List<String> LIVE = IntStream.range(0, 20).mapToObj(i -> "c" + i).toList();

  @Test
  void inviteCount_handComputed() {
    assertThat(OverSelection.inviteCount(5, 0.3, 100)).isEqualTo(7); // ceil(6.5)
    assertThat(OverSelection.inviteCount(10, 0.3, 100)).isEqualTo(13); // 10 x 0.3 is 3.0000000000000004 in doubles
    assertThat(OverSelection.inviteCount(3, 0.5, 100)).isEqualTo(5); // ceil(4.5)
    assertThat(OverSelection.inviteCount(1, 0.01, 100)).isEqualTo(2); // any extra share rounds up to one client
    assertThat(OverSelection.inviteCount(4, 0, 100)).isEqualTo(4);
  }

  @Test
  void inviteCount_boundedByTheAvailableClients_neverBelowTheTarget() {
    assertThat(OverSelection.inviteCount(8, 0.5, 10)).isEqualTo(10);
    assertThat(OverSelection.inviteCount(10, 0.5, 10)).isEqualTo(10);
  }

  @Test
  void invite_keepsTheCohortFirst_addsDistinctSpareClients_andRepeatsForASeed() {
    List<String> cohort = List.of("c7", "c2", "c11", "c19", "c0");
    List<String> invited = OverSelection.invite(cohort, LIVE, 0.3, new Random(42));
    assertThat(invited).hasSize(7).startsWith("c7", "c2", "c11", "c19", "c0").doesNotHaveDuplicates();
    assertThat(LIVE).containsAll(invited);
    assertThat(OverSelection.invite(cohort, LIVE, 0.3, new Random(42))).isEqualTo(invited);
  }

  @Test
  void invite_withoutOverSelection_isTheCohort() {
    List<String> cohort = List.of("c3", "c4");
    assertThat(OverSelection.invite(cohort, LIVE, 0, new Random(1))).isSameAs(cohort);
  }

  @Test
  void invite_everyoneAlreadyInTheCohort_addsNoOne() {
    assertThat(OverSelection.invite(LIVE, LIVE, 0.5, new Random(1))).isEqualTo(LIVE);
  }

  @Test
  void invite_spareClientsAreDrawnUniformly() {
    // 2 extra of 18 spare clients, 9,000 draws: each spare client is drawn 9000 x 2/18 = 1000 times in expectation
    // (binomial sd about 30); a bias towards the start of the list would show far beyond 150.
    List<String> cohort = List.of("c0", "c1");
    int[] drawn = new int[LIVE.size()];
    Random random = new Random(7);
    for (int i = 0; i < 9000; i++) {
      List<String> invited = OverSelection.invite(cohort, LIVE, 1.0, random);
      assertThat(new HashSet<>(invited)).hasSize(4);
      for (String id : invited.subList(2, 4)) {
        drawn[Integer.parseInt(id.substring(1))]++;
      }
    }
    assertThat(drawn[0]).isZero();
    assertThat(drawn[1]).isZero();
    List<Integer> spare = new ArrayList<>();
    for (int i = 2; i < drawn.length; i++) {
      spare.add(drawn[i]);
    }
    assertThat(spare).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
  }

  @Test
  void config_overSelectionOutOfRange_isRefusedWithTheRange() {
    CoordinatorConfig.Builder builder = CoordinatorConfig.builder(ModelArchitecture.logreg(List.of(2), 2));
    assertThatThrownBy(() -> builder.overSelection(-0.1).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("over-select must be in [0, 10]");
    assertThatThrownBy(() -> builder.overSelection(Double.NaN).build()).isInstanceOf(IllegalArgumentException.class);
    assertThat(builder.overSelection(0.3).build().overSelection()).isEqualTo(0.3);
  }
}
