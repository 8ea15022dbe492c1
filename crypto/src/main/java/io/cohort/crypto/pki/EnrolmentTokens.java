package io.cohort.crypto.pki;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * One-time enrolment tokens: the operator issues one per client (shown once), the client presents it with its CSR,
 * and the coordinator burns it on first use. Thread-safe.
 *
 * <p><b>Security guarantees.</b> A token carries 256 bits from a {@link java.security.SecureRandom}. Only its
 * SHA-256 is kept, so a heap dump or a log of this object's state reveals no usable token. {@link #redeem} compares
 * the presented token's digest with every outstanding digest in constant time each (no early exit), removes the one
 * it matches under a lock, so of two concurrent redemptions of the same token exactly one succeeds. Tokens can expire
 * ({@link #EnrolmentTokens(Duration, Clock)}). <b>Not</b> provided: persistence (outstanding tokens are lost when the
 * coordinator restarts), rate limiting of guesses (2^256 makes guessing hopeless, but log failures), and secrecy in
 * transit: present tokens only over TLS.
 */
public final class EnrolmentTokens {
  private static final int TOKEN_BYTES = 32;

  private final Duration timeToLive;
  private final Clock clock;
  private final List<Outstanding> outstanding = new ArrayList<>();

  private record Outstanding(byte[] digest, Instant expiresAt) {}

  /** Tokens that never expire. */
  public EnrolmentTokens() {
    this.timeToLive = null;
    this.clock = Clock.systemUTC();
  }

  /**
   * Tokens that expire {@code timeToLive} after they are issued.
   *
   * @param timeToLive positive
   * @param clock the time source (a fixed or offset clock in tests)
   */
  public EnrolmentTokens(Duration timeToLive, Clock clock) {
    if (timeToLive == null || timeToLive.isNegative() || timeToLive.isZero()) {
      throw new IllegalArgumentException("timeToLive must be positive, got " + timeToLive);
    }
    this.timeToLive = timeToLive;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A new token (43 URL-safe Base64 characters); show it once, it cannot be recovered from this object. */
  public String issue() {
    String token = newToken();
    Instant expiresAt = timeToLive == null ? Instant.MAX : clock.instant().plus(timeToLive);
    synchronized (outstanding) {
      outstanding.add(new Outstanding(digest(token), expiresAt));
    }
    return token;
  }

  /** True, once, for an outstanding unexpired token; false for anything else (and the token is then gone). */
  public boolean redeem(String token) {
    if (token == null || token.isEmpty() || token.length() > 256) {
      return false;
    }
    byte[] presented = digest(token);
    Instant now = clock.instant();
    synchronized (outstanding) {
      Outstanding match = null;
      for (Outstanding candidate : outstanding) {
        if (MessageDigest.isEqual(candidate.digest(), presented)) {
          match = candidate;
        }
      }
      outstanding.removeIf(o -> !now.isBefore(o.expiresAt()));
      if (match == null || !now.isBefore(match.expiresAt())) {
        return false;
      }
      for (Iterator<Outstanding> it = outstanding.iterator(); it.hasNext(); ) {
        if (it.next() == match) {
          it.remove();
          break;
        }
      }
      return true;
    }
  }

  /** How many issued tokens are neither redeemed nor expired. */
  public int outstanding() {
    Instant now = clock.instant();
    synchronized (outstanding) {
      outstanding.removeIf(o -> !now.isBefore(o.expiresAt()));
      return outstanding.size();
    }
  }

  /**
   * A fresh token, 256 bits from a {@link java.security.SecureRandom} as 43 URL-safe Base64 characters, for a token
   * book kept elsewhere (a coordinator cluster keeps {@link #digest digests} in a shared map).
   */
  public static String newToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    X509Support.RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The SHA-256 of a token's UTF-8 bytes: what a token book keeps instead of the token. */
  public static byte[] digest(String token) {
    return X509Support.sha256(token.getBytes(StandardCharsets.UTF_8));
  }
}
