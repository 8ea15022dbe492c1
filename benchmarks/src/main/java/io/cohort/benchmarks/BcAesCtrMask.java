package io.cohort.benchmarks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.CTRModeCipher;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * The same mask as {@link io.cohort.crypto.MaskPrg} (AES-256-CTR from a zero counter block, word {@code i} = the
 * little-endian int of keystream bytes {@code [4i, 4i + 4)}), computed with Bouncy Castle's pure-Java
 * {@link AESEngine} in {@link SICBlockCipher} (CTR) mode instead of the JDK's AES-NI-backed cipher. It exists only so
 * that {@link MaskExpansionBenchmark} can measure what choosing the JDK's AES saves; the keystream is produced in the
 * same 64 KiB chunks and added with the same kind of loop, so the two differ only in the AES implementation.
 * {@code BcAesCtrMaskTest} checks that both give the same words.
 */
final class BcAesCtrMask {
  private static final int CHUNK = 64 * 1024;
  private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final KeyParameter key;
  private final CTRModeCipher cipher;
  private final byte[] zeros = new byte[CHUNK];
  private final byte[] buffer = new byte[CHUNK];

  @SuppressWarnings("deprecation") // new AESEngine() on purpose: the pure-Java table implementation, never a native one
  BcAesCtrMask(byte[] seed) {
    this.key = new KeyParameter(Objects.requireNonNull(seed, "seed").clone());
    this.cipher = SICBlockCipher.newInstance(new AESEngine());
  }

  /** The block cipher under the CTR mode (for the test that it is the pure-Java engine). */
  Class<?> engineClass() {
    return cipher.getUnderlyingCipher().getClass();
  }

  /** {@code target[j] += word(j)} for {@code j} in {@code [0, length)}, wrapping modulo 2<sup>32</sup>. */
  void addTo(int[] target, int length) {
    cipher.init(true, new ParametersWithIV(key, new byte[16]));
    int done = 0;
    while (done < length) {
      int words = Math.min(length - done, CHUNK / Integer.BYTES);
      cipher.processBytes(zeros, 0, words * Integer.BYTES, buffer, 0);
      for (int j = 0; j < words; j++) {
        target[done + j] += (int) LE_INT.get(buffer, j * Integer.BYTES);
      }
      done += words;
    }
  }
}
