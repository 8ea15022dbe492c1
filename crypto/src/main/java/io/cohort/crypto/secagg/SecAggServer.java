package io.cohort.crypto.secagg;

import io.cohort.crypto.MaskPrg;
import io.cohort.crypto.Shamir;
import io.cohort.crypto.X25519;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server's side of one SecAgg+ round: it relays keys and ciphertexts, tracks who is still there at each stage, and
 * finally strips the masks from the sum of the masked inputs. It never sees an input, a share in the clear before
 * stage 4, or a pairwise secret of two survivors. Not thread-safe; the coordinator calls it from one thread.
 *
 * <p>Stages: {@link #acceptKeys} … {@link #closeKeyStage} (U1), {@link #acceptShares} … {@link #closeShareStage}
 * (U2), the caller sums the masked vectors of the clients it passes to {@link #closeMaskedStage} (U3),
 * {@link #acceptUnmask} … {@link #unmask}.
 *
 * <p><b>Security guarantees.</b> Run honestly, this class reconstructs the self-mask seed {@code b} only of clients
 * whose masked input was summed, and the mask key only of clients that dropped before sending one; it accepts each
 * kind of share only for the clients it asked about, and only from those it asked. With at least {@code t} honest
 * answering holders per secret the result is the exact wrapping sum of the survivors' encoded inputs. A reconstructed
 * mask key is checked against the client's advertised public key. <b>Not</b> provided: robustness against malicious
 * clients (a client can send a wrong share of {@code b}, which corrupts the sum undetected) and any proof of
 * correctness to the clients.
 */
public final class SecAggServer {
  private enum Stage { KEYS, SHARES, MASKED, UNMASK, DONE }

  private final SecAggParameters parameters;
  private final NeighbourGraph graph;
  private final X25519.KeyPair probe = X25519.KeyPair.generate();
  private Stage stage = Stage.KEYS;
  private final Map<String, KeyAdvertisement> adverts = new TreeMap<>();
  /** Per client admitted to stage 2: the neighbours it must send a share to. */
  private final Map<String, Set<String>> recipients = new TreeMap<>();
  private final Map<String, List<EncryptedShare>> sharesFrom = new TreeMap<>();
  private Set<String> shared = Set.of();
  private Set<String> survivors = Set.of();
  private final Map<String, UnmaskRequest> requests = new TreeMap<>();
  private final Set<String> answered = new HashSet<>();
  private final Map<String, List<Shamir.Share>> seedShares = new TreeMap<>();
  private final Map<String, List<Shamir.Share>> keyShares = new TreeMap<>();

  /** A server for the round described by {@code parameters}. */
  public SecAggServer(SecAggParameters parameters) {
    this.parameters = Objects.requireNonNull(parameters, "parameters");
    this.graph = parameters.graph();
  }

  /**
   * Stage 1 input: one client's public keys.
   *
   * @throws SecAggException if the sender is not a participant, advertised before, sent a malformed or low-order key,
   *     or stage 1 is closed
   */
  public void acceptKeys(KeyAdvertisement advertisement) {
    String u = Objects.requireNonNull(advertisement, "advertisement").clientId();
    requireStage(Stage.KEYS, "advertisement from " + u);
    if (parameters.shareIndex(u) < 0) {
      throw new SecAggException("advertisement from " + u + ", which is not a participant of this round");
    }
    if (adverts.containsKey(u)) {
      throw new SecAggException("second advertisement from " + u);
    }
    checkKey(advertisement.agreementKey(), u, "agreement key");
    checkKey(advertisement.maskKey(), u, "mask key");
    adverts.put(u, advertisement);
  }

  private void checkKey(byte[] encoded, String owner, String what) {
    X25519.PublicKey key = Derivation.publicKey(encoded, owner, what);
    try {
      probe.agree(key);
    } catch (IllegalArgumentException e) {
      throw new SecAggException(what + " of " + owner + " is a low-order point", e);
    }
  }

  /**
   * Closes stage 1; U1 = the advertisers. For each {@code u} in U1 with at least {@code threshold} neighbours in U1:
   * the advertisements of those neighbours, which {@code u} passes to {@link SecAggClient#shareKeys}. Clients with
   * fewer are left out of the map (their secrets could never be rebuilt); they may still appear in others' lists.
   */
  public Map<String, List<KeyAdvertisement>> closeKeyStage() {
    requireStage(Stage.KEYS, "closeKeyStage");
    Map<String, List<KeyAdvertisement>> out = new TreeMap<>();
    for (String u : adverts.keySet()) {
      List<KeyAdvertisement> list = new ArrayList<>();
      for (String v : graph.neighbours(u)) {
        KeyAdvertisement advert = adverts.get(v);
        if (advert != null) {
          list.add(advert);
        }
      }
      if (list.size() >= parameters.threshold()) {
        out.put(u, List.copyOf(list));
        Set<String> to = new TreeSet<>();
        list.forEach(a -> to.add(a.clientId()));
        recipients.put(u, to);
      }
    }
    stage = Stage.SHARES;
    return Collections.unmodifiableMap(out);
  }

  /**
   * Stage 2 input: {@code from}'s ciphertexts, exactly one for each neighbour in the list {@link #closeKeyStage} gave
   * it, each with {@code from()} equal to the sender.
   *
   * @throws SecAggException if {@code from} was not admitted to stage 2 or sent before, a share names another sender,
   *     is addressed to a client outside its list (a non-neighbour), is duplicated, or one is missing
   */
  public void acceptShares(String from, List<EncryptedShare> shares) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(shares, "shares");
    requireStage(Stage.SHARES, "shares from " + from);
    Set<String> expected = recipients.get(from);
    if (expected == null) {
      throw new SecAggException("shares from " + from + ", which was not admitted to stage 2");
    }
    if (sharesFrom.containsKey(from)) {
      throw new SecAggException("second set of shares from " + from);
    }
    Set<String> seen = new HashSet<>();
    for (EncryptedShare share : shares) {
      if (!share.from().equals(from)) {
        throw new SecAggException("share sent by " + from + " claims to be from " + share.from());
      }
      if (!expected.contains(share.to())) {
        throw new SecAggException("share from " + from + " to " + share.to()
            + ", which is not one of its advertised neighbours");
      }
      if (!seen.add(share.to())) {
        throw new SecAggException("two shares from " + from + " to " + share.to());
      }
    }
    if (seen.size() != expected.size()) {
      Set<String> missing = new TreeSet<>(expected);
      missing.removeAll(seen);
      throw new SecAggException("shares from " + from + " miss neighbours " + missing);
    }
    sharesFrom.put(from, List.copyOf(shares));
  }

  /**
   * Closes stage 2. U2 = the clients that sent their shares, less any (repeatedly) with fewer than {@code threshold}
   * neighbours in U2: nobody could ever rebuild their secrets, so they are left out before anyone masks against them.
   * For each {@code u} in U2: the ciphertexts addressed to {@code u} from members of U2, sorted by sender, which
   * {@code u} passes to {@link SecAggClient#maskInput}.
   */
  public Map<String, List<EncryptedShare>> closeShareStage() {
    requireStage(Stage.SHARES, "closeShareStage");
    Set<String> members = new TreeSet<>(sharesFrom.keySet());
    boolean changed = true;
    while (changed) { // at most n passes: each one removes a client or ends
      changed = members.removeIf(u -> countIn(graph.neighbours(u), members) < parameters.threshold());
    }
    Map<String, List<EncryptedShare>> inbox = new TreeMap<>();
    members.forEach(u -> inbox.put(u, new ArrayList<>()));
    for (String from : members) {
      for (EncryptedShare share : sharesFrom.get(from)) {
        List<EncryptedShare> list = inbox.get(share.to());
        if (list != null) {
          list.add(share);
        }
      }
    }
    inbox.replaceAll((u, list) -> List.copyOf(list));
    shared = Collections.unmodifiableSet(members);
    sharesFrom.clear();
    stage = Stage.MASKED;
    return Collections.unmodifiableMap(inbox);
  }

  /** U2, the clients whose masked input may be summed (empty before {@link #closeShareStage}). */
  public Set<String> sharedKeys() {
    return shared;
  }

  /**
   * Closes stage 3. {@code maskedFrom} (a subset of U2) are the clients whose masked vectors the caller summed; they
   * become U3. For each {@code u} in U3: survivors = N(u) ∩ U3, dropped = N(u) ∩ (U2 \ U3).
   *
   * @throws SecAggException if U3 is empty or holds a client outside U2
   */
  public Map<String, UnmaskRequest> closeMaskedStage(Set<String> maskedFrom) {
    requireStage(Stage.MASKED, "closeMaskedStage");
    Set<String> u3 = new TreeSet<>(Objects.requireNonNull(maskedFrom, "maskedFrom"));
    if (u3.isEmpty()) {
      throw new SecAggException("no masked input was received: nothing to aggregate");
    }
    for (String u : u3) {
      if (!shared.contains(u)) {
        throw new SecAggException("masked input from " + u + ", which did not complete stage 2");
      }
    }
    for (String u : u3) {
      List<String> alive = new ArrayList<>();
      List<String> gone = new ArrayList<>();
      for (String v : graph.neighbours(u)) {
        if (u3.contains(v)) {
          alive.add(v);
        } else if (shared.contains(v)) {
          gone.add(v);
        }
      }
      requests.put(u, new UnmaskRequest(alive, gone));
    }
    survivors = Collections.unmodifiableSet(u3);
    stage = Stage.UNMASK;
    return Collections.unmodifiableMap(requests);
  }

  /**
   * Stage 4 input: {@code from}'s shares. Only from U3, once each, and only shares it was asked for: seed shares of
   * its surviving neighbours, key shares of its dropped ones, each at {@code from}'s own point. A subset is fine.
   *
   * @throws SecAggException otherwise (nothing of the message is kept)
   */
  public void acceptUnmask(String from, List<RevealedShare> shares) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(shares, "shares");
    requireStage(Stage.UNMASK, "unmask shares from " + from);
    UnmaskRequest request = requests.get(from);
    if (request == null) {
      throw new SecAggException("unmask shares from " + from + ", which is not a survivor (not in U3)");
    }
    if (!answered.add(from)) {
      throw new SecAggException("second unmask answer from " + from);
    }
    int x = parameters.shareIndex(from);
    Map<String, Shamir.Share> seeds = new HashMap<>();
    Map<String, Shamir.Share> keys = new HashMap<>();
    try {
      for (RevealedShare share : shares) {
        String owner = share.owner();
        boolean asked = share.kind() == SecretKind.SELF_MASK_SEED
            ? request.survivors().contains(owner) : request.dropped().contains(owner);
        if (!asked) {
          throw new SecAggException(from + " sent a " + share.kind() + " share of " + owner + ", which was not asked");
        }
        if (share.x() != x) {
          throw new SecAggException(from + " sent a share at x = " + share.x() + ", its own point is " + x);
        }
        Map<String, Shamir.Share> target = share.kind() == SecretKind.SELF_MASK_SEED ? seeds : keys;
        Shamir.Share parsed;
        try {
          parsed = new Shamir.Share(x, share.y());
        } catch (IllegalArgumentException e) {
          throw new SecAggException(from + " sent a malformed share of " + owner, e);
        }
        if (target.put(owner, parsed) != null) {
          throw new SecAggException(from + " sent two " + share.kind() + " shares of " + owner);
        }
      }
    } catch (SecAggException e) {
      answered.remove(from);
      throw e;
    }
    seeds.forEach((owner, share) -> seedShares.computeIfAbsent(owner, o -> new ArrayList<>()).add(share));
    keys.forEach((owner, share) -> keyShares.computeIfAbsent(owner, o -> new ArrayList<>()).add(share));
  }

  /**
   * Closes stage 4: rebuilds {@code b_v} for each {@code v} in U3 and {@code s_v.sk} for each {@code v} in
   * U2 \ U3 that has a neighbour in U3, from {@code threshold} shares each, then removes {@code PRG(b_v)} and every
   * pairwise mask between a dropped client and its surviving neighbours from {@code maskedSum} in place. On failure
   * {@code maskedSum} is left untouched.
   *
   * @param maskedSum the wrapping {@code int} sum of the masked vectors of U3
   * @throws IllegalArgumentException if {@code maskedSum.length != vectorLength}
   * @throws SecAggException naming a client whose secret has fewer than {@code threshold} shares or whose shares are
   *     inconsistent
   */
  public void unmask(int[] maskedSum) {
    requireStage(Stage.UNMASK, "unmask");
    if (maskedSum.length != parameters.vectorLength()) {
      throw new IllegalArgumentException("maskedSum must have vectorLength = " + parameters.vectorLength()
          + " elements, got " + maskedSum.length);
    }
    Map<String, byte[]> seeds = new TreeMap<>();
    for (String v : survivors) {
      seeds.put(v, rebuild(v, SecretKind.SELF_MASK_SEED, seedShares));
    }
    Map<String, X25519.KeyPair> keys = new TreeMap<>();
    for (String v : shared) {
      if (!survivors.contains(v) && countIn(graph.neighbours(v), survivors) > 0) {
        byte[] scalar = rebuild(v, SecretKind.MASK_KEY, keyShares);
        X25519.KeyPair pair = X25519.KeyPair.fromPrivate(scalar);
        Arrays.fill(scalar, (byte) 0);
        if (!Arrays.equals(pair.publicKey().encoded(), adverts.get(v).maskKey())) {
          throw new SecAggException("rebuilt mask key of " + v + " does not match its advertised key: bad shares");
        }
        keys.put(v, pair);
      }
    }
    int length = maskedSum.length;
    seeds.forEach((v, seed) -> MaskPrg.of(seed).addTo(maskedSum, 0, 0, length, -1));
    keys.forEach((v, pair) -> {
      for (String u : graph.neighbours(v)) {
        if (survivors.contains(u)) {
          X25519.PublicKey su = new X25519.PublicKey(adverts.get(u).maskKey());
          byte[] seed = Derivation.maskSeed(pair, su, parameters, u, v);
          MaskPrg.of(seed).addTo(maskedSum, 0, 0, length, -Derivation.sign(u, v)); // u added sign(u, v) * PRG
        }
      }
    });
    stage = Stage.DONE;
  }

  private byte[] rebuild(String owner, SecretKind kind, Map<String, List<Shamir.Share>> from) {
    List<Shamir.Share> shares = from.getOrDefault(owner, List.of());
    if (shares.size() < parameters.threshold()) {
      throw new SecAggException("cannot rebuild the " + kind + " of " + owner + ": " + shares.size()
          + " shares, threshold is " + parameters.threshold());
    }
    // Sorted by point: the first t points then repeat across owners, so Shamir's cached coefficients are reused.
    List<Shamir.Share> sorted = new ArrayList<>(shares);
    sorted.sort(java.util.Comparator.comparingInt(Shamir.Share::x));
    try {
      return Shamir.combine(sorted, parameters.threshold(), 32);
    } catch (IllegalArgumentException e) {
      throw new SecAggException("cannot rebuild the " + kind + " of " + owner + ": " + e.getMessage(), e);
    }
  }

  /** U3, the clients whose masked input was summed (empty before {@link #closeMaskedStage}). */
  public Set<String> survivors() {
    return survivors;
  }

  private static int countIn(Set<String> candidates, Set<String> members) {
    int count = 0;
    for (String c : candidates) {
      if (members.contains(c)) {
        count++;
      }
    }
    return count;
  }

  private void requireStage(Stage expected, String what) {
    if (stage != expected) {
      throw new SecAggException(what + " out of order: the round is in stage " + stage + ", not " + expected);
    }
  }
}
