package io.cohort.protocol.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class StochasticQuantizerTest {
  @Test
  void quantize_valuesOnTheGrid_exactLevelsWhateverTheDraw() {
    // block scale 7 with 7 levels: each value is its own level, so no rounding is drawn
    float[] x = {7, 2, -7, 0, -3};
    for (long seed = 0; seed < 20; seed++) {
      StochasticQuantizer.Quantized q = StochasticQuantizer.quantize(x, 0, 5, 7, 256, new SplittableRandom(seed));
      assertThat(q.scales()).containsExactly(7f);
      assertThat(q.levels()).containsExactly(7, 2, -7, 0, -3);
    }
  }

  @Test
  void quantize_oneBlockPerBlockSize_eachScaledByItsOwnMaximum() {
    float[] x = {0.5f, -1, 0.25f, 4, -2, 0, 0, 0, 0};
    StochasticQuantizer.Quantized q = StochasticQuantizer.quantize(x, 0, 9, 127, 3, new SplittableRandom(1));
    assertThat(q.scales()).containsExactly(1f, 4f, 0f);
    assertThat(q.levels()[1]).isEqualTo((byte) -127); // the block maximum is a level exactly
    assertThat(q.levels()[3]).isEqualTo((byte) 127);
    assertThat(q.levels()[6]).isZero(); // a zero block sends zeros
  }

  @Test
  void quantize_betweenTwoLevels_roundsUpWithThePredictedProbability() {
    // scale 1, 7 levels: 0.3 -> u = 2.1, so level 3 with probability 0.1 and level 2 otherwise; mean 0.3 exactly
    float[] x = {1, 0.3f};
    int draws = 20_000;
    int up = 0;
    double sum = 0;
    SplittableRandom random = new SplittableRandom(42);
    for (int d = 0; d < draws; d++) {
      StochasticQuantizer.Quantized q = StochasticQuantizer.quantize(x, 0, 2, 7, 256, random);
      assertThat(q.levels()[1]).isBetween((byte) 2, (byte) 3);
      up += q.levels()[1] == 3 ? 1 : 0;
      sum += StochasticQuantizer.dequantize(q.levels()[1], q.scales()[0], 7);
    }
    // Binomial(20000, 0.1): standard deviation 42.4 draws; 5 standard deviations either side
    assertThat(up).isBetween(2000 - 212, 2000 + 212);
    // the mean's standard deviation is 0.3 * sqrt(0.09 / 20000) / 0.3 = 0.0021 of a level step 1/7: tight
    assertThat(sum / draws).isCloseTo(0.3, within(5 * (1.0 / 7) * 0.3 / Math.sqrt(draws)));
  }

  @Test
  void quantize_manyDraws_meanOfDequantisedValuesIsTheInput() {
    SplittableRandom init = new SplittableRandom(7);
    float[] x = new float[64];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) init.nextGaussian();
    }
    for (int levels : new int[] {7, 127}) {
      int draws = 4000;
      double[] mean = new double[x.length];
      SplittableRandom random = new SplittableRandom(levels);
      float scale = 0;
      for (int d = 0; d < draws; d++) {
        StochasticQuantizer.Quantized q = StochasticQuantizer.quantize(x, 0, x.length, levels, 64, random);
        scale = q.scales()[0];
        for (int i = 0; i < x.length; i++) {
          mean[i] += StochasticQuantizer.dequantize(q.levels()[i], scale, levels) / draws;
        }
      }
      // each draw is off by less than one step s/L, with variance at most (s/L)^2/4: 5 standard deviations
      double bound = 5 * (scale / levels) / 2 / Math.sqrt(draws);
      for (int i = 0; i < x.length; i++) {
        assertThat(mean[i]).as("element %d at %d levels", i, levels).isCloseTo(x[i], within(bound));
      }
    }
  }

  @Property(tries = 200)
  void quantize_anyBlock_everyElementWithinOneStep(@ForAll @IntRange(min = 1, max = 300) int n,
      @ForAll @IntRange(min = 1, max = 64) int block, @ForAll long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n + 3];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 3));
    }
    for (int levels : new int[] {7, 127}) {
      StochasticQuantizer.Quantized q = StochasticQuantizer.quantize(x, 3, n, levels, block, r);
      for (int i = 0; i < n; i++) {
        float scale = q.scales()[i / block];
        assertThat(Math.abs(q.levels()[i])).isLessThanOrEqualTo(levels);
        double error = Math.abs(StochasticQuantizer.dequantize(q.levels()[i], scale, levels) - x[3 + i]);
        assertThat(error).isLessThanOrEqualTo(scale / levels * (1 + 1e-6));
      }
    }
  }

  @Test
  void packNibbles_twoPerByteLowFirst_handComputed() {
    byte[] packed = StochasticQuantizer.packNibbles(new byte[] {1, -1, 7, -7, 3});
    // 1 | 0xF << 4 = 0xF1; 7 | 0x9 << 4 = 0x97; 3 and an empty high nibble
    assertThat(packed).containsExactly((byte) 0xF1, (byte) 0x97, (byte) 0x03);
    int[] back = new int[5];
    for (int i = 0; i < 5; i++) {
      back[i] = StochasticQuantizer.nibble(packed, i);
    }
    assertThat(back).containsExactly(1, -1, 7, -7, 3);
  }
}
