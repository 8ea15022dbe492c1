package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class QuantizerTest {

  @Property(tries = 200)
  void decode_ofEncodeAtFullWeight_withinOneOverScale(@ForAll @Size(min = 1, max = 50)
      float @FloatRange(min = -3, max = 3) [] update, @ForAll @DoubleRange(min = 0.01, max = 10) double clip,
      @ForAll @IntRange(min = 1, max = 10_000) int maxParticipants) {
    Quantizer q = new Quantizer(clip, 100, maxParticipants);
    Quantizer.Decoded decoded = q.decode(q.encode(update, 500));
    assertThat(decoded.totalWeight()).isEqualTo(100);
    for (int i = 0; i < update.length; i++) {
      double clipped = Math.max(-clip, Math.min(clip, update[i]));
      // 1/scale bounds the rounding; the float result adds relative error 2^-24 of the value
      assertThat((double) decoded.mean()[i]).isCloseTo(clipped, offset(1 / q.scale() + 1e-6 * clip));
    }
  }

  @Test
  void encode_maxParticipantsAtExtremes_sumDoesNotOverflow() {
    for (int maxParticipants : new int[] {1, 2, 3, 7, 1000, 65_535}) {
      for (double clip : new double[] {0.001, 0.3, 1, 3.7, 1000}) {
        long maxWeight = Math.max(1, (Integer.MAX_VALUE - 1L) / maxParticipants);
        Quantizer q = new Quantizer(clip, maxWeight, maxParticipants);
        float[] update = {(float) clip, (float) -clip, Float.MAX_VALUE, -Float.MAX_VALUE, (float) (clip * 0.999999)};
        int[] encoded = q.encode(update, Long.MAX_VALUE);
        long[] exact = new long[encoded.length];
        int[] wrapped = new int[encoded.length];
        for (int c = 0; c < maxParticipants; c++) {
          for (int i = 0; i < encoded.length; i++) {
            exact[i] += encoded[i];
            wrapped[i] += encoded[i];
          }
        }
        for (int i = 0; i < encoded.length; i++) {
          assertThat(exact[i]).as("mp=%d clip=%s i=%d", maxParticipants, clip, i)
              .isBetween((long) -Integer.MAX_VALUE, (long) Integer.MAX_VALUE);
          assertThat((long) wrapped[i]).isEqualTo(exact[i]);
        }
        float[] mean = q.decode(wrapped).mean();
        assertThat((double) mean[0]).isCloseTo(clip, offset(1 / q.scale() + 1e-6 * clip));
        assertThat((double) mean[2]).isCloseTo(clip, offset(1 / q.scale() + 1e-6 * clip));
        assertThat((double) mean[3]).isCloseTo(-clip, offset(1 / q.scale() + 1e-6 * clip));
      }
    }
  }

  @Test
  void encode_weightsByExampleCount_andDecodeGivesWeightedMean() {
    Quantizer q = new Quantizer(10, 100, 4);
    int[] a = q.encode(new float[] {1f, -2f}, 30);
    int[] b = q.encode(new float[] {5f, 4f}, 250); // saturates at 100
    assertThat(a[2]).isEqualTo(30);
    assertThat(b[2]).isEqualTo(100);
    int[] sum = {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
    Quantizer.Decoded d = q.decode(sum);
    assertThat(d.totalWeight()).isEqualTo(130);
    double tolerance = 2 * 100 / (2 * q.scale() * 130) + 1e-6 * 5; // rounding, plus float's 2^-24 relative error
    assertThat((double) d.mean()[0]).isCloseTo((30 * 1.0 + 100 * 5.0) / 130, offset(tolerance));
    assertThat((double) d.mean()[1]).isCloseTo((30 * -2.0 + 100 * 4.0) / 130, offset(tolerance));
  }

  @Test
  void scale_isFloorOfIntMaxOverParticipantsTimesClip() {
    assertThat(new Quantizer(1, 10, 1000).scale()).isEqualTo(Math.floor(2147483647.0 / 1000));
    assertThat(new Quantizer(0.5, 10, 3).scale()).isEqualTo(Math.floor(2147483647.0 / 1.5));
  }

  @Test
  void encode_nonFinite_throwsNamingIndex() {
    Quantizer q = new Quantizer(1, 10, 10);
    assertThatThrownBy(() -> q.encode(new float[] {0, Float.NaN}, 1)).hasMessageContaining("update[1]");
    assertThatThrownBy(() -> q.encode(new float[] {Float.POSITIVE_INFINITY}, 1)).hasMessageContaining("update[0]");
    assertThatThrownBy(() -> q.encode(new float[] {0}, -1)).hasMessageContaining("numExamples");
  }

  @Test
  void decode_zeroWeight_throws() {
    Quantizer q = new Quantizer(1, 10, 10);
    assertThatThrownBy(() -> q.decode(q.encode(new float[] {0.5f}, 0))).hasMessageContaining("total weight");
    assertThatThrownBy(() -> q.decode(new int[] {1})).hasMessageContaining("length");
  }

  @Test
  void constructor_invalidFields_throw() {
    assertThatThrownBy(() -> new Quantizer(0, 1, 1)).hasMessageContaining("clipRange");
    assertThatThrownBy(() -> new Quantizer(Double.NaN, 1, 1)).hasMessageContaining("clipRange");
    assertThatThrownBy(() -> new Quantizer(Double.POSITIVE_INFINITY, 1, 1)).hasMessageContaining("clipRange");
    assertThatThrownBy(() -> new Quantizer(1, 0, 1)).hasMessageContaining("maxWeight");
    assertThatThrownBy(() -> new Quantizer(1, 1, 0)).hasMessageContaining("maxParticipants");
    assertThatThrownBy(() -> new Quantizer(1, 1L << 16, 1 << 15)).hasMessageContaining("2^31");
    assertThatThrownBy(() -> new Quantizer(3e9, 1, 1)).hasMessageContaining("clipRange");
  }
}
