package io.cohort.crypto.secagg;

import io.cohort.crypto.Aead;
import io.cohort.crypto.Hkdf;
import io.cohort.crypto.MaskPrg;
import io.cohort.crypto.X25519;

/**
 * The keys both sides derive, each bound by HKDF info to protocol version, run, round and the (ordered or unordered)
 * pair, so no key or seed carries over between runs, rounds, pairs or directions.
 */
final class Derivation {
  static final String SHARE_INFO = "cohort/secagg/v1/share";
  static final String SHARE_AD = "cohort/secagg/v1/share-ad";
  static final String MASK_INFO = "cohort/secagg/v1/mask";

  private Derivation() {}

  /** The AEAD that carries {@code from}'s shares to {@code to}: directional, one message per key. */
  static Aead shareAead(X25519.KeyPair own, X25519.PublicKey peer, SecAggParameters p, String from, String to) {
    byte[] secret = own.agree(peer);
    byte[] key = Hkdf.derive(secret, null,
        Encoding.fields(SHARE_INFO, p.runId(), Integer.toString(p.round()), from, to), Aead.KEY_BYTES);
    return Aead.of(key);
  }

  /** Associated data of the share ciphertext from {@code from} to {@code to}. */
  static byte[] shareAd(SecAggParameters p, String from, String to) {
    return Encoding.fields(SHARE_AD, p.runId(), Integer.toString(p.round()), from, to);
  }

  /** The pairwise mask seed of {@code u} and {@code v}: symmetric in the pair. */
  static byte[] maskSeed(X25519.KeyPair own, X25519.PublicKey peer, SecAggParameters p, String u, String v) {
    String low = u.compareTo(v) < 0 ? u : v;
    String high = u.compareTo(v) < 0 ? v : u;
    return Hkdf.derive(own.agree(peer), null,
        Encoding.fields(MASK_INFO, p.runId(), Integer.toString(p.round()), low, high), MaskPrg.SEED_BYTES);
  }

  /** +1 if {@code self} sorts before {@code peer}, else -1: the two ends of a pair add opposite masks. */
  static int sign(String self, String peer) {
    return self.compareTo(peer) < 0 ? 1 : -1;
  }

  /** The public key in {@code encoded}, or a SecAggException naming {@code owner}. */
  static X25519.PublicKey publicKey(byte[] encoded, String owner, String what) {
    try {
      return new X25519.PublicKey(encoded);
    } catch (IllegalArgumentException e) {
      throw new SecAggException(what + " of " + owner + " is not a 32-byte X25519 public key", e);
    }
  }
}
