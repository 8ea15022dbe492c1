package io.cohort.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.junit.jupiter.api.Test;

class RdpAccountantTest {
  private static final double DELTA = 1e-5;

  @Test
  void defaultOrders_areOpacusDefaultAlphas() {
    double[] orders = RdpAccountant.defaultOrders();
    assertThat(orders).hasSize(151);
    assertThat(orders[0]).isEqualTo(1.1);
    assertThat(orders[8]).isEqualTo(1.9);
    assertThat(orders[98]).isEqualTo(10.9);
    assertThat(orders[99]).isEqualTo(12.0);
    assertThat(orders[150]).isEqualTo(63.0);
  }

  @Test
  void rdp_fullParticipation_equalsGaussianClosedForm() {
    double z = 1.3;
    RdpAccountant accountant = new RdpAccountant();
    accountant.step(z, 1.0, 7);
    double[] orders = accountant.orders();
    double[] rdp = accountant.rdp();
    for (int k = 0; k < orders.length; k++) {
      assertThat(rdp[k]).isCloseTo(7 * orders[k] / (2 * z * z), within(1e-12 * rdp[k]));
    }
  }

  @Test
  void rdp_fullParticipationThroughSeries_agreesWithClosedForm() {
    // q just below 1 takes the series; it must approach alpha / (2 z^2) of q = 1.
    for (double order : new double[] {2, 3.5, 10, 32}) {
      double closed = order / (2 * 1.5 * 1.5);
      assertThat(SampledGaussianRdp.rdp(1 - 1e-9, 1.5, order)).as("order " + order)
          .isCloseTo(closed, within(1e-6 * closed));
    }
  }

  @Property(tries = 40)
  void epsilon_moreSteps_strictlyIncreases(@ForAll @DoubleRange(min = 0.3, max = 10) double z,
      @ForAll @DoubleRange(min = 1e-4, max = 1) @Scale(6) double q, @ForAll @IntRange(min = 1, max = 5000) int steps) {
    RdpAccountant accountant = new RdpAccountant();
    accountant.step(z, q, steps);
    double before = accountant.epsilon(DELTA);
    accountant.step(z, q, 1);
    assertThat(accountant.epsilon(DELTA)).isGreaterThan(before);
  }

  @Test
  void epsilon_grid_increasesWithStepsAndDecreasesWithNoise() {
    double[] noise = {0.5, 0.8, 1.0, 1.1, 2.0, 5.0};
    int[] steps = {1, 10, 100, 1000};
    for (double q : new double[] {0.001, 0.01, 0.1, 1.0}) {
      double[][] eps = new double[noise.length][steps.length];
      for (int i = 0; i < noise.length; i++) {
        RdpAccountant accountant = new RdpAccountant();
        int done = 0;
        for (int s = 0; s < steps.length; s++) {
          accountant.step(noise[i], q, steps[s] - done);
          done = steps[s];
          eps[i][s] = accountant.epsilon(DELTA);
          if (s > 0) {
            assertThat(eps[i][s]).as("q=%s z=%s steps=%s", q, noise[i], steps[s]).isGreaterThan(eps[i][s - 1]);
          }
          if (i > 0) {
            assertThat(eps[i][s]).as("q=%s z=%s steps=%s", q, noise[i], steps[s]).isLessThan(eps[i - 1][s]);
          }
        }
      }
    }
  }

  @Test
  void epsilon_smallerDelta_givesLargerEpsilon() {
    RdpAccountant accountant = new RdpAccountant();
    accountant.step(1.0, 0.02, 300);
    assertThat(accountant.epsilon(1e-8)).isGreaterThan(accountant.epsilon(1e-5));
  }

  @Test
  void epsilon_noSteps_isZero() {
    RdpAccountant accountant = new RdpAccountant();
    assertThat(accountant.epsilon(DELTA)).isZero();
    accountant.step(1.0, 0.0, 100); // nobody sampled: nothing released
    assertThat(accountant.epsilon(DELTA)).isZero();
    assertThat(accountant.epsilonWithOrder(DELTA).order()).isNaN();
  }

  @Test
  void epsilon_zeroNoise_isInfinite() {
    RdpAccountant accountant = new RdpAccountant();
    accountant.step(1.0, 0.01, 10);
    accountant.step(0.0, 0.01, 1);
    assertThat(accountant.epsilon(DELTA)).isInfinite();
  }

  @Test
  void step_oneAtATime_equalsOneCallWithAllSteps() {
    RdpAccountant oneByOne = new RdpAccountant();
    for (int i = 0; i < 500; i++) {
      oneByOne.step(1.1, 0.05, 1);
    }
    RdpAccountant atOnce = new RdpAccountant();
    atOnce.step(1.1, 0.05, 500);
    assertThat(oneByOne.rdp()).containsExactly(atOnce.rdp());
    assertThat(oneByOne.epsilon(DELTA)).isEqualTo(atOnce.epsilon(DELTA));
  }

  @Test
  void epsilonAfter_doesNotChangeStateAndEqualsEpsilonAfterStepping() {
    RdpAccountant accountant = new RdpAccountant();
    accountant.step(1.1, 0.01, 100);
    double now = accountant.epsilon(DELTA);
    double later = accountant.epsilonAfter(1.1, 0.01, 50, DELTA);
    assertThat(accountant.epsilon(DELTA)).isEqualTo(now);
    assertThat(accountant.totalSteps()).isEqualTo(100);
    assertThat(later).isGreaterThan(now);
    accountant.step(1.1, 0.01, 50);
    assertThat(accountant.epsilon(DELTA)).isEqualTo(later);
  }

  @Test
  void epsilonAfter_budgetCheck_stopsBeforeTheBudgetIsExceeded() {
    double budget = 2.0;
    RdpAccountant accountant = new RdpAccountant();
    int rounds = 0;
    while (rounds < 100_000 && accountant.epsilonAfter(1.0, 0.01, 1, DELTA) <= budget) {
      accountant.step(1.0, 0.01, 1);
      rounds++;
    }
    assertThat(rounds).isBetween(1, 99_999);
    assertThat(accountant.epsilon(DELTA)).isLessThanOrEqualTo(budget);
    assertThat(accountant.epsilonAfter(1.0, 0.01, 1, DELTA)).isGreaterThan(budget);
  }

  @Test
  void orders_returnsCopy() {
    RdpAccountant accountant = new RdpAccountant(new double[] {2, 4});
    accountant.orders()[0] = 100;
    assertThat(accountant.orders()).containsExactly(2, 4);
  }

  @Test
  void constructor_withOrderOne_throws() {
    assertThatThrownBy(() -> new RdpAccountant(new double[] {1.0, 2.0}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("orders").hasMessageContaining("(1, 10000]");
    assertThatThrownBy(() -> new RdpAccountant(new double[0])).hasMessageContaining("orders must not be empty");
    assertThatThrownBy(() -> new RdpAccountant(new double[] {Double.NaN})).hasMessageContaining("orders");
  }

  @Test
  void step_withInvalidArguments_throwsNamingTheField() {
    RdpAccountant accountant = new RdpAccountant();
    assertThatThrownBy(() -> accountant.step(-1, 0.1, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noiseMultiplier").hasMessageContaining(">= 0");
    assertThatThrownBy(() -> accountant.step(1, 1.5, 1)).hasMessageContaining("sampleRate must be in [0, 1]");
    assertThatThrownBy(() -> accountant.step(1, Double.NaN, 1)).hasMessageContaining("sampleRate");
    assertThatThrownBy(() -> accountant.step(1, 0.1, -1)).hasMessageContaining("steps must be >= 0");
    assertThatThrownBy(() -> accountant.epsilon(0)).hasMessageContaining("delta must be in (0, 1)");
    assertThatThrownBy(() -> accountant.epsilon(1)).hasMessageContaining("delta must be in (0, 1)");
  }

  @Test
  void logErfc_largeArgument_matchesAsymptoticSeries() {
    // erfc(x) = exp(-x^2) / (x sqrt(pi)) * (1 - 1/(2x^2) + 3/(4x^4) - ...): erfc(30) underflows as a double.
    double x = 30;
    double series = -x * x - Math.log(x * Math.sqrt(Math.PI))
        + Math.log(1 - 1 / (2 * x * x) + 3 / (4 * Math.pow(x, 4)) - 15 / (8 * Math.pow(x, 6)));
    assertThat(SampledGaussianRdp.logErfc(x)).isCloseTo(series, within(1e-12 * Math.abs(series)));
    assertThat(SampledGaussianRdp.logErfc(0)).isCloseTo(0, within(1e-15));
    assertThat(SampledGaussianRdp.logErfc(-3)).isCloseTo(Math.log(2 - 2.209049699858544e-05), within(1e-15));
  }

  @Test
  void replay_ofHistory_rebuildsTheSameEpsilon() {
    RdpAccountant a = new RdpAccountant();
    a.step(1.1, 0.01, 100);
    a.step(1.1, 0.01, 50);
    a.step(0.8, 0.05, 10);
    RdpAccountant b = new RdpAccountant();
    b.replay(a.history());
    assertThat(b.history()).isEqualTo(a.history()).hasSize(2);
    assertThat(b.epsilon(1e-5)).isEqualTo(a.epsilon(1e-5));
    assertThat(b.totalSteps()).isEqualTo(160);
  }
}
