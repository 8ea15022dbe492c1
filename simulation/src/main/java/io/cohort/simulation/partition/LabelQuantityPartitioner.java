package io.cohort.simulation.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Quantity-based label skew, NIID-Bench's {@code #C=k} (Li, Diao, Chen and He 2022, "Federated Learning on Non-IID
 * Data Silos: An Experimental Study", {@code partition.py}, {@code noniid-#label<k>}): every client holds examples of
 * exactly {@code k} different labels, and the examples of each label are split evenly among the clients that hold it.
 *
 * <p>As in NIID-Bench, client {@code i}'s first label is {@code i mod L} (L the number of labels) and its other
 * {@code k - 1} labels are drawn at random without repetition. NIID-Bench leaves the examples of a label no client
 * drew unassigned; here every example must belong to someone, so while a label is still unheld the draws take unheld
 * labels first. With at least as many clients as labels (NIID-Bench's setting: 10 clients, 10 labels) the first
 * labels already cover every label and the draws are NIID-Bench's. Fewer than {@code L / k} clients cannot cover the
 * labels and fail with advice.
 */
public final class LabelQuantityPartitioner implements Partitioner {
  private final int labelsPerClient;

  /**
   * Creates the partitioner.
   *
   * @param labelsPerClient labels each client holds, at least 1 (NIID-Bench's #C=2 is 2)
   * @throws IllegalArgumentException if {@code labelsPerClient < 1}
   */
  public LabelQuantityPartitioner(int labelsPerClient) {
    if (labelsPerClient < 1) {
      throw new IllegalArgumentException("labels per client must be >= 1, got " + labelsPerClient
          + "; e.g. labels:2 for NIID-Bench's #C=2");
    }
    this.labelsPerClient = labelsPerClient;
  }

  /** Labels each client holds. */
  public int labelsPerClient() {
    return labelsPerClient;
  }

  @Override
  public int[][] partition(int[] labels, int numClients, long seed) {
    int numClasses = PartitionSupport.validate(labels, numClients);
    int[][] byClass = PartitionSupport.indicesByClass(labels, numClasses);
    List<Integer> present = new ArrayList<>();
    for (int k = 0; k < numClasses; k++) {
      if (byClass[k].length > 0) {
        present.add(k);
      }
    }
    int labelCount = present.size();
    if (labelsPerClient > labelCount) {
      throw new IllegalArgumentException("labels:" + labelsPerClient + " needs at least " + labelsPerClient
          + " labels in the data, which has " + labelCount + "; use labels:" + labelCount + " or fewer");
    }
    if ((long) numClients * labelsPerClient < labelCount) {
      throw new IllegalArgumentException(numClients + " clients with " + labelsPerClient + " labels each cannot hold"
          + " all " + labelCount + " labels of the data; use at least "
          + ((labelCount + labelsPerClient - 1) / labelsPerClient) + " clients or more labels per client");
    }
    SplittableRandom rng = new SplittableRandom(seed);
    boolean[][] holds = new boolean[numClients][labelCount];
    int[] holders = new int[labelCount];
    int unheld = labelCount;
    for (int c = 0; c < numClients; c++) {
      int first = c % labelCount;
      holds[c][first] = true;
      if (holders[first]++ == 0) {
        unheld--;
      }
    }
    for (int c = 0; c < numClients; c++) {
      for (int drawn = 1; drawn < labelsPerClient; drawn++) {
        int label = unheld > 0 ? randomUnheld(holders, holds[c], unheld, rng) : randomNotHeld(holds[c], rng);
        holds[c][label] = true;
        if (holders[label]++ == 0) {
          unheld--;
        }
      }
    }
    int[] sizes = new int[numClients];
    int[][] shareOf = new int[numClients][];
    // Each label's examples, shuffled, in near-equal consecutive parts for its holders in client order (numpy's
    // array_split: the first len % holders parts are one longer).
    int[][] shuffled = new int[labelCount][];
    for (int l = 0; l < labelCount; l++) {
      int[] members = byClass[present.get(l)].clone();
      PartitionSupport.shuffle(members, rng);
      shuffled[l] = members;
    }
    List<List<int[]>> parts = new ArrayList<>();
    for (int c = 0; c < numClients; c++) {
      parts.add(new ArrayList<>());
    }
    for (int l = 0; l < labelCount; l++) {
      int[] members = shuffled[l];
      int base = members.length / holders[l];
      int longer = members.length % holders[l];
      int from = 0;
      int part = 0;
      for (int c = 0; c < numClients; c++) {
        if (!holds[c][l]) {
          continue;
        }
        int size = base + (part++ < longer ? 1 : 0);
        int[] piece = new int[size];
        System.arraycopy(members, from, piece, 0, size);
        from += size;
        parts.get(c).add(piece);
        sizes[c] += size;
      }
    }
    for (int c = 0; c < numClients; c++) {
      int[] mine = new int[sizes[c]];
      int fill = 0;
      for (int[] piece : parts.get(c)) {
        System.arraycopy(piece, 0, mine, fill, piece.length);
        fill += piece.length;
      }
      shareOf[c] = mine;
    }
    return PartitionSupport.sorted(shareOf);
  }

  /** A uniformly drawn label that no client holds yet (there are {@code unheld} of them, none held by this client). */
  private static int randomUnheld(int[] holders, boolean[] mine, int unheld, SplittableRandom rng) {
    int pick = rng.nextInt(unheld);
    for (int l = 0; l < holders.length; l++) {
      if (holders[l] == 0 && !mine[l] && pick-- == 0) {
        return l;
      }
    }
    throw new IllegalStateException("no unheld label left");
  }

  /** NIID-Bench's draw: random labels until one the client does not hold yet (bounded: one is always free). */
  private static int randomNotHeld(boolean[] mine, SplittableRandom rng) {
    for (int attempt = 0; attempt < 1_000_000; attempt++) {
      int label = rng.nextInt(mine.length);
      if (!mine[label]) {
        return label;
      }
    }
    throw new IllegalStateException("no free label found in 1,000,000 draws");
  }

  @Override
  public String spec() {
    return "labels:" + labelsPerClient;
  }

  @Override
  public String toString() {
    return spec();
  }
}
