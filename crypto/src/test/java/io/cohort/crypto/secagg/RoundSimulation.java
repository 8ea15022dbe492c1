package io.cohort.crypto.secagg;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Drives one SecAgg+ round between a server and its clients in memory, the way the coordinator will, with each client
 * dropping out at a chosen stage; and an independent oracle that says from the graph alone whether the round can
 * succeed.
 */
final class RoundSimulation {
  /** Where a client drops out. */
  enum Drop {
    NEVER, BEFORE_ADVERTISING, AFTER_ADVERTISING, AFTER_SHARING, AFTER_MASKED_INPUT
  }

  /** What a completed round gave. */
  record Outcome(int[] sum, Set<String> survivors, Set<String> refused) {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private RoundSimulation() {}

  static List<String> ids(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(String.format("client-%03d", i));
    }
    return ids;
  }

  static Drop dropOf(Map<String, Drop> drops, String id) {
    return drops.getOrDefault(id, Drop.NEVER);
  }

  /**
   * Runs the round. A SecAggException can only come from the server (U3 empty, or too few shares to unmask); a
   * client's refusal in stage 4 is recorded and the client treated as silent.
   */
  static Outcome run(SecAggParameters p, Map<String, int[]> inputs, Map<String, Drop> drops) {
    SecAggServer server = new SecAggServer(p);
    Map<String, SecAggClient> clients = new TreeMap<>();
    for (String id : p.participants()) {
      clients.put(id, new SecAggClient(p, id, RANDOM));
    }
    for (String id : p.participants()) {
      if (dropOf(drops, id) != Drop.BEFORE_ADVERTISING) {
        server.acceptKeys(clients.get(id).advertiseKeys());
      }
    }
    Map<String, List<KeyAdvertisement>> keys = server.closeKeyStage();
    for (Map.Entry<String, List<KeyAdvertisement>> e : keys.entrySet()) {
      if (dropOf(drops, e.getKey()) != Drop.AFTER_ADVERTISING) {
        server.acceptShares(e.getKey(), honest(() -> clients.get(e.getKey()).shareKeys(e.getValue())));
      }
    }
    Map<String, List<EncryptedShare>> inboxes = server.closeShareStage();
    int[] sum = new int[p.vectorLength()];
    Set<String> maskedFrom = new TreeSet<>();
    for (Map.Entry<String, List<EncryptedShare>> e : inboxes.entrySet()) {
      if (dropOf(drops, e.getKey()) != Drop.AFTER_SHARING) {
        int[] masked = honest(() -> clients.get(e.getKey()).maskInput(e.getValue(), inputs.get(e.getKey())));
        for (int i = 0; i < sum.length; i++) {
          sum[i] += masked[i];
        }
        maskedFrom.add(e.getKey());
      }
    }
    Map<String, UnmaskRequest> requests = server.closeMaskedStage(maskedFrom);
    Set<String> refused = new TreeSet<>();
    for (Map.Entry<String, UnmaskRequest> e : requests.entrySet()) {
      if (dropOf(drops, e.getKey()) != Drop.AFTER_MASKED_INPUT) {
        List<RevealedShare> shares;
        try {
          shares = clients.get(e.getKey()).unmask(e.getValue().survivors(), e.getValue().dropped());
        } catch (SecAggException refusal) {
          refused.add(e.getKey());
          continue;
        }
        server.acceptUnmask(e.getKey(), shares);
      }
    }
    server.unmask(sum);
    return new Outcome(sum, server.survivors(), refused);
  }

  /** Clients given what an honest server sends never fail in stages 2 and 3; a failure there is a bug. */
  private static <T> T honest(java.util.function.Supplier<T> step) {
    try {
      return step.get();
    } catch (SecAggException e) {
      throw new AssertionError("a client failed on an honest server's message", e);
    }
  }

  /** The wrapping sum of the inputs of {@code survivors}. */
  static int[] exactSum(Map<String, int[]> inputs, Set<String> survivors, int length) {
    int[] sum = new int[length];
    for (String id : survivors) {
      int[] input = inputs.get(id);
      for (int i = 0; i < length; i++) {
        sum[i] += input[i];
      }
    }
    return sum;
  }

  /** U3 and whether the round succeeds, computed from the graph and the drops alone (not from the engine). */
  record Prediction(Set<String> survivors, boolean succeeds) {}

  static Prediction predict(SecAggParameters p, Map<String, Drop> drops) {
    NeighbourGraph graph = p.graph();
    int t = p.threshold();
    Set<String> u1 = new TreeSet<>();
    for (String id : p.participants()) {
      if (dropOf(drops, id) != Drop.BEFORE_ADVERTISING) {
        u1.add(id);
      }
    }
    Set<String> u2 = new TreeSet<>();
    for (String id : u1) {
      if (count(graph.neighbours(id), u1) >= t && dropOf(drops, id) != Drop.AFTER_ADVERTISING) {
        u2.add(id);
      }
    }
    boolean changed = true;
    while (changed) {
      changed = u2.removeIf(id -> count(graph.neighbours(id), u2) < t);
    }
    Set<String> u3 = new TreeSet<>();
    for (String id : u2) {
      if (dropOf(drops, id) != Drop.AFTER_SHARING) {
        u3.add(id);
      }
    }
    if (u3.isEmpty()) {
      return new Prediction(u3, false);
    }
    Set<String> answering = new TreeSet<>();
    for (String id : u3) {
      if (dropOf(drops, id) != Drop.AFTER_MASKED_INPUT && count(graph.neighbours(id), u3) + 1 >= t) {
        answering.add(id);
      }
    }
    Map<String, Boolean> needs = new HashMap<>();
    for (String v : u2) {
      boolean needed = u3.contains(v) || count(graph.neighbours(v), u3) > 0;
      needs.put(v, needed);
    }
    boolean ok = needs.entrySet().stream()
        .allMatch(e -> !e.getValue() || count(graph.neighbours(e.getKey()), answering) >= t);
    return new Prediction(u3, ok);
  }

  static int count(Set<String> of, Set<String> in) {
    int c = 0;
    for (String s : of) {
      if (in.contains(s)) {
        c++;
      }
    }
    return c;
  }
}
