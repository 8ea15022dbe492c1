package io.cohort.crypto.secagg;

import io.cohort.crypto.Aead;
import io.cohort.crypto.MaskPrg;
import io.cohort.crypto.Shamir;
import io.cohort.crypto.X25519;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.AEADBadTagException;

/**
 * One client's side of one SecAgg+ round (Bell et al. 2020; full SecAgg of Bonawitz et al. 2017 when
 * {@code k = n - 1}). Call the four stages in order: {@link #advertiseKeys}, {@link #shareKeys}, {@link #maskInput},
 * {@link #unmask} (the last possibly more than once). Not thread-safe; one instance per client per round.
 *
 * <p><b>Security guarantees.</b> Against a semi-honest (honest-but-curious) server and up to {@code t - 1} colluding
 * neighbours of any client, the server learns only the sum of the inputs of the clients it reports as survivors:
 * each masked input carries a self-mask {@code PRG(b)} and pairwise masks {@code ±PRG(seed(u, v))} with every
 * neighbour that shared keys; secrets are Shamir-shared {@code t}-of-{@code |neighbours|} and sent to each neighbour
 * under AES-256-GCM with a key only the two ends can derive (X25519 + HKDF bound to run, round and direction). This
 * client never reveals both the self-mask share and the mask-key share of the same peer, and refuses to answer an
 * unmask request with fewer than {@code t - 1} surviving neighbours. <b>Not</b> protected: a malicious server that
 * tells different clients different survivor sets, substitutes public keys (there is no key authentication here; bind
 * keys to identities with signatures at the transport layer), or forwards fewer shares to a client than it should
 * (which corrupts the sum instead of leaking); input validity (a client can submit any vector); and timing or size
 * side channels.
 */
public final class SecAggClient {
  private static final int SEED_BYTES = 32;
  private static final int PLAINTEXT_BYTES = Integer.BYTES + 2 * Shamir.Y_BYTES;

  private enum Stage { NEW, ADVERTISED, SHARED, MASKED }

  private final SecAggParameters parameters;
  private final String selfId;
  private final int selfX;
  private final SecureRandom random;
  private final Set<String> neighbours;
  private Stage stage = Stage.NEW;
  private X25519.KeyPair agreementPair;
  private X25519.KeyPair maskPair;
  private byte[] selfMaskSeed;
  /** Advertised neighbours (U1 ∩ N(self)) and their public keys. */
  private final Map<String, KeyAdvertisement> peers = new TreeMap<>();
  /** Shares I hold, by owner: [0] of the self-mask seed, [1] of the mask key. */
  private final Map<String, Shamir.Share[]> held = new TreeMap<>();
  private final Map<String, SecretKind> revealed = new HashMap<>();

  /**
   * A client for one round.
   *
   * @param selfId this client's id, one of {@code parameters.participants()}
   * @param random the source of keys, the self-mask seed and the Shamir polynomials
   * @throws IllegalArgumentException if {@code selfId} is not a participant
   */
  public SecAggClient(SecAggParameters parameters, String selfId, SecureRandom random) {
    this.parameters = Objects.requireNonNull(parameters, "parameters");
    this.selfId = Objects.requireNonNull(selfId, "selfId");
    this.random = Objects.requireNonNull(random, "random");
    this.selfX = parameters.shareIndex(selfId);
    if (selfX < 0) {
      throw new IllegalArgumentException("selfId is not a participant of this round: " + selfId);
    }
    this.neighbours = parameters.graph().neighbours(selfId);
  }

  /** This client's neighbours in the round's graph, sorted. */
  public Set<String> neighbours() {
    return neighbours;
  }

  /** Stage 1: two fresh X25519 key pairs, {@code c} (share encryption) and {@code s} (masking); their public keys. */
  public KeyAdvertisement advertiseKeys() {
    requireStage(Stage.NEW, "advertiseKeys");
    agreementPair = X25519.KeyPair.fromPrivate(randomBytes(X25519.KEY_BYTES));
    maskPair = X25519.KeyPair.fromPrivate(randomBytes(X25519.KEY_BYTES));
    stage = Stage.ADVERTISED;
    return new KeyAdvertisement(selfId, agreementPair.publicKey().encoded(), maskPair.publicKey().encoded());
  }

  /**
   * Stage 2. {@code neighbourKeys} are the advertisements of this client's neighbours that advertised
   * (U1 ∩ N(self)). Picks a random 32-byte self-mask seed {@code b}, Shamir-splits {@code b} and {@code s.sk}
   * {@code t}-of-{@code |neighbourKeys|} (x = the holder's index in the sorted participants + 1) and seals both
   * shares for each neighbour {@code v} with {@code Aead(HKDF(agree(c_self, c_v), info = "cohort/secagg/v1/share" |
   * run | round | self | v))}, associated data binding run, round, sender and recipient.
   *
   * @return one ciphertext per advertised neighbour, sorted by recipient
   * @throws SecAggException if fewer than {@code threshold} neighbours advertised, or an advertisement comes from a
   *     non-neighbour, is duplicated, or carries a malformed or low-order key
   */
  public List<EncryptedShare> shareKeys(List<KeyAdvertisement> neighbourKeys) {
    requireStage(Stage.ADVERTISED, "shareKeys");
    Objects.requireNonNull(neighbourKeys, "neighbourKeys");
    Map<String, KeyAdvertisement> adverts = new TreeMap<>();
    Map<String, Aead> aeads = new HashMap<>();
    for (KeyAdvertisement advert : neighbourKeys) {
      String v = advert.clientId();
      if (!neighbours.contains(v)) {
        throw new SecAggException(selfId + ": advertisement from " + v + ", which is not a neighbour");
      }
      if (adverts.put(v, advert) != null) {
        throw new SecAggException(selfId + ": duplicate advertisement from " + v);
      }
      X25519.PublicKey c = Derivation.publicKey(advert.agreementKey(), v, "agreement key");
      X25519.PublicKey s = Derivation.publicKey(advert.maskKey(), v, "mask key");
      try {
        aeads.put(v, Derivation.shareAead(agreementPair, c, parameters, selfId, v));
        maskPair.agree(s); // refuse a low-order mask key now, before anything is shared
      } catch (IllegalArgumentException e) {
        throw new SecAggException(selfId + ": low-order public key advertised by " + v, e);
      }
    }
    if (adverts.size() < parameters.threshold()) {
      throw new SecAggException(selfId + ": only " + adverts.size() + " neighbours advertised keys, threshold is "
          + parameters.threshold());
    }
    byte[] selfMaskSeed = randomBytes(SEED_BYTES);
    int[] xs = adverts.keySet().stream().mapToInt(parameters::shareIndex).toArray();
    byte[] maskSecret = maskPair.exportPrivate();
    List<Shamir.Share> bShares = Shamir.splitAt(selfMaskSeed, parameters.threshold(), xs, random);
    List<Shamir.Share> sShares = Shamir.splitAt(maskSecret, parameters.threshold(), xs, random);
    Arrays.fill(maskSecret, (byte) 0);
    List<EncryptedShare> out = new ArrayList<>(adverts.size());
    int i = 0;
    for (String v : adverts.keySet()) {
      byte[] plaintext = ByteBuffer.allocate(PLAINTEXT_BYTES).putInt(xs[i])
          .put(bShares.get(i).y()).put(sShares.get(i).y()).array();
      out.add(new EncryptedShare(selfId, v, aeads.get(v).seal(plaintext, Derivation.shareAd(parameters, selfId, v))));
      Arrays.fill(plaintext, (byte) 0);
      i++;
    }
    peers.putAll(adverts);
    this.selfMaskSeed = selfMaskSeed;
    stage = Stage.SHARED;
    return out;
  }

  /**
   * Stage 3. {@code sharesForMe} are the ciphertexts addressed to this client by neighbours that completed stage 2
   * (U2 ∩ N(self)); they define whom this client masks with. Decrypts and keeps them, then returns
   * {@code encodedInput + PRG(b) + sum over v of sign(self, v) * PRG(seed(self, v))} modulo 2<sup>32</sup>, with
   * {@code seed(u, v) = HKDF(agree(s_u, s_v), info = "cohort/secagg/v1/mask" | run | round | min(u,v) | max(u,v))}
   * and {@code sign = +1} if {@code self < v}, else -1.
   *
   * @return a new array; {@code encodedInput} is not modified
   * @throws IllegalArgumentException if {@code encodedInput.length != vectorLength}
   * @throws SecAggException on a bad tag, a share not addressed to this client or from a peer that did not advertise
   *     to it, a duplicate sender, or fewer than {@code threshold} senders
   */
  public int[] maskInput(List<EncryptedShare> sharesForMe, int[] encodedInput) {
    requireStage(Stage.SHARED, "maskInput");
    Objects.requireNonNull(sharesForMe, "sharesForMe");
    if (encodedInput.length != parameters.vectorLength()) {
      throw new IllegalArgumentException("encodedInput must have vectorLength = " + parameters.vectorLength()
          + " elements, got " + encodedInput.length);
    }
    Map<String, Shamir.Share[]> received = new TreeMap<>();
    for (EncryptedShare share : sharesForMe) {
      received.put(share.from(), decrypt(share, received.containsKey(share.from())));
    }
    if (received.size() < parameters.threshold()) {
      throw new SecAggException(selfId + ": only " + received.size() + " neighbours completed stage 2, threshold is "
          + parameters.threshold());
    }
    int[] masked = encodedInput.clone();
    MaskPrg.of(selfMaskSeed).addTo(masked, 0, 0, masked.length, 1);
    for (String v : received.keySet()) {
      X25519.PublicKey s = new X25519.PublicKey(peers.get(v).maskKey());
      byte[] seed = Derivation.maskSeed(maskPair, s, parameters, selfId, v);
      MaskPrg.of(seed).addTo(masked, 0, 0, masked.length, Derivation.sign(selfId, v));
      Arrays.fill(seed, (byte) 0);
    }
    held.putAll(received);
    // Neither secret is needed any more; shares of them live with the neighbours.
    Arrays.fill(selfMaskSeed, (byte) 0);
    selfMaskSeed = null;
    maskPair = null;
    agreementPair = null;
    stage = Stage.MASKED;
    return masked;
  }

  private Shamir.Share[] decrypt(EncryptedShare share, boolean duplicate) {
    String v = share.from();
    if (!share.to().equals(selfId)) {
      throw new SecAggException(selfId + ": received a share from " + v + " addressed to " + share.to());
    }
    if (duplicate) {
      throw new SecAggException(selfId + ": duplicate share from " + v);
    }
    KeyAdvertisement advert = peers.get(v);
    if (advert == null) {
      throw new SecAggException(selfId + ": share from " + v + ", which did not advertise keys to this client");
    }
    byte[] plaintext;
    try {
      Aead aead = Derivation.shareAead(agreementPair, new X25519.PublicKey(advert.agreementKey()), parameters, v,
          selfId);
      plaintext = aead.open(share.ciphertext(), Derivation.shareAd(parameters, v, selfId));
    } catch (AEADBadTagException e) {
      throw new SecAggException(selfId + ": share from " + v + " fails authentication", e);
    }
    ByteBuffer buffer = ByteBuffer.wrap(plaintext);
    if (plaintext.length != PLAINTEXT_BYTES || buffer.getInt() != selfX) {
      throw new SecAggException(selfId + ": share from " + v + " is malformed or for another holder");
    }
    byte[] bY = new byte[Shamir.Y_BYTES];
    byte[] sY = new byte[Shamir.Y_BYTES];
    buffer.get(bY).get(sY);
    Arrays.fill(plaintext, (byte) 0);
    try {
      return new Shamir.Share[] {new Shamir.Share(selfX, bY), new Shamir.Share(selfX, sY)};
    } catch (IllegalArgumentException e) {
      throw new SecAggException(selfId + ": share from " + v + " is not a field element", e);
    }
  }

  /**
   * Stage 4. For each peer in {@code survivors}, this client's share of its self-mask seed; for each in
   * {@code dropped}, its share of its mask key. May be called more than once.
   *
   * @throws SecAggException (revealing nothing) if a peer is in both lists, a peer is not a neighbour whose shares
   *     this client holds, {@code |survivors| + 1 < threshold}, or a peer was revealed with the other kind before
   */
  public List<RevealedShare> unmask(Collection<String> survivors, Collection<String> dropped) {
    if (stage != Stage.MASKED) {
      throw new SecAggException(selfId + ": unmask called before maskInput");
    }
    Set<String> alive = new LinkedHashSet<>(Objects.requireNonNull(survivors, "survivors"));
    Set<String> gone = new LinkedHashSet<>(Objects.requireNonNull(dropped, "dropped"));
    for (String v : alive) {
      if (gone.contains(v)) {
        throw new SecAggException(selfId + ": refusing to unmask: " + v + " is listed as both survivor and dropped");
      }
    }
    for (String v : union(alive, gone)) {
      if (!held.containsKey(v)) {
        throw new SecAggException(selfId + ": refusing to unmask: holds no shares of " + v);
      }
    }
    if (alive.size() + 1 < parameters.threshold()) {
      throw new SecAggException(selfId + ": refusing to unmask: only " + alive.size()
          + " surviving neighbours plus itself, threshold is " + parameters.threshold());
    }
    for (String v : alive) {
      if (revealed.get(v) == SecretKind.MASK_KEY) {
        throw new SecAggException(selfId + ": refusing to unmask: already revealed the mask key of " + v
            + ", now asked for its self-mask seed");
      }
    }
    for (String v : gone) {
      if (revealed.get(v) == SecretKind.SELF_MASK_SEED) {
        throw new SecAggException(selfId + ": refusing to unmask: already revealed the self-mask seed of " + v
            + ", now asked for its mask key");
      }
    }
    List<RevealedShare> out = new ArrayList<>(alive.size() + gone.size());
    for (String v : alive) {
      out.add(new RevealedShare(v, SecretKind.SELF_MASK_SEED, selfX, held.get(v)[0].y()));
      revealed.put(v, SecretKind.SELF_MASK_SEED);
    }
    for (String v : gone) {
      out.add(new RevealedShare(v, SecretKind.MASK_KEY, selfX, held.get(v)[1].y()));
      revealed.put(v, SecretKind.MASK_KEY);
    }
    return out;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.addAll(b);
    return out;
  }

  private void requireStage(Stage expected, String method) {
    if (stage != expected) {
      throw new SecAggException(selfId + ": " + method + " called out of order (stage " + stage + ")");
    }
  }

  private byte[] randomBytes(int length) {
    byte[] out = new byte[length];
    random.nextBytes(out);
    return out;
  }
}
