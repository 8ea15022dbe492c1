package io.cohort.crypto;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * HKDF with SHA-256 (RFC 5869) through Bouncy Castle.
 *
 * <p><b>Security guarantees.</b> Output keys are pseudorandom given an input with enough entropy, and keys derived
 * with different {@code info} are independent. Unlike Flower's SecAgg+, Cohort's callers always pass an {@code info}
 * that binds the protocol version, run, round and ordered pair of client ids, so a key cannot be replayed across
 * rounds or pairs. <b>Not</b> provided: stretching of low-entropy secrets (passwords).
 */
public final class Hkdf {
  private static final int MAX_OUTPUT = 255 * 32;

  private Hkdf() {}

  /**
   * Extract-then-expand.
   *
   * @param inputKeyMaterial the secret, e.g. an X25519 shared secret
   * @param salt optional salt (null or empty: a zero salt, as RFC 5869 says)
   * @param info context that binds the output to its use; must not be empty
   * @param length output bytes, 1..8160
   */
  public static byte[] derive(byte[] inputKeyMaterial, byte[] salt, byte[] info, int length) {
    if (inputKeyMaterial == null || inputKeyMaterial.length == 0) {
      throw new IllegalArgumentException("input key material must not be empty");
    }
    if (info == null || info.length == 0) {
      throw new IllegalArgumentException("info must bind the key to its use (protocol, run, round, pair)");
    }
    if (length < 1 || length > MAX_OUTPUT) {
      throw new IllegalArgumentException("length must be 1.." + MAX_OUTPUT + ", got " + length);
    }
    HKDFBytesGenerator generator = new HKDFBytesGenerator(new SHA256Digest());
    generator.init(new HKDFParameters(inputKeyMaterial, salt == null || salt.length == 0 ? null : salt, info));
    byte[] out = new byte[length];
    generator.generateBytes(out, 0, length);
    return out;
  }
}
