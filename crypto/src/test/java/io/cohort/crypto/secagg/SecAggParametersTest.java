package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecAggParametersTest {
  private static final List<String> IDS = RoundSimulation.ids(10);

  @Test
  void defaultNeighbours_isMinOfNMinusOneAndSixTimesCeilLog2() {
    assertThat(SecAggParameters.defaultNeighbours(2)).isEqualTo(1);
    assertThat(SecAggParameters.defaultNeighbours(3)).isEqualTo(2);
    assertThat(SecAggParameters.defaultNeighbours(20)).isEqualTo(19);
    assertThat(SecAggParameters.defaultNeighbours(31)).isEqualTo(30);
    assertThat(SecAggParameters.defaultNeighbours(32)).isEqualTo(30);
    assertThat(SecAggParameters.defaultNeighbours(100)).isEqualTo(42);
    assertThat(SecAggParameters.defaultNeighbours(1024)).isEqualTo(60);
    assertThat(SecAggParameters.defaultNeighbours(1025)).isEqualTo(66);
    assertThatThrownBy(() -> SecAggParameters.defaultNeighbours(1)).hasMessageContaining("n must be >= 2");
  }

  @Test
  void defaultThreshold_isStrictMajority() {
    assertThat(SecAggParameters.defaultThreshold(1)).isEqualTo(1);
    assertThat(SecAggParameters.defaultThreshold(2)).isEqualTo(2);
    assertThat(SecAggParameters.defaultThreshold(14)).isEqualTo(8);
    assertThat(SecAggParameters.defaultThreshold(15)).isEqualTo(8);
  }

  @Test
  void constructor_validFields_accepted() {
    SecAggParameters p = new SecAggParameters("r", 0, IDS, 9, 9, -1L, 1);
    assertThat(p.graph().neighbours(IDS.get(0))).hasSize(9);
  }

  @Test
  void constructor_invalidFields_throwNamingFieldAndRange() {
    assertThatThrownBy(() -> new SecAggParameters("", 0, IDS, 3, 2, 0, 1)).hasMessageContaining("runId");
    assertThatThrownBy(() -> new SecAggParameters("r", -1, IDS, 3, 2, 0, 1)).hasMessageContaining("round");
    assertThatThrownBy(() -> new SecAggParameters("r", 0, List.of("a"), 1, 1, 0, 1))
        .hasMessageContaining("participants");
    assertThatThrownBy(() -> new SecAggParameters("r", 0, List.of("b", "a"), 1, 1, 0, 1))
        .hasMessageContaining("sorted");
    assertThatThrownBy(() -> new SecAggParameters("r", 0, IDS, 10, 2, 0, 1))
        .hasMessageContaining("neighbours must be in 1..9");
    assertThatThrownBy(() -> new SecAggParameters("r", 0, IDS, 0, 1, 0, 1)).hasMessageContaining("neighbours");
    assertThatThrownBy(() -> new SecAggParameters("r", 0, IDS, 3, 4, 0, 1))
        .hasMessageContaining("threshold must be in 1..3");
    assertThatThrownBy(() -> new SecAggParameters("r", 0, IDS, 3, 0, 0, 1)).hasMessageContaining("threshold");
    assertThatThrownBy(() -> new SecAggParameters("r", 0, IDS, 3, 2, 0, 0)).hasMessageContaining("vectorLength");
  }

  @Test
  void client_notAParticipant_throws() {
    SecAggParameters p = new SecAggParameters("r", 0, IDS, 3, 2, 0, 1);
    assertThatThrownBy(() -> new SecAggClient(p, "stranger", new java.security.SecureRandom()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stranger");
  }
}
