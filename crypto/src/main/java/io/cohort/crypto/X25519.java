package io.cohort.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * X25519 Diffie-Hellman (RFC 7748) through Bouncy Castle, for the pairwise secrets of secure aggregation.
 *
 * <p><b>Security guarantees.</b> Private keys come from {@link SecureRandom} and never leave a {@link KeyPair} except
 * through {@link KeyPair#agree}. Agreement with a low-order public key (whose shared secret is all zeros) is refused,
 * so a malicious peer cannot force a known secret. <b>Not</b> provided: authentication of the peer's public key;
 * callers bind keys to identities (signatures or certificates) and derive keys with {@link Hkdf}, never use the raw
 * shared secret.
 */
public final class X25519 {
  /** Bytes of a public key and of a shared secret. */
  public static final int KEY_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private X25519() {}

  /** A public key as sent over the wire. */
  public record PublicKey(byte[] encoded) {
    public PublicKey {
      if (encoded == null || encoded.length != KEY_BYTES) {
        throw new IllegalArgumentException("an X25519 public key has " + KEY_BYTES + " bytes");
      }
      encoded = encoded.clone();
    }

    @Override
    public byte[] encoded() {
      return encoded.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PublicKey p && Arrays.equals(encoded, p.encoded);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
      return "X25519.PublicKey[" + java.util.HexFormat.of().formatHex(encoded, 0, 4) + "…]";
    }
  }

  /** A private key and its public key. */
  public static final class KeyPair {
    private final X25519PrivateKeyParameters privateKey;
    private final PublicKey publicKey;

    private KeyPair(X25519PrivateKeyParameters privateKey) {
      this.privateKey = privateKey;
      this.publicKey = new PublicKey(privateKey.generatePublicKey().getEncoded());
    }

    /** A fresh random key pair. */
    public static KeyPair generate() {
      return new KeyPair(new X25519PrivateKeyParameters(RANDOM));
    }

    /** The key pair of a given private scalar: for known-answer tests and for keys restored from secret shares. */
    public static KeyPair fromPrivate(byte[] privateKey) {
      if (privateKey == null || privateKey.length != KEY_BYTES) {
        throw new IllegalArgumentException("an X25519 private key has " + KEY_BYTES + " bytes");
      }
      return new KeyPair(new X25519PrivateKeyParameters(privateKey, 0));
    }

    public PublicKey publicKey() {
      return publicKey;
    }

    /**
     * The raw shared secret with {@code peer}.
     *
     * @throws IllegalArgumentException if {@code peer} is a low-order point (the secret would be all zeros)
     */
    public byte[] agree(PublicKey peer) {
      X25519Agreement agreement = new X25519Agreement();
      agreement.init(privateKey);
      byte[] secret = new byte[agreement.getAgreementSize()];
      try {
        agreement.calculateAgreement(new X25519PublicKeyParameters(peer.encoded(), 0), secret, 0);
      } catch (IllegalStateException e) {
        throw new IllegalArgumentException("peer public key is a low-order point; refusing the agreement", e);
      }
      if (isAllZero(secret)) {
        throw new IllegalArgumentException("peer public key is a low-order point; refusing the agreement");
      }
      return secret;
    }

    /** The private scalar, for secret-sharing it (Shamir) in secure aggregation; handle with care. */
    public byte[] exportPrivate() {
      return privateKey.getEncoded();
    }
  }

  private static boolean isAllZero(byte[] bytes) {
    int acc = 0;
    for (byte b : bytes) {
      acc |= b;
    }
    return acc == 0;
  }
}
