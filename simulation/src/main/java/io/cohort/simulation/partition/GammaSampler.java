package io.cohort.simulation.partition;

import java.util.SplittableRandom;

/**
 * Gamma and Dirichlet variates from a seeded {@link SplittableRandom}, by Marsaglia and Tsang's method ("A Simple
 * Method for Generating Gamma Variables", ACM TOMS 26(3), 2000). Neither Tribuo nor its dependencies provide a
 * seedable gamma sampler, hence this small one.
 *
 * <p>Shapes below 1 use the boost {@code Gamma(a) = Gamma(a + 1) * U^(1/a)}, evaluated in log space: for the small
 * concentrations used to simulate label skew (alpha = 0.01) the product underflows to zero in double precision.
 */
final class GammaSampler {
  private GammaSampler() {}

  /** The natural logarithm of a {@code Gamma(shape, 1)} variate; {@code shape > 0}. */
  static double logGamma(double shape, SplittableRandom rng) {
    if (shape < 1) {
      double u = 1.0 - rng.nextDouble(); // in (0, 1], so the log is finite
      return Math.log(marsagliaTsang(shape + 1, rng)) + Math.log(u) / shape;
    }
    return Math.log(marsagliaTsang(shape, rng));
  }

  /** A {@code Gamma(shape, 1)} variate for {@code shape >= 1}. */
  static double marsagliaTsang(double shape, SplittableRandom rng) {
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / Math.sqrt(9.0 * d);
    while (true) {
      double x;
      double v;
      do {
        x = rng.nextGaussian();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = rng.nextDouble();
      double x2 = x * x;
      if (u < 1.0 - 0.0331 * x2 * x2) {
        return d * v;
      }
      if (Math.log(u) < 0.5 * x2 + d * (1.0 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  /**
   * The logarithms of a symmetric {@code Dirichlet(alpha, ..., alpha)} draw, up to a common additive constant:
   * {@code p[i] = exp(result[i]) / sum_j exp(result[j])}.
   */
  static double[] logDirichlet(double alpha, int size, SplittableRandom rng) {
    double[] logs = new double[size];
    for (int i = 0; i < size; i++) {
      logs[i] = logGamma(alpha, rng);
    }
    return logs;
  }
}
