package io.cohort.protocol.compression;

import java.util.SplittableRandom;

/**
 * Symmetric stochastic quantisation of float blocks to L levels each side (QSGD, Alistarh et al. 2017, "QSGD:
 * Communication-Efficient SGD via Gradient Quantization and Encoding", with one scale per block instead of the
 * vector's norm): for a block with scale {@code s = max |x|}, each element becomes {@code q = floor(u) + B}, where
 * {@code u = x / s * L} and {@code B} is 1 with probability {@code u - floor(u)}, else 0; it decodes to {@code q * s /
 * L}. So {@code E[q * s / L] = x}: the dequantised update is unbiased, and each element is off by less than {@code s /
 * L}. L is 127 for 8 bits and 7 for 4 bits; a block of zeros has scale 0 and sends zeros.
 */
public final class StochasticQuantizer {
  private StochasticQuantizer() {}

  /** One chunk, quantised: the levels (one per element, in [-L, L]) and one scale per block. */
  public record Quantized(byte[] levels, float[] scales) {}

  /**
   * Quantises {@code values[from, from + count)} in blocks of {@code blockSize} with {@code levels} levels each side,
   * drawing the rounding from {@code random}.
   */
  public static Quantized quantize(float[] values, int from, int count, int levels, int blockSize,
      SplittableRandom random) {
    if (levels < 1 || levels > 127) {
      throw new IllegalArgumentException("levels must be in 1..127, got " + levels);
    }
    byte[] q = new byte[count];
    float[] scales = new float[(count + blockSize - 1) / blockSize];
    for (int b = 0; b < scales.length; b++) {
      int start = b * blockSize;
      int end = Math.min(count, start + blockSize);
      float scale = 0;
      for (int i = start; i < end; i++) {
        float a = Math.abs(values[from + i]);
        if (!(a <= scale)) { // also takes a NaN, so the scale is non-finite and the coordinator refuses it
          scale = a;
        }
      }
      scales[b] = scale;
      if (scale == 0 || !Float.isFinite(scale)) {
        continue; // zeros (or a non-finite block, refused as a whole by the coordinator)
      }
      double perLevel = levels / (double) scale;
      for (int i = start; i < end; i++) {
        double u = values[from + i] * perLevel;
        double floor = Math.floor(u);
        long level = (long) floor + (random.nextDouble() < u - floor ? 1 : 0);
        q[i] = (byte) Math.max(-levels, Math.min(levels, level));
      }
    }
    return new Quantized(q, scales);
  }

  /** The value level {@code q} of a block with scale {@code scale} stands for. */
  public static float dequantize(int q, float scale, int levels) {
    return (float) (q * (double) scale / levels);
  }

  /**
   * Packs 4-bit levels (each in [-8, 7]) two per byte: element 2i in the low nibble of byte i, element 2i + 1 in the
   * high nibble (two's complement); an odd count leaves the last high nibble 0.
   */
  public static byte[] packNibbles(byte[] levels) {
    byte[] packed = new byte[(levels.length + 1) / 2];
    for (int i = 0; i < levels.length; i++) {
      int nibble = levels[i] & 0x0f;
      packed[i >> 1] |= (byte) ((i & 1) == 0 ? nibble : nibble << 4);
    }
    return packed;
  }

  /** The signed 4-bit value of element {@code i} of {@code packed} (see {@link #packNibbles}). */
  public static int nibble(byte[] packed, int i) {
    int bits = (packed[i >> 1] >> ((i & 1) * 4)) & 0x0f;
    return bits >= 8 ? bits - 16 : bits;
  }
}
