package io.cohort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ShamirTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static byte[] secret(int length) {
    byte[] out = new byte[length];
    RANDOM.nextBytes(out);
    return out;
  }

  @Test
  void combine_everyThresholdSubset_givesSecret() {
    for (int n = 1; n <= 6; n++) {
      for (int t = 1; t <= n; t++) {
        byte[] secret = secret(32);
        List<Shamir.Share> shares = Shamir.split(secret, t, n, RANDOM);
        for (int mask = 0; mask < (1 << n); mask++) {
          if (Integer.bitCount(mask) != t) {
            continue;
          }
          List<Shamir.Share> subset = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            if ((mask & (1 << i)) != 0) {
              subset.add(shares.get(i));
            }
          }
          Collections.reverse(subset); // order must not matter
          assertThat(Shamir.combine(subset, t, 32)).as("n=%d t=%d subset=%s", n, t, subset).isEqualTo(secret);
        }
      }
    }
  }

  @Test
  void combine_thresholdMinusOneShares_throws() {
    List<Shamir.Share> shares = Shamir.split(secret(32), 3, 5, RANDOM);
    assertThatThrownBy(() -> Shamir.combine(shares.subList(0, 2), 3, 32))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need 3 shares");
  }

  @Test
  void combine_thresholdMinusOneSharesWithLowerThreshold_doesNotGiveSecret() {
    // t - 1 points of a degree t - 1 polynomial interpolate some other polynomial: a random field element, which
    // almost never fits in 32 bytes (probability 2^-265), so combine reports inconsistent shares.
    for (int t = 2; t <= 6; t++) {
      byte[] secret = secret(32);
      List<Shamir.Share> shares = Shamir.split(secret, t, t + 2, RANDOM);
      int lower = t - 1;
      List<Shamir.Share> fewer = shares.subList(1, t);
      assertThatThrownBy(() -> Shamir.combine(fewer, lower, 32))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inconsistent");
    }
  }

  @Test
  void split_thresholdMinusOneShares_areConsistentWithEverySecret() {
    // Perfect secrecy, made concrete: for t - 1 shares and ANY candidate secret there is a polynomial of degree
    // t - 1 through both, so the shares rule nothing out. Interpolating through (0, candidate) and the t - 1 shares
    // and evaluating at a fresh point always succeeds and reproduces the candidate at zero.
    int t = 4;
    List<Shamir.Share> shares = Shamir.split(secret(32), t, 6, RANDOM);
    for (int trial = 0; trial < 5; trial++) {
      byte[] candidate = secret(32);
      List<BigInteger[]> points = new ArrayList<>();
      points.add(new BigInteger[] {BigInteger.ZERO, new BigInteger(1, candidate)});
      for (Shamir.Share s : shares.subList(0, t - 1)) {
        points.add(new BigInteger[] {BigInteger.valueOf(s.x()), new BigInteger(1, s.y())});
      }
      // A share at x = 6 of the polynomial through these t points, then reconstruct from it and t - 1 real shares.
      BigInteger y6 = interpolate(points, BigInteger.valueOf(6));
      List<Shamir.Share> mixed = new ArrayList<>(shares.subList(0, t - 1));
      mixed.add(new Shamir.Share(6, Shamir.toFixed(y6, Shamir.Y_BYTES)));
      assertThat(Shamir.combine(mixed, t, 32)).isEqualTo(candidate);
    }
  }

  private static BigInteger interpolate(List<BigInteger[]> points, BigInteger at) {
    BigInteger p = Shamir.P;
    BigInteger sum = BigInteger.ZERO;
    for (int i = 0; i < points.size(); i++) {
      BigInteger term = points.get(i)[1];
      for (int j = 0; j < points.size(); j++) {
        if (i != j) {
          BigInteger xi = points.get(i)[0];
          BigInteger xj = points.get(j)[0];
          term = term.multiply(at.subtract(xj)).multiply(xi.subtract(xj).modInverse(p)).mod(p);
        }
      }
      sum = sum.add(term).mod(p);
    }
    return sum;
  }

  @Property(tries = 50)
  void combine_randomSubsetOfAtLeastThreshold_givesSecret(@ForAll @IntRange(min = 1, max = 64) int length,
      @ForAll @IntRange(min = 1, max = 40) int n, @ForAll @IntRange(min = 1, max = 40) int tRaw,
      @ForAll long shuffleSeed) {
    int t = 1 + (tRaw - 1) % n;
    byte[] secret = secret(length);
    secret[0] = 0; // leading zero bytes must survive
    List<Shamir.Share> shares = new ArrayList<>(Shamir.split(secret, t, n, RANDOM));
    Collections.shuffle(shares, new Random(shuffleSeed));
    assertThat(Shamir.combine(shares, t, length)).isEqualTo(secret);
  }

  @Test
  void splitAt_givenPoints_usesThem() {
    byte[] secret = secret(32);
    List<Shamir.Share> shares = Shamir.splitAt(secret, 2, new int[] {7, 1000, 4096}, RANDOM);
    assertThat(shares).extracting(Shamir.Share::x).containsExactly(7, 1000, 4096);
    assertThat(Shamir.combine(List.of(shares.get(2), shares.get(0)), 2, 32)).isEqualTo(secret);
  }

  @Test
  void combine_pointsFarApart_givesSecret() {
    // differences near 2^31 exercise the overflow guard of the long accumulators
    byte[] secret = secret(64);
    int[] xs = {1, Integer.MAX_VALUE, Integer.MAX_VALUE - 1, 123_456_789, 2};
    List<Shamir.Share> shares = Shamir.splitAt(secret, 4, xs, RANDOM);
    assertThat(Shamir.combine(shares.subList(0, 4), 4, 64)).isEqualTo(secret);
    assertThat(Shamir.combine(shares.subList(1, 5), 4, 64)).isEqualTo(secret);
  }

  @Test
  void split_thousandsOfShares_work() {
    byte[] secret = secret(32);
    List<Shamir.Share> shares = Shamir.split(secret, 3, 3000, RANDOM);
    assertThat(shares.get(2999).x()).isEqualTo(3000);
    assertThat(Shamir.combine(List.of(shares.get(2999), shares.get(1500), shares.get(0)), 3, 32)).isEqualTo(secret);
  }

  @Test
  void share_yHas66Bytes() {
    assertThat(Shamir.split(secret(64), 2, 3, RANDOM)).allSatisfy(s -> assertThat(s.y()).hasSize(66));
  }

  @Test
  void combine_duplicateX_throws() {
    List<Shamir.Share> shares = Shamir.split(secret(32), 2, 3, RANDOM);
    assertThatThrownBy(() -> Shamir.combine(List.of(shares.get(0), shares.get(0), shares.get(1)), 2, 32))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
  }

  @Test
  void share_xOutOfRange_throws() {
    assertThatThrownBy(() -> new Shamir.Share(0, new byte[66])).hasMessageContaining("out of range");
    assertThatThrownBy(() -> new Shamir.Share(-3, new byte[66])).hasMessageContaining("out of range");
  }

  @Test
  void share_yNotAFieldElement_throws() {
    byte[] tooBig = new byte[66];
    tooBig[0] = 0x02; // 2^521 > p
    assertThatThrownBy(() -> new Shamir.Share(1, tooBig)).hasMessageContaining("modulus");
    assertThatThrownBy(() -> new Shamir.Share(1, new byte[65])).hasMessageContaining("66");
  }

  @Test
  void split_badArguments_throw() {
    assertThatThrownBy(() -> Shamir.split(secret(65), 2, 3, RANDOM)).hasMessageContaining("secret");
    assertThatThrownBy(() -> Shamir.split(new byte[0], 2, 3, RANDOM)).hasMessageContaining("secret");
    assertThatThrownBy(() -> Shamir.split(secret(8), 4, 3, RANDOM)).hasMessageContaining("threshold");
    assertThatThrownBy(() -> Shamir.split(secret(8), 0, 3, RANDOM)).hasMessageContaining("threshold");
    assertThatThrownBy(() -> Shamir.splitAt(secret(8), 1, new int[] {2, 2}, RANDOM))
        .hasMessageContaining("duplicate");
  }

  @Test
  void share_toString_hidesY() {
    assertThat(Shamir.split(secret(8), 1, 1, RANDOM).get(0).toString()).isEqualTo("Share[x=1]");
  }
}
