package io.cohort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class MaskPrgTest {
  private static final int N = 40_000; // more than two 64 KiB chunks of keystream
  private static final byte[] SEED = new byte[MaskPrg.SEED_BYTES];
  private static final int[] ALL = MaskPrg.of(SEED).words(0, N);

  @Property(tries = 200)
  void addTo_atRandomOffsets_equalsSliceOfWords(@ForAll @IntRange(min = 0, max = N - 1) int wordOffset,
      @ForAll @IntRange(min = 0, max = N) int length, @ForAll @IntRange(min = 0, max = 7) int targetOffset,
      @ForAll boolean add) {
    int len = Math.min(length, N - wordOffset);
    int[] target = new int[targetOffset + len + 3];
    Arrays.fill(target, 7);
    MaskPrg.of(SEED).addTo(target, targetOffset, wordOffset, len, add ? 1 : -1);
    for (int j = 0; j < target.length; j++) {
      boolean inside = j >= targetOffset && j < targetOffset + len;
      int expected = inside ? 7 + (add ? 1 : -1) * ALL[wordOffset + j - targetOffset] : 7;
      assertThat(target[j]).as("index %d", j).isEqualTo(expected);
    }
  }

  @Test
  void words_fromOffsets_equalSlicesOfWordsFromZero() {
    MaskPrg prg = MaskPrg.of(SEED); // one instance reused: re-initialisation must not leak state between calls
    for (int offset : new int[] {0, 1, 2, 3, 4, 5, 16383, 16384, 16385, 20001, 39_999}) {
      assertThat(prg.words(offset, N - offset)).as("offset %d", offset)
          .containsExactly(Arrays.copyOfRange(ALL, offset, N));
    }
  }

  @Test
  void addTo_plusThenMinus_restoresTarget() {
    int[] target = new Random(1).ints(1000).toArray();
    int[] original = target.clone();
    MaskPrg prg = MaskPrg.of(SEED);
    prg.addTo(target, 0, 12345, target.length, 1);
    assertThat(target).isNotEqualTo(original);
    prg.addTo(target, 0, 12345, target.length, -1);
    assertThat(target).isEqualTo(original);
  }

  @Test
  void words_differentSeeds_differ() {
    byte[] other = SEED.clone();
    other[31] = 1;
    assertThat(MaskPrg.of(other).words(0, 8)).isNotEqualTo(MaskPrg.of(SEED).words(0, 8));
  }

  @Test
  void words_lookUniform() {
    // Each of the 32 bits is set in about half of 40,000 words (5 sigma = 250).
    for (int bit = 0; bit < 32; bit++) {
      int ones = 0;
      for (int w : ALL) {
        ones += (w >>> bit) & 1;
      }
      assertThat(ones).as("bit %d", bit).isBetween(N / 2 - 250, N / 2 + 250);
    }
  }

  @Test
  void addTo_badArguments_throw() {
    MaskPrg prg = MaskPrg.of(SEED);
    int[] target = new int[4];
    assertThatThrownBy(() -> prg.addTo(target, 0, 0, 4, 2)).hasMessageContaining("sign");
    assertThatThrownBy(() -> prg.addTo(target, 1, 0, 4, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> prg.addTo(target, -1, 0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> prg.addTo(target, 0, -1, 1, 1)).hasMessageContaining("wordOffset");
    assertThatThrownBy(() -> MaskPrg.of(new byte[16])).hasMessageContaining("32");
  }
}
