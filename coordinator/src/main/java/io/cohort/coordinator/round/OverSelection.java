package io.cohort.coordinator.round;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Over-selection (Bonawitz et al. 2019, "Towards federated learning at scale"): a round invites more clients than the
 * strategy's cohort and aggregates the first {@code K} updates that arrive, so that a few slow or absent clients do
 * not hold the round up until its deadline. Pure and seeded; the driver applies it to every strategy.
 */
final class OverSelection {
  private OverSelection() {}

  /**
   * How many clients to invite for a cohort of {@code target}: {@code ceil(target x (1 + factor))}, at most {@code
   * available}, never fewer than {@code target}. The product is rounded against floating-point noise, so that 10 x
   * 0.3 extra is 3, not 4.
   *
   * @param factor the share of extra clients, {@code >= 0}
   */
  static int inviteCount(int target, double factor, int available) {
    int extra = (int) Math.ceil(target * factor - 1e-9);
    return Math.max(target, Math.min(available, target + Math.max(0, extra)));
  }

  /**
   * The clients to invite: the strategy's {@code cohort} in its order, then extra clients drawn uniformly without
   * replacement from the other {@code live} clients with {@code random} (a stream of its own, so that the cohort
   * itself is the one the strategy would choose without over-selection).
   *
   * @param cohort the strategy's choice, a subset of {@code live}
   * @param live the live clients in a stable order
   * @param factor the share of extra clients, {@code >= 0}; 0 returns {@code cohort}
   */
  static List<String> invite(List<String> cohort, List<String> live, double factor, Random random) {
    int wanted = inviteCount(cohort.size(), factor, live.size());
    if (wanted <= cohort.size()) {
      return cohort;
    }
    Set<String> chosen = new HashSet<>(cohort);
    List<String> spare = new ArrayList<>();
    for (String id : live) {
      if (!chosen.contains(id)) {
        spare.add(id);
      }
    }
    int extra = Math.min(wanted - cohort.size(), spare.size());
    for (int i = 0; i < extra; i++) { // partial Fisher-Yates over the spare clients
      int j = i + random.nextInt(spare.size() - i);
      String tmp = spare.get(i);
      spare.set(i, spare.get(j));
      spare.set(j, tmp);
    }
    List<String> invited = new ArrayList<>(cohort);
    invited.addAll(spare.subList(0, extra));
    return List.copyOf(invited);
  }
}
