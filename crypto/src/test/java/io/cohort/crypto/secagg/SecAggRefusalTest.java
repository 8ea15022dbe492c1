package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.X25519;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What clients and the server refuse: misaddressed, duplicated, forged or unrequested messages, and curious asks. */
class SecAggRefusalTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int LENGTH = 8;
  /** n = 8, k = 4, t = 3: a SecAgg+ graph with non-neighbours. */
  private final SecAggParameters p = new SecAggParameters("run", 2, RoundSimulation.ids(8), 4, 3, 99L, LENGTH);
  private final List<String> ids = p.participants();
  private final NeighbourGraph graph = p.graph();
  private SecAggServer server;
  private Map<String, SecAggClient> clients;
  private Map<String, KeyAdvertisement> adverts;
  private Map<String, List<KeyAdvertisement>> keys;

  @BeforeEach
  void advertise() {
    server = new SecAggServer(p);
    clients = new TreeMap<>();
    adverts = new TreeMap<>();
    for (String id : ids) {
      clients.put(id, new SecAggClient(p, id, RANDOM));
      adverts.put(id, clients.get(id).advertiseKeys());
      server.acceptKeys(adverts.get(id));
    }
    keys = server.closeKeyStage();
  }

  private Map<String, List<EncryptedShare>> share() {
    for (String id : ids) {
      server.acceptShares(id, clients.get(id).shareKeys(keys.get(id)));
    }
    return server.closeShareStage();
  }

  /** Everyone masks (zero inputs); returns the masked sum and the server's requests. */
  private Map<String, UnmaskRequest> maskAll(Set<String> masking, int[] sum) {
    Map<String, List<EncryptedShare>> inboxes = share();
    for (String id : masking) {
      int[] masked = clients.get(id).maskInput(inboxes.get(id), new int[LENGTH]);
      for (int i = 0; i < LENGTH; i++) {
        sum[i] += masked[i];
      }
    }
    return server.closeMaskedStage(masking);
  }

  private String nonNeighbourOf(String id) {
    return ids.stream().filter(v -> !v.equals(id) && !graph.neighbours(id).contains(v)).findFirst().orElseThrow();
  }

  // ---- client, stage 2 ----

  @Test
  void shareKeys_advertFromNonNeighbour_throws() {
    String self = ids.get(0);
    List<KeyAdvertisement> list = new ArrayList<>(keys.get(self));
    list.add(adverts.get(nonNeighbourOf(self)));
    assertThatThrownBy(() -> clients.get(self).shareKeys(list))
        .isInstanceOf(SecAggException.class).hasMessageContaining("not a neighbour");
  }

  @Test
  void shareKeys_duplicateAdvert_throws() {
    String self = ids.get(0);
    List<KeyAdvertisement> list = new ArrayList<>(keys.get(self));
    list.add(list.get(0));
    assertThatThrownBy(() -> clients.get(self).shareKeys(list)).hasMessageContaining("duplicate");
  }

  @Test
  void shareKeys_lowOrderKey_throws() {
    String self = ids.get(0);
    List<KeyAdvertisement> list = new ArrayList<>(keys.get(self));
    KeyAdvertisement first = list.get(0);
    list.set(0, new KeyAdvertisement(first.clientId(), first.agreementKey(), new byte[32]));
    assertThatThrownBy(() -> clients.get(self).shareKeys(list))
        .isInstanceOf(SecAggException.class).hasMessageContaining("low-order").hasMessageContaining(first.clientId());
  }

  @Test
  void shareKeys_fewerThanThresholdAdverts_throws() {
    String self = ids.get(0);
    assertThatThrownBy(() -> clients.get(self).shareKeys(keys.get(self).subList(0, 2)))
        .isInstanceOf(SecAggException.class).hasMessageContaining("threshold is 3");
  }

  // ---- client, stage 3 ----

  @Test
  void maskInput_tamperedCiphertext_throws() {
    Map<String, List<EncryptedShare>> inboxes = share();
    String self = ids.get(0);
    List<EncryptedShare> inbox = new ArrayList<>(inboxes.get(self));
    EncryptedShare first = inbox.get(0);
    byte[] ct = first.ciphertext();
    ct[ct.length - 1] ^= 1;
    inbox.set(0, new EncryptedShare(first.from(), first.to(), ct));
    assertThatThrownBy(() -> clients.get(self).maskInput(inbox, new int[LENGTH]))
        .isInstanceOf(SecAggException.class).hasMessageContaining("authentication").hasMessageContaining(first.from());
  }

  @Test
  void maskInput_shareRelabelledForAnotherRecipient_failsAuthentication() {
    // A ciphertext from v to w, relabelled as from v to u, does not open at u: key and AD bind the recipient.
    Map<String, List<EncryptedShare>> inboxes = share();
    String u = ids.get(0);
    EncryptedShare toU = inboxes.get(u).get(0);
    String v = toU.from();
    String w = graph.neighbours(v).stream().filter(x -> !x.equals(u)).findFirst().orElseThrow();
    EncryptedShare toW = inboxes.get(w).stream().filter(s -> s.from().equals(v)).findFirst().orElseThrow();
    List<EncryptedShare> inbox = new ArrayList<>(inboxes.get(u));
    inbox.set(0, new EncryptedShare(v, u, toW.ciphertext()));
    assertThatThrownBy(() -> clients.get(u).maskInput(inbox, new int[LENGTH]))
        .isInstanceOf(SecAggException.class).hasMessageContaining("authentication");
  }

  @Test
  void maskInput_shareAddressedToSomeoneElse_throws() {
    Map<String, List<EncryptedShare>> inboxes = share();
    String u = ids.get(0);
    String w = inboxes.keySet().stream().filter(x -> !x.equals(u)).findFirst().orElseThrow();
    List<EncryptedShare> inbox = new ArrayList<>(inboxes.get(u));
    inbox.add(inboxes.get(w).get(0));
    assertThatThrownBy(() -> clients.get(u).maskInput(inbox, new int[LENGTH])).hasMessageContaining("addressed to");
  }

  @Test
  void maskInput_fewerThanThresholdShares_throws() {
    Map<String, List<EncryptedShare>> inboxes = share();
    String u = ids.get(0);
    assertThatThrownBy(() -> clients.get(u).maskInput(inboxes.get(u).subList(0, 2), new int[LENGTH]))
        .isInstanceOf(SecAggException.class).hasMessageContaining("threshold is 3");
  }

  @Test
  void maskInput_wrongLength_throws() {
    Map<String, List<EncryptedShare>> inboxes = share();
    String u = ids.get(0);
    assertThatThrownBy(() -> clients.get(u).maskInput(inboxes.get(u), new int[LENGTH + 1]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vectorLength");
  }

  // ---- client, stage 4 ----

  @Test
  void unmask_peerInBothLists_refusesAndRevealsNothing() {
    Map<String, UnmaskRequest> requests = maskAll(new TreeSet<>(ids), new int[LENGTH]);
    String u = ids.get(0);
    UnmaskRequest request = requests.get(u);
    String v = request.survivors().get(0);
    assertThatThrownBy(() -> clients.get(u).unmask(request.survivors(), List.of(v)))
        .isInstanceOf(SecAggException.class).hasMessageContaining("both");
    // nothing was recorded as revealed: the honest request still gets an answer, and the mask key of v is still
    // available had v really dropped (a fresh refusal-free call for it alone would be allowed)
    assertThat(clients.get(u).unmask(request.survivors(), request.dropped())).hasSize(request.survivors().size());
  }

  @Test
  void unmask_curiousServerAsksMaskKeyOfSurvivorInLaterCall_refuses() {
    Map<String, UnmaskRequest> requests = maskAll(new TreeSet<>(ids), new int[LENGTH]);
    String u = ids.get(0);
    UnmaskRequest request = requests.get(u);
    List<RevealedShare> seeds = clients.get(u).unmask(request.survivors(), request.dropped());
    assertThat(seeds).allSatisfy(s -> assertThat(s.kind()).isEqualTo(SecretKind.SELF_MASK_SEED));
    String survivor = request.survivors().get(0);
    List<String> rest = request.survivors().subList(1, request.survivors().size());
    assertThatThrownBy(() -> clients.get(u).unmask(rest, List.of(survivor)))
        .isInstanceOf(SecAggException.class).hasMessageContaining("already revealed the self-mask seed of " + survivor);
  }

  @Test
  void unmask_seedAfterMaskKeyInLaterCall_refuses() {
    Map<String, UnmaskRequest> requests = maskAll(new TreeSet<>(ids), new int[LENGTH]);
    String u = ids.get(0);
    List<String> neighbours = requests.get(u).survivors();
    String victim = neighbours.get(0);
    List<String> others = neighbours.subList(1, neighbours.size());
    assertThat(clients.get(u).unmask(others, List.of(victim))).hasSize(neighbours.size());
    assertThatThrownBy(() -> clients.get(u).unmask(neighbours, List.of()))
        .isInstanceOf(SecAggException.class).hasMessageContaining("already revealed the mask key of " + victim);
  }

  @Test
  void unmask_tooFewSurvivors_refuses() {
    Map<String, UnmaskRequest> requests = maskAll(new TreeSet<>(ids), new int[LENGTH]);
    String u = ids.get(0);
    List<String> all = requests.get(u).survivors();
    // one survivor plus itself is 2 < t = 3
    assertThatThrownBy(() -> clients.get(u).unmask(all.subList(0, 1), all.subList(1, all.size())))
        .isInstanceOf(SecAggException.class).hasMessageContaining("threshold is 3");
  }

  @Test
  void unmask_nonNeighbour_refuses() {
    Map<String, UnmaskRequest> requests = maskAll(new TreeSet<>(ids), new int[LENGTH]);
    String u = ids.get(0);
    List<String> dropped = List.of(nonNeighbourOf(u));
    assertThatThrownBy(() -> clients.get(u).unmask(requests.get(u).survivors(), dropped))
        .isInstanceOf(SecAggException.class).hasMessageContaining("holds no shares of");
  }

  @Test
  void unmask_beforeMaskInput_throws() {
    assertThatThrownBy(() -> clients.get(ids.get(0)).unmask(List.of(), List.of()))
        .isInstanceOf(SecAggException.class);
  }

  @Test
  void advertiseKeys_twice_throws() {
    assertThatThrownBy(() -> clients.get(ids.get(0)).advertiseKeys()).hasMessageContaining("out of order");
  }

  // ---- server ----

  @Test
  void acceptKeys_secondAdvertisement_throws() {
    SecAggServer fresh = new SecAggServer(p);
    fresh.acceptKeys(adverts.get(ids.get(0)));
    assertThatThrownBy(() -> fresh.acceptKeys(adverts.get(ids.get(0))))
        .isInstanceOf(SecAggException.class).hasMessageContaining("second advertisement from " + ids.get(0));
  }

  @Test
  void acceptKeys_nonParticipant_throws() {
    SecAggServer fresh = new SecAggServer(p);
    KeyAdvertisement a = adverts.get(ids.get(0));
    assertThatThrownBy(() -> fresh.acceptKeys(new KeyAdvertisement("mallory", a.agreementKey(), a.maskKey())))
        .isInstanceOf(SecAggException.class).hasMessageContaining("mallory");
  }

  @Test
  void acceptKeys_badKeys_throw() {
    SecAggServer fresh = new SecAggServer(p);
    byte[] good = X25519.KeyPair.generate().publicKey().encoded();
    assertThatThrownBy(() -> fresh.acceptKeys(new KeyAdvertisement(ids.get(0), new byte[32], good)))
        .isInstanceOf(SecAggException.class).hasMessageContaining("low-order");
    assertThatThrownBy(() -> fresh.acceptKeys(new KeyAdvertisement(ids.get(0), good, new byte[31])))
        .isInstanceOf(SecAggException.class).hasMessageContaining("32-byte");
  }

  @Test
  void acceptKeys_afterClose_throws() {
    assertThatThrownBy(() -> server.acceptKeys(adverts.get(ids.get(0)))).hasMessageContaining("out of order");
  }

  @Test
  void acceptShares_toNonNeighbour_throws() {
    String u = ids.get(0);
    List<EncryptedShare> shares = new ArrayList<>(clients.get(u).shareKeys(keys.get(u)));
    EncryptedShare first = shares.get(0);
    String stranger = nonNeighbourOf(u);
    shares.set(0, new EncryptedShare(u, stranger, first.ciphertext()));
    assertThatThrownBy(() -> server.acceptShares(u, shares))
        .isInstanceOf(SecAggException.class).hasMessageContaining(stranger).hasMessageContaining("not one of");
  }

  @Test
  void acceptShares_missingOrForeignOrRepeated_throw() {
    String u = ids.get(0);
    List<EncryptedShare> shares = clients.get(u).shareKeys(keys.get(u));
    assertThatThrownBy(() -> server.acceptShares(u, shares.subList(1, shares.size()))).hasMessageContaining("miss");
    assertThatThrownBy(() -> server.acceptShares(ids.get(1), shares)).hasMessageContaining("claims to be from");
    server.acceptShares(u, shares);
    assertThatThrownBy(() -> server.acceptShares(u, shares)).hasMessageContaining("second set");
  }

  @Test
  void acceptUnmask_fromDroppedClient_throws() {
    Set<String> masking = new TreeSet<>(ids);
    String dropped = ids.get(2);
    masking.remove(dropped);
    maskAll(masking, new int[LENGTH]);
    assertThatThrownBy(() -> server.acceptUnmask(dropped, List.of()))
        .isInstanceOf(SecAggException.class).hasMessageContaining("not a survivor").hasMessageContaining(dropped);
  }

  @Test
  void acceptUnmask_maskKeyShareOfSurvivor_throws() {
    // A (malicious) client volunteering the mask key of a survivor: the server never takes it.
    Map<String, UnmaskRequest> requests = maskAll(new TreeSet<>(ids), new int[LENGTH]);
    String u = ids.get(0);
    RevealedShare seed = clients.get(u).unmask(requests.get(u).survivors(), List.of()).get(0);
    RevealedShare forged = new RevealedShare(seed.owner(), SecretKind.MASK_KEY, seed.x(), seed.y());
    assertThatThrownBy(() -> server.acceptUnmask(u, List.of(forged)))
        .isInstanceOf(SecAggException.class).hasMessageContaining("not asked");
  }

  @Test
  void acceptUnmask_twiceOrAtAnotherPoint_throws() {
    Map<String, UnmaskRequest> requests = maskAll(new TreeSet<>(ids), new int[LENGTH]);
    String u = ids.get(0);
    List<RevealedShare> shares = clients.get(u).unmask(requests.get(u).survivors(), List.of());
    RevealedShare s = shares.get(0);
    assertThatThrownBy(() -> server.acceptUnmask(u, List.of(new RevealedShare(s.owner(), s.kind(), s.x() + 1,
        s.y())))).hasMessageContaining("own point");
    server.acceptUnmask(u, shares);
    assertThatThrownBy(() -> server.acceptUnmask(u, shares)).hasMessageContaining("second unmask answer");
  }

  @Test
  void unmask_fewerThanThresholdHoldersAnswer_throwsNamingClientAndLeavesSumUntouched() {
    int[] sum = new int[LENGTH];
    Map<String, UnmaskRequest> requests = maskAll(new TreeSet<>(ids), sum);
    // only two clients answer: every secret has at most 2 < t = 3 shares
    for (String u : ids.subList(0, 2)) {
      server.acceptUnmask(u, clients.get(u).unmask(requests.get(u).survivors(), requests.get(u).dropped()));
    }
    int[] before = sum.clone();
    assertThatThrownBy(() -> server.unmask(sum))
        .isInstanceOf(SecAggException.class).hasMessageContaining("threshold is 3").hasMessageContaining("client-");
    assertThat(sum).isEqualTo(before);
    // more answers arrive: the same server can still finish
    for (String u : ids.subList(2, ids.size())) {
      server.acceptUnmask(u, clients.get(u).unmask(requests.get(u).survivors(), requests.get(u).dropped()));
    }
    server.unmask(sum);
    assertThat(sum).containsOnly(0);
  }

  @Test
  void closeMaskedStage_empty_throws() {
    share();
    assertThatThrownBy(() -> server.closeMaskedStage(Set.of())).isInstanceOf(SecAggException.class)
        .hasMessageContaining("no masked input");
  }

  @Test
  void closeMaskedStage_requests_neverAskBothKindsOfOneClient() {
    Set<String> masking = new TreeSet<>(ids);
    masking.remove(ids.get(1));
    masking.remove(ids.get(6));
    Map<String, UnmaskRequest> requests = maskAll(masking, new int[LENGTH]);
    assertThat(requests.keySet()).isEqualTo(masking);
    requests.forEach((u, r) -> {
      assertThat(r.survivors()).allSatisfy(v -> assertThat(masking).contains(v));
      assertThat(r.dropped()).allSatisfy(v -> assertThat(masking).doesNotContain(v));
      assertThat(r.survivors()).noneMatch(r.dropped()::contains);
      Set<String> asked = new TreeSet<>(r.survivors());
      asked.addAll(r.dropped());
      assertThat(asked).isEqualTo(graph.neighbours(u));
    });
  }
}
