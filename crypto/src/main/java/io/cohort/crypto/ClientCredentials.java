package io.cohort.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * Bearer secrets that a coordinator hands to a registered client, and their verification.
 *
 * <p><b>Security guarantees.</b> A token has 256 bits from {@link SecureRandom}. The coordinator keeps only its
 * SHA-256 {@link Verifier}, so its state (memory, a state store, a checkpoint) never holds a usable token, and checks
 * a presented token in constant time. <b>Not</b> protected: a token sent over plain HTTP can be read by anyone on the
 * path, so real deployments carry it over TLS.
 */
public final class ClientCredentials {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int TOKEN_BYTES = 32;

  private ClientCredentials() {}

  /** A fresh token: 43 URL-safe Base64 characters. */
  public static String newToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** A fresh opaque identifier of {@code bytes} random bytes, URL-safe. */
  public static String newId(int bytes) {
    if (bytes < 8 || bytes > 64) {
      throw new IllegalArgumentException("id length must be 8..64 bytes, got " + bytes);
    }
    byte[] out = new byte[bytes];
    RANDOM.nextBytes(out);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
  }

  /** What the coordinator stores in place of a token. */
  public static final class Verifier implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final byte[] digest;

    private Verifier(byte[] digest) {
      this.digest = digest;
    }

    /** The verifier of {@code token}. */
    public static Verifier of(String token) {
      return new Verifier(sha256(Objects.requireNonNull(token, "token")));
    }

    /** Whether {@code presented} is the token this verifier was made from; constant time in the digest. */
    public boolean matches(String presented) {
      if (presented == null || presented.isEmpty()) {
        return false;
      }
      return MessageDigest.isEqual(digest, sha256(presented));
    }

    private static byte[] sha256(String token) {
      try {
        return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java platform provides SHA-256", e);
      }
    }
  }
}
