package io.cohort.benchmarks;

import io.cohort.crypto.secagg.EncryptedShare;
import io.cohort.crypto.secagg.KeyAdvertisement;
import io.cohort.crypto.secagg.RevealedShare;
import io.cohort.crypto.secagg.SecAggClient;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.crypto.secagg.SecAggServer;
import io.cohort.crypto.secagg.UnmaskRequest;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One SecAgg+ round run in memory between {@code n} {@link SecAggClient}s and a {@link SecAggServer} (no network),
 * with every message recorded, so that a benchmark can replay the server up to the unmask stage, or rebuild one client
 * up to the masking stage, as often as it likes and time only the step it measures.
 *
 * <p>Each client's {@link SecureRandom} is a {@code SHA1PRNG} seeded from the round seed and the client's index, so a
 * client rebuilt with {@link #clientReadyToMask} draws the same keys as in the recorded round and can open the shares
 * its neighbours sent it. That determinism is for benchmarking only; real clients use a fresh {@link SecureRandom}.
 *
 * <p>Clients drop evenly spaced through the sorted participants (for 10 % of 20: the 6th and 16th), after sharing
 * keys and before sending a masked input, so the server must rebuild their mask keys and remove their pairwise masks
 * with every surviving neighbour. Client 0 never drops; it is the one whose masking {@link UnmaskBenchmark} times.
 */
final class RecordedRound {
  final SecAggParameters parameters;
  final Map<String, int[]> inputs = new TreeMap<>();
  final List<KeyAdvertisement> adverts = new ArrayList<>();
  final Map<String, List<KeyAdvertisement>> keysFor;
  final Map<String, List<EncryptedShare>> sharesFrom = new TreeMap<>();
  final Map<String, List<EncryptedShare>> inboxes;
  final Set<String> dropped;
  final Set<String> maskedFrom = new TreeSet<>();
  final Map<String, List<RevealedShare>> reveals = new TreeMap<>();
  final int[] maskedSum;
  /** The masked vector the measured client sent in the recorded round. */
  final int[] measuredMasked;
  private final long seed;

  private RecordedRound(SecAggParameters parameters, Set<String> dropped, long seed) {
    this.parameters = parameters;
    this.dropped = dropped;
    this.seed = seed;
    this.maskedSum = new int[parameters.vectorLength()];
    SplittableRandom values = new SplittableRandom(seed);
    for (String id : parameters.participants()) {
      inputs.put(id, values.ints(parameters.vectorLength()).toArray());
    }
    SecAggServer server = new SecAggServer(parameters);
    Map<String, SecAggClient> clients = new TreeMap<>();
    for (String id : parameters.participants()) {
      SecAggClient client = new SecAggClient(parameters, id, randomFor(id));
      clients.put(id, client);
      KeyAdvertisement advert = client.advertiseKeys();
      adverts.add(advert);
      server.acceptKeys(advert);
    }
    keysFor = server.closeKeyStage();
    keysFor.forEach((id, keys) -> {
      List<EncryptedShare> shares = clients.get(id).shareKeys(keys);
      sharesFrom.put(id, shares);
      server.acceptShares(id, shares);
    });
    inboxes = server.closeShareStage();
    int[] measured = null;
    for (Map.Entry<String, List<EncryptedShare>> e : inboxes.entrySet()) {
      String id = e.getKey();
      if (!dropped.contains(id)) {
        int[] masked = clients.get(id).maskInput(e.getValue(), inputs.get(id));
        for (int i = 0; i < masked.length; i++) {
          maskedSum[i] += masked[i];
        }
        maskedFrom.add(id);
        if (id.equals(measuredClient())) {
          measured = masked;
        }
      }
    }
    measuredMasked = measured;
    Map<String, UnmaskRequest> requests = server.closeMaskedStage(maskedFrom);
    requests.forEach((id, request) -> {
      List<RevealedShare> shares = clients.get(id).unmask(request.survivors(), request.dropped());
      reveals.put(id, shares);
      server.acceptUnmask(id, shares);
    });
  }

  /**
   * Runs and records a round of {@code n} clients with the default degree and threshold ({@link
   * SecAggParameters#defaultNeighbours}, {@link SecAggParameters#defaultThreshold}).
   *
   * @param vectorLength length of each client's encoded input
   * @param dropPercent share of clients (rounded) that drop after sharing keys
   */
  static RecordedRound run(int n, int vectorLength, int dropPercent, long seed) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(String.format("client-%03d", i));
    }
    int k = SecAggParameters.defaultNeighbours(n);
    SecAggParameters parameters = new SecAggParameters("bench-run", 1, ids, k, SecAggParameters.defaultThreshold(k),
        seed, vectorLength);
    int drops = (int) Math.round(n * dropPercent / 100.0);
    Set<String> dropped = new TreeSet<>();
    for (int j = 0; j < drops; j++) {
      dropped.add(ids.get((int) ((j + 0.5) * n / drops)));
    }
    return new RecordedRound(parameters, Collections.unmodifiableSet(dropped), seed);
  }

  /** The client whose masking is timed: the first participant, which never drops. */
  String measuredClient() {
    return parameters.participants().get(0);
  }

  /** A fresh server that has replayed the recorded stages 1 to 4 and is ready for {@link SecAggServer#unmask}. */
  SecAggServer serverAtUnmask() {
    SecAggServer server = new SecAggServer(parameters);
    adverts.forEach(server::acceptKeys);
    server.closeKeyStage();
    sharesFrom.forEach(server::acceptShares);
    server.closeShareStage();
    server.closeMaskedStage(maskedFrom);
    reveals.forEach(server::acceptUnmask);
    return server;
  }

  /**
   * The measured client rebuilt from its seed through stages 1 and 2 (same keys as recorded), ready for
   * {@link SecAggClient#maskInput} with {@code inboxes.get(measuredClient())}.
   */
  SecAggClient clientReadyToMask() {
    String id = measuredClient();
    SecAggClient client = new SecAggClient(parameters, id, randomFor(id));
    client.advertiseKeys();
    client.shareKeys(keysFor.get(id));
    return client;
  }

  /** The wrapping sum of the survivors' inputs: what unmasking must give. */
  int[] expectedSum() {
    int[] sum = new int[parameters.vectorLength()];
    for (String id : maskedFrom) {
      int[] input = inputs.get(id);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += input[i];
      }
    }
    return sum;
  }

  private SecureRandom randomFor(String id) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      // Seeded before first use, SHA1PRNG is deterministic: the same client draws the same keys every time.
      random.setSeed(ByteBuffer.allocate(Long.BYTES + id.length() * 2).putLong(seed).put(id.getBytes(
          java.nio.charset.StandardCharsets.UTF_16BE)).array());
      return random;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the SUN provider always has SHA1PRNG", e);
    }
  }
}
