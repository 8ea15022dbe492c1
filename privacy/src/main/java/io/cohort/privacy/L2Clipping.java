package io.cohort.privacy;

/**
 * Client-side L2 clipping of a model update, the step that bounds one client's contribution (its sensitivity) in
 * DP-FedAvg.
 *
 * <p><b>Security guarantees.</b> After {@link #clip} the update's exact L2 norm (of the float values, computed in real
 * arithmetic) is at most the clip norm: the scale factor is rounded down by 2^-23 relative, more than the rounding of
 * the float products can add back. The norm is summed in double precision. Non-finite input is refused rather than
 * clipped, since a NaN would silently poison the aggregate. <b>Not</b> provided: any privacy on its own; clipping
 * only makes the noise of {@link GaussianNoise} meaningful. The returned pre-clip norm is private data: send it
 * nowhere; for adaptive clipping send only the bit of {@link AdaptiveClipping#unclipped}.
 */
public final class L2Clipping {
  /** Scale factors are shrunk by this much so that float rounding cannot push the norm above the clip norm. */
  private static final double ROUNDING_MARGIN = 1 - 0x1p-23;

  private L2Clipping() {}

  /**
   * Scales {@code update} in place so that its L2 norm is at most {@code clipNorm}; an update already within the norm
   * is left untouched.
   *
   * @param update the model update (delta of the weights); modified in place
   * @param clipNorm C, finite and > 0
   * @return the L2 norm before clipping
   * @throws IllegalArgumentException if an element is NaN or infinite, or clipNorm is out of range
   */
  public static double clip(float[] update, double clipNorm) {
    if (!(clipNorm > 0 && clipNorm < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("clipNorm must be finite and > 0, got " + clipNorm);
    }
    double norm = norm(update);
    if (norm > clipNorm) {
      double scale = clipNorm / norm * ROUNDING_MARGIN;
      for (int i = 0; i < update.length; i++) {
        update[i] = (float) (update[i] * scale);
      }
    }
    return norm;
  }

  /**
   * The L2 norm of {@code v}, summed in double precision.
   *
   * @throws IllegalArgumentException if an element is NaN or infinite
   */
  public static double norm(float[] v) {
    if (v == null) {
      throw new IllegalArgumentException("update must not be null");
    }
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    if (!Double.isFinite(sum)) {
      throw new IllegalArgumentException("update must hold only finite values (found NaN or infinity)");
    }
    return Math.sqrt(sum);
  }
}
