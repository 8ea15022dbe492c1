package io.cohort.privacy;

import org.apache.commons.numbers.gamma.Erfc;
import org.apache.commons.numbers.gamma.Erfcx;

/**
 * RDP of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar and Zhang 2019, "Rényi Differential Privacy of
 * the Sampled Gaussian Mechanism", section 3.3), computed the way Opacus computes it
 * ({@code opacus/accountants/analysis/rdp.py}: {@code _compute_log_a_for_int_alpha}, {@code
 * _compute_log_a_for_frac_alpha}, {@code _compute_rdp}, {@code get_privacy_spent}), step by step in the same order, so
 * that results agree with Opacus to rounding (checked in {@code OpacusReferenceTest}).
 *
 * <p>Package-private: callers use {@link RdpAccountant}.
 */
final class SampledGaussianRdp {
  /** Bound on the series for fractional orders; Opacus has none. Reached only for orders very close to 1. */
  static final int MAX_SERIES_TERMS = 10_000_000;

  private static final double LOG_HALF = Math.log(0.5);
  private static final double SQRT2 = Math.sqrt(2);

  private SampledGaussianRdp() {}

  /**
   * RDP at order {@code alpha} of one step of the mechanism with sampling rate {@code q} and noise multiplier
   * {@code sigma} ({@code _compute_rdp}); may be {@code +inf}.
   */
  static double rdp(double q, double sigma, double alpha) {
    if (q == 0) {
      return 0;
    }
    if (sigma == 0) {
      return Double.POSITIVE_INFINITY; // no noise, no privacy
    }
    if (q == 1.0) {
      return alpha / (2 * sigma * sigma); // the plain Gaussian mechanism
    }
    if (Double.isInfinite(alpha)) {
      return Double.POSITIVE_INFINITY;
    }
    return logA(q, sigma, alpha) / (alpha - 1);
  }

  /**
   * Epsilon for target {@code delta} from RDP values, with the conversion of Balle et al. 2020 ("Hypothesis testing
   * interpretations and Rényi differential privacy", Theorem 21), as Opacus's {@code get_privacy_spent}: eps(alpha) =
   * rdp(alpha) - (log delta + log alpha) / (alpha - 1) + log((alpha - 1) / alpha), minimised over the orders; the first
   * minimum wins and NaN entries are skipped ({@code np.nanargmin}).
   *
   * @return {epsilon, order}; {+inf, NaN} when every entry is NaN
   */
  static double[] epsilon(double[] orders, double[] rdp, double delta) {
    int best = -1;
    double bestEps = Double.NaN;
    double logDelta = Math.log(delta);
    for (int k = 0; k < orders.length; k++) {
      double a = orders[k];
      double eps = rdp[k] - (logDelta + Math.log(a)) / (a - 1) + Math.log((a - 1) / a);
      if (!Double.isNaN(eps) && (best < 0 || eps < bestEps)) {
        best = k;
        bestEps = eps;
      }
    }
    return best < 0 ? new double[] {Double.POSITIVE_INFINITY, Double.NaN} : new double[] {bestEps, orders[best]};
  }

  static double logA(double q, double sigma, double alpha) {
    return alpha == Math.rint(alpha) ? logAIntegerOrder(q, sigma, (int) alpha) : logAFractionalOrder(q, sigma, alpha);
  }

  /** {@code _compute_log_a_for_int_alpha}: a finite sum of alpha + 1 positive terms. */
  private static double logAIntegerOrder(double q, double sigma, int alpha) {
    double logQ = Math.log(q);
    double log1mQ = Math.log(1 - q);
    double twoSigmaSq = 2 * (sigma * sigma);
    double logA = Double.NEGATIVE_INFINITY;
    double logBinom = 0; // log C(alpha, 0)
    for (int i = 0; i <= alpha; i++) {
      if (i > 0) {
        logBinom += Math.log((double) (alpha - i + 1) / i);
      }
      double logCoef = logBinom + i * logQ + (alpha - i) * log1mQ;
      double s = logCoef + ((double) i * i - i) / twoSigmaSq;
      logA = logAdd(logA, s);
    }
    return logA;
  }

  /**
   * {@code _compute_log_a_for_frac_alpha}: the two halves of A_alpha, integrals over (-inf, z0] and [z0, +inf), as
   * alternating series in log space, summed until both new terms fall below e^-30.
   */
  private static double logAFractionalOrder(double q, double sigma, double alpha) {
    double logA0 = Double.NEGATIVE_INFINITY;
    double logA1 = Double.NEGATIVE_INFINITY;
    double z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
    double logQ = Math.log(q);
    double log1mQ = Math.log(1 - q);
    double twoSigmaSq = 2 * (sigma * sigma);
    double sqrt2Sigma = SQRT2 * sigma;
    double logAbsBinom = 0; // log |binom(alpha, 0)|
    boolean positive = true;
    for (int i = 0; i < MAX_SERIES_TERMS; i++) {
      if (i > 0) {
        double factor = (alpha - i + 1) / i; // binom(alpha, i) = binom(alpha, i - 1) * (alpha - i + 1) / i
        logAbsBinom += Math.log(Math.abs(factor));
        positive = positive == (factor > 0);
      }
      double j = alpha - i;
      double logT0 = logAbsBinom + i * logQ + j * log1mQ;
      double logT1 = logAbsBinom + j * logQ + i * log1mQ;
      double logE0 = LOG_HALF + logErfc((i - z0) / sqrt2Sigma);
      double logE1 = LOG_HALF + logErfc((z0 - j) / sqrt2Sigma);
      double logS0 = logT0 + ((double) i * i - i) / twoSigmaSq + logE0;
      double logS1 = logT1 + (j * j - j) / twoSigmaSq + logE1;
      if (positive) {
        logA0 = logAdd(logA0, logS0);
        logA1 = logAdd(logA1, logS1);
      } else {
        logA0 = logSub(logA0, logS0);
        logA1 = logSub(logA1, logS1);
      }
      if (Math.max(logS0, logS1) < -30) {
        return logAdd(logA0, logA1);
      }
    }
    throw new ArithmeticException("RDP series for order " + alpha + " did not converge in " + MAX_SERIES_TERMS
        + " terms; use orders further from 1");
  }

  /** log(erfc(x)), accurate where erfc(x) underflows: log(erfcx(x)) - x^2 for x > 0. */
  static double logErfc(double x) {
    if (x > 0) {
      return Math.log(Erfcx.value(x)) - x * x;
    }
    return Math.log(Erfc.value(x)); // erfc(x) in [1, 2]: no cancellation
  }

  /** log(e^x + e^y). */
  static double logAdd(double logX, double logY) {
    double a = Math.min(logX, logY);
    double b = Math.max(logX, logY);
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    return Math.log1p(Math.exp(a - b)) + b;
  }

  /** log(e^x - e^y) for x >= y; as Opacus, x is returned where e^(x - y) overflows. */
  static double logSub(double logX, double logY) {
    if (logX < logY) {
      throw new ArithmeticException("log-space subtraction with a negative result (RDP series lost precision)");
    }
    if (logY == Double.NEGATIVE_INFINITY) {
      return logX;
    }
    if (logX == logY) {
      return Double.NEGATIVE_INFINITY;
    }
    double diff = Math.expm1(logX - logY);
    if (Double.isInfinite(diff)) {
      return logX;
    }
    return Math.log(diff) + logY;
  }
}
