package io.cohort.crypto.secagg;

import io.cohort.crypto.Hkdf;
import io.cohort.crypto.MaskPrg;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The SecAgg+ communication graph: a Harary graph {@code H(k, n)} on a pseudorandom permutation of the participants
 * (Bell et al. 2020). Each client shares secrets with, and masks against, only its neighbours, so its work is
 * {@code O(k)} instead of {@code O(n)}.
 *
 * <p>Placing the permuted clients on a cycle at positions {@code 0..n-1}, two clients are neighbours when their
 * circular distance is at most {@code floor(k/2)}. When {@code k} is odd one more edge per client is needed: for even
 * {@code n}, the client opposite ({@code n/2} away); for odd {@code n}, where {@code k * n} is odd and no
 * {@code k}-regular graph exists, the edges {@code {i, i + (n+1)/2 mod n}} for {@code i = 0..(n-1)/2}, which give the
 * client at position 0 degree {@code k + 1} and everyone else degree {@code k}. With {@code k = n - 1} the graph is
 * complete (full SecAgg). For {@code k >= 2} Harary graphs are {@code k}-connected; {@code k = 1} is (nearly) a
 * matching, useful only in tests.
 *
 * <p>The graph is a pure function of the sorted participants, {@code k} and the seed, so the server and every client
 * compute the same one. The permutation is a Fisher–Yates shuffle driven by AES-CTR words ({@link MaskPrg}) keyed by
 * {@code HKDF(seed, info = "cohort/secagg/v1/graph")}; each swap index is a 64-bit word reduced modulo the range (bias
 * below {@code n / 2^64}).
 *
 * <p><b>Security guarantees.</b> None by itself: the seed is public. SecAgg+'s privacy argument assumes a graph the
 * adversary did not choose; against a semi-honest server that picks the seed at random this holds. A malicious
 * server choosing the seed could try seeds until some client's neighbourhood is mostly corrupt, which this class does
 * not prevent.
 *
 * <p>Immutable and thread-safe. Memory is {@code O(n)}; {@link #neighbours} builds its answer in {@code O(k log k)}.
 */
public final class NeighbourGraph {
  private final List<String> participants;
  private final int k;
  private final String[] atPosition;
  private final Map<String, Integer> positionOf;

  private NeighbourGraph(List<String> participants, int k, String[] atPosition, Map<String, Integer> positionOf) {
    this.participants = participants;
    this.k = k;
    this.atPosition = atPosition;
    this.positionOf = positionOf;
  }

  /**
   * The graph of {@code participants} (sorted ascending, distinct, at least two) with degree {@code k} (1..n-1).
   *
   * @throws IllegalArgumentException naming the argument and its allowed range
   */
  public static NeighbourGraph of(List<String> participants, int k, long seed) {
    List<String> ids = List.copyOf(Objects.requireNonNull(participants, "participants"));
    checkParticipants(ids);
    int n = ids.size();
    if (k < 1 || k > n - 1) {
      throw new IllegalArgumentException("neighbours must be in 1.." + (n - 1) + " (n - 1), got " + k);
    }
    byte[] key = Hkdf.derive(ByteBuffer.allocate(Long.BYTES).putLong(seed).array(), null,
        Encoding.fields("cohort/secagg/v1/graph"), MaskPrg.SEED_BYTES);
    int[] words = MaskPrg.of(key).words(0, 2 * (n - 1));
    String[] atPosition = ids.toArray(new String[0]);
    for (int i = n - 1, w = 0; i >= 1; i--, w += 2) {
      long random = ((long) words[w] << 32) | (words[w + 1] & 0xFFFFFFFFL);
      int j = (int) Long.remainderUnsigned(random, i + 1L);
      String swap = atPosition[i];
      atPosition[i] = atPosition[j];
      atPosition[j] = swap;
    }
    Map<String, Integer> positionOf = new HashMap<>(2 * n);
    for (int p = 0; p < n; p++) {
      positionOf.put(atPosition[p], p);
    }
    return new NeighbourGraph(ids, k, atPosition, positionOf);
  }

  /** The participants, sorted. */
  public List<String> participants() {
    return participants;
  }

  /** The nominal degree {@code k}. */
  public int degree() {
    return k;
  }

  /**
   * The neighbours of {@code id}, sorted: never {@code id} itself; {@code k} of them, or {@code k + 1} for the one
   * client that parity forces (odd {@code k} and odd {@code n}).
   *
   * @throws IllegalArgumentException if {@code id} is not a participant
   */
  public Set<String> neighbours(String id) {
    int p = position(id);
    int n = atPosition.length;
    TreeSet<String> out = new TreeSet<>();
    for (int d = 1; d <= k / 2; d++) {
      out.add(atPosition[(p + d) % n]);
      out.add(atPosition[(p - d + n) % n]);
    }
    if (k % 2 == 1) {
      if (n % 2 == 0) {
        out.add(atPosition[(p + n / 2) % n]);
      } else {
        int half = (n + 1) / 2;
        if (p <= (n - 1) / 2) {
          out.add(atPosition[(p + half) % n]);
        }
        if (p >= half || p == 0) { // p = (q + half) mod n for q = p - half, or q = (n - 1) / 2 when p = 0
          out.add(atPosition[p == 0 ? (n - 1) / 2 : p - half]);
        }
      }
    }
    return Collections.unmodifiableSet(out);
  }

  /** Whether {@code a} and {@code b} are neighbours (symmetric; false when {@code a.equals(b)}). */
  public boolean areNeighbours(String a, String b) {
    return !a.equals(b) && neighbours(a).contains(b);
  }

  private int position(String id) {
    Integer p = positionOf.get(id);
    if (p == null) {
      throw new IllegalArgumentException("not a participant of this round: " + id);
    }
    return p;
  }

  static void checkParticipants(List<String> participants) {
    if (participants.size() < 2) {
      throw new IllegalArgumentException("participants must hold at least 2 clients, got " + participants.size());
    }
    for (int i = 1; i < participants.size(); i++) {
      if (participants.get(i - 1).compareTo(participants.get(i)) >= 0) {
        throw new IllegalArgumentException("participants must be sorted ascending and distinct; out of order at index "
            + i + ": " + participants.get(i - 1) + ", " + participants.get(i));
      }
    }
  }
}
