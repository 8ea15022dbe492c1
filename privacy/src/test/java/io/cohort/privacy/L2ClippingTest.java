package io.cohort.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.Scale;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class L2ClippingTest {

  @Property(tries = 300)
  void clip_anyUpdate_exactNormAtMostClipNorm(
      @ForAll @Size(min = 1, max = 200) float @FloatRange(min = -1e6f, max = 1e6f) [] update,
      @ForAll @DoubleRange(min = 1e-3, max = 1e3) @Scale(6) double clipNorm) {
    float[] original = update.clone();
    double before = L2Clipping.clip(update, clipNorm);
    assertThat(before).isCloseTo(Math.sqrt(exactSquaredNorm(original).doubleValue()), within(1e-12 * before));
    assertThat(withinClipNorm(update, clipNorm)).isTrue();
    if (before <= clipNorm) {
      assertThat(update).containsExactly(original);
    } else {
      double scale = clipNorm / before;
      for (int i = 0; i < update.length; i++) { // same direction: every element scaled by one factor
        double expected = original[i] * scale;
        assertThat((double) update[i]).isCloseTo(expected, within(1e-6 * Math.abs(expected) + 1e-44));
      }
      assertThat(L2Clipping.norm(update)).isCloseTo(clipNorm, within(1e-6 * clipNorm));
    }
  }

  @Test
  void clip_worstCaseRounding_staysWithinClipNorm() {
    float[] update = new float[100_000];
    java.util.Arrays.fill(update, 1.0000001f);
    L2Clipping.clip(update, 0.3);
    assertThat(withinClipNorm(update, 0.3)).isTrue();
  }

  @Test
  void clip_threeFourFive_scalesToClipNormAndReturnsFive() {
    float[] update = {3, 4};
    assertThat(L2Clipping.clip(update, 1.0)).isEqualTo(5.0);
    assertThat(update[0]).isCloseTo(0.6f, within(1e-6f));
    assertThat(update[1]).isCloseTo(0.8f, within(1e-6f));
  }

  @Test
  void clip_zeroVector_isUnchanged() {
    float[] update = new float[3];
    assertThat(L2Clipping.clip(update, 1.0)).isZero();
    assertThat(update).containsExactly(0, 0, 0);
  }

  @Test
  void clip_withNaNOrInfinity_throws() {
    assertThatThrownBy(() -> L2Clipping.clip(new float[] {1, Float.NaN}, 1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finite");
    assertThatThrownBy(() -> L2Clipping.clip(new float[] {Float.POSITIVE_INFINITY}, 1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finite");
  }

  @Test
  void clip_withInvalidClipNorm_throws() {
    assertThatThrownBy(() -> L2Clipping.clip(new float[] {1}, 0)).hasMessageContaining("clipNorm must be finite and > 0");
    assertThatThrownBy(() -> L2Clipping.clip(new float[] {1}, Double.POSITIVE_INFINITY))
        .hasMessageContaining("clipNorm");
    assertThatThrownBy(() -> L2Clipping.clip(null, 1)).hasMessageContaining("update must not be null");
  }

  /** The squared norm of the float values in exact arithmetic against C^2, also exact: no rounding anywhere. */
  private static boolean withinClipNorm(float[] v, double clipNorm) {
    BigDecimal c = new BigDecimal(clipNorm);
    return exactSquaredNorm(v).compareTo(c.multiply(c)) <= 0;
  }

  private static BigDecimal exactSquaredNorm(float[] v) {
    BigDecimal sum = BigDecimal.ZERO;
    for (float x : v) {
      BigDecimal b = new BigDecimal(x);
      sum = sum.add(b.multiply(b));
    }
    return sum;
  }
}
