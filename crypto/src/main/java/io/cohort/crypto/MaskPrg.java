package io.cohort.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pseudorandom mask words for secure aggregation: AES-256 in counter mode keyed by a 32-byte seed, counter block
 * starting at zero (a 128-bit big-endian integer incremented per block). Word {@code i} is the little-endian
 * {@code int} of keystream bytes {@code [4i, 4i + 4)}, so words can be produced from any offset without generating
 * the ones before it (the counter starts at {@code offset / 4} blocks).
 *
 * <p>This class uses the JDK's {@code AES/CTR/NoPadding}, not Bouncy Castle: the JDK's AES runs on AES-NI
 * intrinsics (tens of GB/s on one core), while Bouncy Castle's pure-Java AES is many times slower, and masking
 * expands millions of words per client per round. Keystream is produced in 64 KiB blocks into a buffer owned by the
 * instance and read with a little-endian {@link VarHandle}; nothing is allocated per word.
 *
 * <p><b>Security guarantees.</b> For a uniformly random secret seed, the words are indistinguishable from uniform
 * 32-bit integers (AES is a PRP; 2<sup>128</sup> blocks per seed, far beyond any vector), so adding them modulo
 * 2<sup>32</sup> hides a vector perfectly to anyone without the seed. Different seeds give independent streams.
 * <b>Not</b> provided: any secrecy if a seed is reused for two different vectors (their difference leaks); derive
 * one seed per use with {@link Hkdf}, binding run, round and pair.
 *
 * <p>Instances are <b>not</b> thread-safe (they hold a cipher and a buffer); use one per thread.
 */
public final class MaskPrg {
  /** Bytes of a seed (an AES-256 key). */
  public static final int SEED_BYTES = 32;
  private static final int BLOCK = 16;
  private static final int CHUNK = 64 * 1024;
  /** Never written: the plaintext that CTR turns into keystream. */
  private static final byte[] ZEROS = new byte[CHUNK];
  private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final SecretKeySpec key;
  private final byte[] initialCounter;
  private final Cipher cipher;
  private byte[] buffer;

  MaskPrg(byte[] seed, byte[] initialCounter) {
    if (seed == null || seed.length != SEED_BYTES) {
      throw new IllegalArgumentException("a mask seed has " + SEED_BYTES + " bytes, got "
          + (seed == null ? "null" : seed.length));
    }
    if (initialCounter.length != BLOCK) {
      throw new IllegalArgumentException("a counter block has " + BLOCK + " bytes");
    }
    this.key = new SecretKeySpec(seed, "AES");
    this.initialCounter = initialCounter.clone();
    try {
      this.cipher = Cipher.getInstance("AES/CTR/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform provides AES/CTR/NoPadding", e);
    }
  }

  /**
   * The generator of {@code seed}, which is copied.
   *
   * @throws IllegalArgumentException if {@code seed} is not {@value #SEED_BYTES} bytes
   */
  public static MaskPrg of(byte[] seed) {
    return new MaskPrg(seed, new byte[BLOCK]);
  }

  /**
   * {@code target[targetOffset + j] += sign * word(wordOffset + j)} for {@code j} in {@code [0, length)}, wrapping
   * modulo 2<sup>32</sup> (Java {@code int} overflow).
   *
   * @param sign +1 to add the mask, -1 to remove it
   * @throws IllegalArgumentException on a negative offset or length, a range outside {@code target}, or a sign that
   *     is not +1 or -1
   */
  public void addTo(int[] target, int targetOffset, long wordOffset, int length, int sign) {
    Objects.requireNonNull(target, "target");
    if (sign != 1 && sign != -1) {
      throw new IllegalArgumentException("sign must be +1 or -1, got " + sign);
    }
    if (targetOffset < 0 || length < 0 || targetOffset > target.length - length) {
      throw new IllegalArgumentException("range [" + targetOffset + ", " + targetOffset + " + " + length
          + ") is outside a target of " + target.length + " words");
    }
    if (wordOffset < 0) {
      throw new IllegalArgumentException("wordOffset must be >= 0, got " + wordOffset);
    }
    if (length == 0) {
      return;
    }
    if (buffer == null) {
      buffer = new byte[CHUNK];
    }
    long block = wordOffset >>> 2;
    int skipBytes = (int) (wordOffset & 3) * Integer.BYTES;
    init(block);
    int done = 0;
    while (done < length) {
      int words = Math.min(length - done, (CHUNK - skipBytes) / Integer.BYTES);
      int bytes = skipBytes + words * Integer.BYTES;
      try {
        cipher.update(ZEROS, 0, bytes, buffer, 0);
      } catch (ShortBufferException e) {
        throw new IllegalStateException("buffer sized for the chunk", e);
      }
      if (sign == 1) {
        add(target, targetOffset + done, buffer, skipBytes, words);
      } else {
        subtract(target, targetOffset + done, buffer, skipBytes, words);
      }
      done += words;
      skipBytes = 0;
    }
  }

  // Small, branch-free loops that the JIT turns into tight code.
  private static void add(int[] target, int base, byte[] keystream, int offset, int words) {
    for (int j = 0; j < words; j++) {
      target[base + j] += (int) LE_INT.get(keystream, offset + j * Integer.BYTES);
    }
  }

  private static void subtract(int[] target, int base, byte[] keystream, int offset, int words) {
    for (int j = 0; j < words; j++) {
      target[base + j] -= (int) LE_INT.get(keystream, offset + j * Integer.BYTES);
    }
  }

  /** Words {@code [wordOffset, wordOffset + length)} of the stream, in a new array. */
  public int[] words(long wordOffset, int length) {
    if (length < 0) {
      throw new IllegalArgumentException("length must be >= 0, got " + length);
    }
    int[] out = new int[length];
    addTo(out, 0, wordOffset, length, 1);
    return out;
  }

  private void init(long block) {
    // counter = initialCounter + block, as 128-bit big-endian integers modulo 2^128
    byte[] counter = initialCounter.clone();
    long carry = 0;
    long add = block;
    for (int i = BLOCK - 1; i >= 0; i--) {
      long sum = (counter[i] & 0xFF) + (add & 0xFF) + carry;
      counter[i] = (byte) sum;
      carry = sum >>> 8;
      add >>>= 8;
    }
    try {
      cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(counter));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("a 32-byte AES key and a 16-byte counter are always valid", e);
    }
  }
}
