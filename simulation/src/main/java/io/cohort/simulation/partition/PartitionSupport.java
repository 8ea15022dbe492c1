package io.cohort.simulation.partition;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Validation and array helpers shared by the partitioners. */
final class PartitionSupport {
  private PartitionSupport() {}

  /** Checks the common preconditions and returns the number of classes ({@code max label + 1}). */
  static int validate(int[] labels, int numClients) {
    if (labels == null) {
      throw new IllegalArgumentException("labels must not be null");
    }
    if (numClients < 1) {
      throw new IllegalArgumentException("numClients must be at least 1, got " + numClients);
    }
    if (numClients > labels.length) {
      throw new IllegalArgumentException("cannot give each of " + numClients + " clients an example: there are only "
          + labels.length + "; use at most " + labels.length + " clients");
    }
    int max = -1;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0) {
        throw new IllegalArgumentException("label " + labels[i] + " of example " + i + " is negative");
      }
      max = Math.max(max, labels[i]);
    }
    return max + 1;
  }

  /** {@code [0, n)} in random order (Fisher-Yates). */
  static int[] shuffledRange(int n, SplittableRandom rng) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    shuffle(a, rng);
    return a;
  }

  /** Shuffles in place (Fisher-Yates). */
  static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Indices of each class, ascending: {@code result[k]} lists the examples with label {@code k}. */
  static int[][] indicesByClass(int[] labels, int numClasses) {
    int[] counts = new int[numClasses];
    for (int label : labels) {
      counts[label]++;
    }
    int[][] byClass = new int[numClasses][];
    for (int k = 0; k < numClasses; k++) {
      byClass[k] = new int[counts[k]];
    }
    int[] fill = new int[numClasses];
    for (int i = 0; i < labels.length; i++) {
      byClass[labels[i]][fill[labels[i]]++] = i;
    }
    return byClass;
  }

  /** Sorts every client's indices ascending and returns the array. */
  static int[][] sorted(int[][] clients) {
    for (int[] c : clients) {
      Arrays.sort(c);
    }
    return clients;
  }
}
