package io.cohort.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.MaskPrg;
import java.util.SplittableRandom;
import org.bouncycastle.crypto.engines.AESEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The Bouncy Castle mask is the same function as {@link MaskPrg}, so the benchmark compares like with like. */
class BcAesCtrMaskTest {
  private static byte[] seed(long s) {
    byte[] seed = new byte[MaskPrg.SEED_BYTES];
    new SplittableRandom(s).nextBytes(seed);
    return seed;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 4, 16_383, 16_384, 16_385, 70_001})
  void addTo_sameSeed_addsTheSameWordsAsMaskPrg(int length) {
    byte[] seed = seed(length);
    int[] start = new SplittableRandom(99).ints(length).toArray();
    int[] viaJdk = start.clone();
    int[] viaBc = start.clone();

    MaskPrg.of(seed).addTo(viaJdk, 0, 0, length, 1);
    new BcAesCtrMask(seed).addTo(viaBc, length);

    assertThat(viaBc).isEqualTo(viaJdk);
    assertThat(viaBc).isNotEqualTo(start);
  }

  @Test
  void addTo_calledTwice_restartsTheStreamFromWordZero() {
    byte[] seed = seed(5);
    BcAesCtrMask mask = new BcAesCtrMask(seed);
    int[] twice = new int[1000];
    mask.addTo(twice, 1000);
    mask.addTo(twice, 1000);

    int[] expected = MaskPrg.of(seed).words(0, 1000);
    for (int i = 0; i < expected.length; i++) {
      expected[i] *= 2;
    }
    assertThat(twice).isEqualTo(expected);
  }

  @Test
  void engineClass_isThePureJavaAesEngine() {
    assertThat(new BcAesCtrMask(seed(1)).engineClass()).isEqualTo(AESEngine.class);
  }
}
