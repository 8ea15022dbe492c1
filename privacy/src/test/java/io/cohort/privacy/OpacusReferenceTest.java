package io.cohort.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The accountant against Opacus: a grid computed by Opacus's own code ({@link OpacusReference}, regenerated with
 * src/test/python/reference_values.py) to 1e-6 relative, and the values published in the test files of Opacus and of
 * Google's dp_accounting.
 */
class OpacusReferenceTest {
  private static final double RELATIVE = 1e-6;

  @Test
  void epsilon_opacusGrid_matchesToOneInAMillion() {
    for (double[] row : OpacusReference.EPSILONS) {
      RdpAccountant accountant = new RdpAccountant();
      accountant.step(row[0], row[1], (int) row[2]);
      RdpAccountant.OptimalOrder got = accountant.epsilonWithOrder(OpacusReference.DELTA);
      String where = "z=" + row[0] + " q=" + row[1] + " steps=" + row[2];
      assertThat(got.epsilon()).as(where).isCloseTo(row[3], within(RELATIVE * row[3]));
      assertThat(got.order()).as(where).isEqualTo(row[4]);
    }
  }

  @Test
  void rdp_opacusGridWithFractionalOrders_matchesToOneInAMillion() {
    for (double[] row : OpacusReference.RDP) {
      double got = SampledGaussianRdp.rdp(row[1], row[0], row[2]);
      assertThat(got).as("z=%s q=%s order=%s", row[0], row[1], row[2]).isCloseTo(row[3], within(RELATIVE * row[3]));
    }
  }

  @Test
  void epsilon_opacusDeltas_matchesToOneInAMillion() {
    RdpAccountant accountant = new RdpAccountant();
    accountant.step(1.1, 0.01, 1000);
    for (double[] row : OpacusReference.DELTAS) {
      RdpAccountant.OptimalOrder got = accountant.epsilonWithOrder(row[0]);
      assertThat(got.epsilon()).as("delta=" + row[0]).isCloseTo(row[1], within(RELATIVE * row[1]));
      assertThat(got.order()).as("delta=" + row[0]).isEqualTo(row[2]);
    }
  }

  @Test
  void epsilon_opacusMixedHistory_composesByAddingRdp() {
    RdpAccountant accountant = new RdpAccountant();
    for (double[] segment : OpacusReference.MIXED_HISTORY) {
      accountant.step(segment[0], segment[1], (int) segment[2]);
    }
    RdpAccountant.OptimalOrder got = accountant.epsilonWithOrder(OpacusReference.DELTA);
    assertThat(got.epsilon()).isCloseTo(OpacusReference.MIXED_EPSILON[0],
        within(RELATIVE * OpacusReference.MIXED_EPSILON[0]));
    assertThat(got.order()).isEqualTo(OpacusReference.MIXED_EPSILON[1]);
  }

  /** opacus/tests/accountants_test.py, test_rdp_accountant: one step call per step, as there. */
  @Test
  void epsilon_opacusAccountantsTest_7_32911117143() {
    RdpAccountant accountant = new RdpAccountant();
    for (int i = 0; i < 2250; i++) { // int(90 / 0.04)
      accountant.step(1.5, 0.04, 1);
    }
    assertThat(accountant.epsilon(1e-5)).isCloseTo(7.32911117143, within(5e-8)); // assertAlmostEqual: 7 places
    assertThat(accountant.totalSteps()).isEqualTo(2250);
  }

  /** The docstring example of opacus/accountants/analysis/rdp.py: (0.336, 23). */
  @Test
  void epsilon_opacusDocstringExample_0_336AtOrder23() {
    double[] orders = IntStream.rangeClosed(2, 32).asDoubleStream().toArray();
    RdpAccountant accountant = new RdpAccountant(orders);
    accountant.step(1.0, 1e-5, 10);
    accountant.step(3.0, 1e-4, 4);
    RdpAccountant.OptimalOrder got = accountant.epsilonWithOrder(1e-5);
    assertThat(got.epsilon()).isCloseTo(0.336, within(5e-4));
    assertThat(got.order()).isEqualTo(23);
  }

  /** dp_accounting rdp_privacy_accountant_test.py, test_compute_rdp_poisson_sampled_gaussian (rtol 1e-4). */
  @Test
  void rdp_dpAccountingPoissonSampledGaussian_matchesPublishedValues() {
    double[] orders = {1.5, 2.5, 5, 50, 100};
    double[] expected = {6.5007e-04, 1.0854e-03, 2.1808e-03, 2.3846e-02, 1.6742e+02};
    RdpAccountant accountant = new RdpAccountant(orders);
    accountant.step(2.5, 0.01, 50);
    double[] rdp = accountant.rdp();
    for (int k = 0; k < orders.length; k++) {
      assertThat(rdp[k]).as("order " + orders[k]).isCloseTo(expected[k], within(1e-4 * expected[k]));
    }
  }

  /** dp_accounting test_compute_epsilon_delta_pure_dp: constant RDP 1.1 over orders 2..32. */
  @Test
  void epsilonFromRdp_dpAccountingPureDp_1_32783806176AtOrder32() {
    double[] orders = IntStream.rangeClosed(2, 32).asDoubleStream().toArray();
    double[] rdp = new double[orders.length];
    java.util.Arrays.fill(rdp, 1.1);
    RdpAccountant.OptimalOrder got = RdpAccountant.epsilonFromRdp(orders, rdp, 1e-5);
    assertThat(got.epsilon()).isCloseTo(1.32783806176, within(5e-8));
    assertThat(got.order()).isEqualTo(32);
  }

  /** dp_accounting test_compute_epsilon_delta_gaussian: z = 4.530877117 gives exactly (1, 1e-6)-DP. */
  @Test
  void epsilon_dpAccountingGaussianOneMicroDelta_isOne() {
    double[] orders = IntStream.range(1001, 100_000).mapToDouble(i -> 0.001 * i).toArray(); // order 1.0 excluded
    RdpAccountant accountant = new RdpAccountant(orders);
    accountant.step(4.530877117, 1.0, 1);
    assertThat(accountant.epsilon(1e-6)).isCloseTo(1.0, within(5e-8));
  }
}
