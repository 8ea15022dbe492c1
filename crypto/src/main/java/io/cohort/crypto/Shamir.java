package io.cohort.crypto;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Threshold-{@code t} Shamir secret sharing over the prime field GF(p), p = 2<sup>521</sup> - 1 (a Mersenne prime),
 * with {@link BigInteger} arithmetic. Unlike GF(2<sup>8</sup>) schemes the number of shares is not limited to 255:
 * full SecAgg gives {@code n - 1} shares of each secret for {@code n} in the thousands. A secret of up to
 * {@value #MAX_SECRET_BYTES} bytes is read as one unsigned big-endian integer (always below p); a share is a point
 * {@code (x, f(x))} of a random polynomial {@code f} of degree {@code t - 1} with {@code f(0)} = the secret.
 *
 * <p><b>Security guarantees.</b> Information-theoretic secrecy: any {@code t - 1} shares are uniformly distributed
 * and independent of the secret (given a {@link SecureRandom}); any {@code t} shares with distinct {@code x}
 * reconstruct it. <b>Not</b> provided: integrity. A wrong or forged share silently changes the reconstructed value;
 * {@link #combine} notices only when the result does not fit in {@code secretLength} bytes. Callers that can check a
 * reconstructed secret (e.g. against a published public key) should.
 */
public final class Shamir {
  /** The field modulus 2^521 - 1. */
  static final BigInteger P = BigInteger.ONE.shiftLeft(521).subtract(BigInteger.ONE);
  /** Bytes of a share's {@code y}: 521 bits, big-endian. */
  public static final int Y_BYTES = 66;
  /** The longest secret: 512 bits, so every secret is a field element. */
  public static final int MAX_SECRET_BYTES = 64;

  private static final int CACHED_POINT_SETS = 64;
  /** Lagrange coefficients by point list; least recently used evicted. Public data, so sharing it is safe. */
  private static final Map<List<Integer>, BigInteger[]> COEFFICIENTS = Collections.synchronizedMap(
      new LinkedHashMap<List<Integer>, BigInteger[]>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Integer>, BigInteger[]> eldest) {
          return size() > CACHED_POINT_SETS;
        }
      });

  private Shamir() {}

  /**
   * One share.
   *
   * @param x the evaluation point, >= 1 (the holder's index)
   * @param y the field element {@code f(x)}, {@value #Y_BYTES} bytes big-endian, below 2<sup>521</sup> - 1
   */
  public record Share(int x, byte[] y) {
    /** Validates and copies {@code y}; IllegalArgumentException if {@code x < 1} or {@code y} is not a field element. */
    public Share {
      if (x < 1) {
        throw new IllegalArgumentException("share x out of range: must be >= 1, got " + x);
      }
      if (y == null || y.length != Y_BYTES) {
        throw new IllegalArgumentException("share y must have " + Y_BYTES + " bytes, got "
            + (y == null ? "null" : y.length));
      }
      if (new BigInteger(1, y).compareTo(P) >= 0) {
        throw new IllegalArgumentException("share y is not below the field modulus 2^521 - 1");
      }
      y = y.clone();
    }

    /** A copy of {@code y}. */
    @Override
    public byte[] y() {
      return y.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Share s && s.x == x && Arrays.equals(s.y, y);
    }

    @Override
    public int hashCode() {
      return 31 * x + Arrays.hashCode(y);
    }

    /** Shows {@code x} only: a share is secret material. */
    @Override
    public String toString() {
      return "Share[x=" + x + "]";
    }
  }

  /**
   * Splits {@code secret} into shares at {@code x = 1..shares}.
   *
   * @throws IllegalArgumentException unless {@code 1 <= threshold <= shares} and the secret has 1..64 bytes
   */
  public static List<Share> split(byte[] secret, int threshold, int shares, SecureRandom random) {
    if (shares < 1) {
      throw new IllegalArgumentException("shares must be >= 1, got " + shares);
    }
    int[] xs = new int[shares];
    for (int i = 0; i < shares; i++) {
      xs[i] = i + 1;
    }
    return splitAt(secret, threshold, xs, random);
  }

  /**
   * Splits {@code secret} into one share per point of {@code xs} (distinct, each >= 1), in that order. Secure
   * aggregation uses each holder's index in the participant list as its {@code x}.
   *
   * @throws IllegalArgumentException unless {@code 1 <= threshold <= xs.length}, the points are distinct and >= 1,
   *     and the secret has 1..64 bytes
   */
  public static List<Share> splitAt(byte[] secret, int threshold, int[] xs, SecureRandom random) {
    Objects.requireNonNull(random, "random");
    if (secret == null || secret.length < 1 || secret.length > MAX_SECRET_BYTES) {
      throw new IllegalArgumentException("secret must have 1.." + MAX_SECRET_BYTES + " bytes, got "
          + (secret == null ? "null" : secret.length));
    }
    if (threshold < 1 || threshold > xs.length) {
      throw new IllegalArgumentException("threshold must be in 1.." + xs.length + " (the number of shares), got "
          + threshold);
    }
    checkDistinct(Arrays.stream(xs).boxed().toList());
    BigInteger[] coefficients = new BigInteger[threshold];
    coefficients[0] = new BigInteger(1, secret);
    for (int i = 1; i < threshold; i++) {
      coefficients[i] = randomElement(random);
    }
    List<Share> out = new ArrayList<>(xs.length);
    for (int x : xs) {
      BigInteger bx = BigInteger.valueOf(x);
      BigInteger y = BigInteger.ZERO;
      for (int i = threshold - 1; i >= 0; i--) {
        y = y.multiply(bx).add(coefficients[i]).mod(P);
      }
      out.add(new Share(x, toFixed(y, Y_BYTES)));
    }
    return out;
  }

  /**
   * Reconstructs a secret of {@code secretLength} bytes from the first {@code threshold} shares of {@code shares}
   * by Lagrange interpolation at zero.
   *
   * @throws IllegalArgumentException if there are fewer than {@code threshold} shares, two shares have the same
   *     {@code x}, or the interpolated value does not fit in {@code secretLength} bytes (shares inconsistent, from
   *     different secrets, or too few of them for the threshold the secret was split with)
   */
  public static byte[] combine(List<Share> shares, int threshold, int secretLength) {
    Objects.requireNonNull(shares, "shares");
    if (secretLength < 1 || secretLength > MAX_SECRET_BYTES) {
      throw new IllegalArgumentException("secretLength must be in 1.." + MAX_SECRET_BYTES + ", got " + secretLength);
    }
    if (threshold < 1) {
      throw new IllegalArgumentException("threshold must be >= 1, got " + threshold);
    }
    if (shares.size() < threshold) {
      throw new IllegalArgumentException("need " + threshold + " shares, got " + shares.size());
    }
    checkDistinct(shares.stream().map(Share::x).toList());
    List<Integer> xs = new ArrayList<>(threshold);
    for (int i = 0; i < threshold; i++) {
      xs.add(shares.get(i).x);
    }
    BigInteger[] coefficients = COEFFICIENTS.computeIfAbsent(List.copyOf(xs), Shamir::lagrangeAtZero);
    BigInteger secret = BigInteger.ZERO;
    for (int i = 0; i < threshold; i++) {
      secret = secret.add(new BigInteger(1, shares.get(i).y).multiply(coefficients[i])).mod(P);
    }
    if (secret.bitLength() > secretLength * 8) {
      throw new IllegalArgumentException("reconstructed value does not fit in " + secretLength
          + " bytes: the shares are inconsistent or fewer than the threshold they were split with");
    }
    return toFixed(secret, secretLength);
  }

  /**
   * Lagrange coefficients at zero, {@code c_i = prod_{j != i} x_j / (x_j - x_i) = N / (x_i * D_i)} with
   * {@code N = prod x_j}: {@code D_i} is accumulated in {@code long}s (differences of ints have at most 32 bits) and
   * the {@code t} divisions share one modular inversion (Montgomery's trick). Coefficients depend only on the points,
   * which are public, so they are cached: a server rebuilding many secrets from the same holders computes them once.
   */
  private static BigInteger[] lagrangeAtZero(List<Integer> xs) {
    int t = xs.size();
    BigInteger[] denominators = new BigInteger[t];
    BigInteger numerator = BigInteger.ONE;
    for (int i = 0; i < t; i++) {
      long xi = xs.get(i);
      numerator = numerator.multiply(BigInteger.valueOf(xi)).mod(P);
      BigInteger denominator = BigInteger.valueOf(xi);
      long accumulator = 1;
      for (int j = 0; j < t; j++) {
        if (j != i) {
          long difference = xs.get(j) - xi;
          if (Math.abs(accumulator) > Long.MAX_VALUE / Math.abs(difference)) {
            denominator = denominator.multiply(BigInteger.valueOf(accumulator));
            if (denominator.bitLength() > 2 * 521) {
              denominator = denominator.mod(P);
            }
            accumulator = 1;
          }
          accumulator *= difference;
        }
      }
      denominators[i] = denominator.multiply(BigInteger.valueOf(accumulator)).mod(P);
    }
    BigInteger[] prefix = new BigInteger[t];
    BigInteger running = BigInteger.ONE;
    for (int i = 0; i < t; i++) {
      prefix[i] = running;
      running = running.multiply(denominators[i]).mod(P);
    }
    BigInteger inverse = running.modInverse(P); // nonzero: the points are distinct and below p
    BigInteger[] coefficients = new BigInteger[t];
    for (int i = t - 1; i >= 0; i--) {
      coefficients[i] = numerator.multiply(inverse.multiply(prefix[i]).mod(P)).mod(P);
      inverse = inverse.multiply(denominators[i]).mod(P);
    }
    return coefficients;
  }

  private static void checkDistinct(List<Integer> xs) {
    Set<Integer> seen = new HashSet<>();
    for (int x : xs) {
      if (x < 1) {
        throw new IllegalArgumentException("share x out of range: must be >= 1, got " + x);
      }
      if (!seen.add(x)) {
        throw new IllegalArgumentException("duplicate share x = " + x);
      }
    }
  }

  private static BigInteger randomElement(SecureRandom random) {
    // 2^521 - 1 itself is the only 521-bit value outside the field: rejected with probability 2^-521.
    for (int attempt = 0; attempt < 64; attempt++) {
      BigInteger candidate = new BigInteger(521, random);
      if (candidate.compareTo(P) < 0) {
        return candidate;
      }
    }
    throw new IllegalStateException("random source returned 2^521 - 1 sixty-four times: it is broken");
  }

  /** Unsigned big-endian, left-padded with zeros to {@code length} bytes; the value must fit. */
  static byte[] toFixed(BigInteger value, int length) {
    byte[] raw = value.toByteArray();
    int start = raw.length > length ? raw.length - length : 0; // drop BigInteger's sign byte
    byte[] out = new byte[length];
    System.arraycopy(raw, start, out, length - (raw.length - start), raw.length - start);
    return out;
  }
}
