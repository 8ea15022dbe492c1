package io.cohort.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES-256-GCM through Bouncy Castle ({@code GCMBlockCipher} over {@code AESEngine}), with a fresh random 96-bit nonce
 * per {@link #seal}. The sealed form is {@code nonce(12) || ciphertext || tag(16)}.
 *
 * <p><b>Security guarantees.</b> Confidentiality and integrity of the plaintext, and integrity of the associated data,
 * under a key that is uniformly random and secret (derive it with {@link Hkdf}). Any change to the sealed bytes or to
 * the associated data, and any input shorter than a nonce and a tag, makes {@link #open} throw
 * {@link AEADBadTagException} without releasing plaintext. Nonces are random, so one key must not seal more than about
 * 2<sup>32</sup> messages (NIST SP 800-38D); secure aggregation uses each key for one message. <b>Not</b> provided:
 * hiding the plaintext length, replay protection (bind context in the associated data), or key commitment.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Aead {
  /** Bytes of a key (AES-256). */
  public static final int KEY_BYTES = 32;
  /** Bytes of the nonce that prefixes every sealed message. */
  public static final int NONCE_BYTES = 12;
  /** Bytes of the authentication tag that ends every sealed message. */
  public static final int TAG_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] EMPTY = new byte[0];

  private final byte[] key;

  private Aead(byte[] key) {
    this.key = key;
  }

  /**
   * An AEAD under {@code key}, which is copied.
   *
   * @throws IllegalArgumentException if {@code key} is not {@value #KEY_BYTES} bytes
   */
  public static Aead of(byte[] key) {
    if (key == null || key.length != KEY_BYTES) {
      throw new IllegalArgumentException("an AES-256-GCM key has " + KEY_BYTES + " bytes, got "
          + (key == null ? "null" : key.length));
    }
    return new Aead(key.clone());
  }

  /**
   * Encrypts and authenticates {@code plaintext}, authenticating {@code associatedData} too (null means empty).
   *
   * @return {@code nonce(12) || ciphertext || tag(16)}, a new array
   */
  public byte[] seal(byte[] plaintext, byte[] associatedData) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    return seal(plaintext, associatedData, nonce);
  }

  /** {@link #seal} with a given nonce: for known-answer tests only (a repeated nonce breaks GCM). */
  byte[] seal(byte[] plaintext, byte[] associatedData, byte[] nonce) {
    if (plaintext == null) {
      throw new IllegalArgumentException("plaintext must not be null");
    }
    GCMModeCipher gcm = cipher(true, nonce, associatedData);
    byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + gcm.getOutputSize(plaintext.length));
    int written = gcm.processBytes(plaintext, 0, plaintext.length, out, NONCE_BYTES);
    try {
      gcm.doFinal(out, NONCE_BYTES + written);
    } catch (InvalidCipherTextException e) {
      throw new IllegalStateException("GCM encryption cannot fail on valid input", e);
    }
    return out;
  }

  /**
   * Checks and decrypts what {@link #seal} produced under the same key and associated data.
   *
   * @return the plaintext, a new array
   * @throws AEADBadTagException if {@code sealed} was altered, is too short, or {@code associatedData} differs
   */
  public byte[] open(byte[] sealed, byte[] associatedData) throws AEADBadTagException {
    if (sealed == null || sealed.length < NONCE_BYTES + TAG_BYTES) {
      throw new AEADBadTagException("sealed message shorter than nonce and tag");
    }
    GCMModeCipher gcm = cipher(false, Arrays.copyOf(sealed, NONCE_BYTES), associatedData);
    int bodyLength = sealed.length - NONCE_BYTES;
    byte[] out = new byte[gcm.getOutputSize(bodyLength)];
    int written = gcm.processBytes(sealed, NONCE_BYTES, bodyLength, out, 0);
    try {
      written += gcm.doFinal(out, written);
    } catch (InvalidCipherTextException e) {
      Arrays.fill(out, (byte) 0);
      throw new AEADBadTagException("authentication tag mismatch");
    }
    return written == out.length ? out : Arrays.copyOf(out, written);
  }

  private GCMModeCipher cipher(boolean encrypt, byte[] nonce, byte[] associatedData) {
    GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
    gcm.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BYTES * 8, nonce,
        associatedData == null ? EMPTY : associatedData));
    return gcm;
  }
}
