package io.cohort.simulation.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PartitionerTest {
  /** 10 classes of 1,000 examples, shuffled. */
  private static final int[] LABELS = balancedLabels(10, 1_000, 7);

  private static int[] balancedLabels(int classes, int perClass, long seed) {
    int[] labels = new int[classes * perClass];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % classes;
    }
    PartitionSupport.shuffle(labels, new SplittableRandom(seed));
    return labels;
  }

  @ParameterizedTest
  @ValueSource(strings = {"iid", "dirichlet:0.5", "shards:2", "labels:2"})
  void partition_differentSeed_givesDifferentPartition(String spec) {
    Partitioner p = Partitioners.parse(spec);
    assertThat(Arrays.deepEquals(p.partition(LABELS, 20, 2), p.partition(LABELS, 20, 1))).isFalse();
    assertThat(p.partition(LABELS, 20, 1)).isDeepEqualTo(p.partition(LABELS, 20, 1));
  }

  @Test
  void dirichlet_smallAlpha_skewsLabelsMoreThanLargeAlpha() {
    double skewed = meanMaxLabelFraction(new DirichletPartitioner(0.1));
    double balanced = meanMaxLabelFraction(new DirichletPartitioner(100));
    double iid = meanMaxLabelFraction(new IidPartitioner());
    assertThat(skewed).isGreaterThan(0.5);
    assertThat(balanced).isLessThan(0.25);
    assertThat(skewed).isGreaterThan(balanced + 0.3);
    assertThat(balanced).isCloseTo(iid, org.assertj.core.data.Offset.offset(0.05));
  }

  /** Mean over clients and five seeds of the share of a client's examples that carry its most common label. */
  private static double meanMaxLabelFraction(Partitioner p) {
    double sum = 0;
    int count = 0;
    for (long seed = 1; seed <= 5; seed++) {
      for (int[] client : p.partition(LABELS, 20, seed)) {
        int[] counts = new int[10];
        for (int i : client) {
          counts[LABELS[i]]++;
        }
        sum += (double) Arrays.stream(counts).max().orElseThrow() / client.length;
        count++;
      }
    }
    return sum / count;
  }

  @Test
  void dirichlet_defaultMinimum_everyClientHasTenExamples() {
    int[] labels = balancedLabels(10, 6_000, 5);
    for (double alpha : new double[] {0.1, 0.5}) {
      int[][] clients = new DirichletPartitioner(alpha).partition(labels, 100, 3);
      assertThat(Arrays.stream(clients).mapToInt(c -> c.length).min().orElseThrow()).isGreaterThanOrEqualTo(10);
    }
  }

  @Test
  void dirichlet_tooFewExamplesForMinimum_failsUpFront() {
    assertThatThrownBy(() -> new DirichletPartitioner(0.5).partition(new int[50], 10, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10 clients with at least 10 examples each need 100 examples, but there are 50")
        .hasMessageContaining("use fewer clients");
  }

  @Test
  void dirichlet_minimumNeverReached_failsAfterBoundedAttempts() {
    assertThatThrownBy(() -> new DirichletPartitioner(0.05, 10, 50).partition(LABELS, 100, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("could not give each of 100 clients at least 10 of the 10000 examples in 50 attempts")
        .hasMessageContaining("the best draw left its smallest client")
        .hasMessageContaining("raise alpha");
  }

  @Test
  void shards_mcMahanSetup_givesTwoLabelsAndEqualSizes() {
    int[] labels = balancedLabels(10, 6_000, 11);
    int[][] clients = new ShardPartitioner(2).partition(labels, 100, 42);
    for (int[] client : clients) {
      assertThat(client).hasSize(600);
      assertThat(Arrays.stream(client).map(i -> labels[i]).distinct().count()).isLessThanOrEqualTo(2);
    }
  }

  @Test
  void labels_niidBenchSetup_tenClientsTwoLabelsEachCoverEveryLabel() {
    int[] labels = balancedLabels(10, 6_000, 3);
    int[][] clients = new LabelQuantityPartitioner(2).partition(labels, 10, 1);
    int total = 0;
    for (int c = 0; c < 10; c++) {
      int[] held = Arrays.stream(clients[c]).map(i -> labels[i]).distinct().sorted().toArray();
      assertThat(held).hasSize(2).contains(c);
      total += clients[c].length;
    }
    assertThat(total).isEqualTo(60_000);
  }

  @Test
  void labels_fewClients_takeUnheldLabelsFirstSoEveryExampleHasAnOwner() {
    int[] labels = balancedLabels(10, 100, 4);
    int[][] clients = new LabelQuantityPartitioner(2).partition(labels, 5, 9);
    assertThat(Arrays.stream(clients).mapToInt(c -> c.length).sum()).isEqualTo(1_000);
    for (int[] client : clients) {
      assertThat(Arrays.stream(client).map(i -> labels[i]).distinct().count()).isEqualTo(2);
    }
  }

  @Test
  void labels_tooFewClientsToCoverTheLabels_failsWithAdvice() {
    assertThatThrownBy(() -> new LabelQuantityPartitioner(2).partition(balancedLabels(10, 10, 1), 4, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 clients with 2 labels each cannot hold all 10 labels")
        .hasMessageContaining("use at least 5 clients");
  }

  @Test
  void shards_moreShardsThanExamples_fails() {
    assertThatThrownBy(() -> new ShardPartitioner(3).partition(new int[10], 4, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 clients with 3 shards each need 12 shards, more than the 10 examples");
  }

  @Test
  void partition_moreClientsThanExamples_fails() {
    assertThatThrownBy(() -> new IidPartitioner().partition(new int[3], 5, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only 3");
  }

  @Test
  void partition_negativeLabel_fails() {
    assertThatThrownBy(() -> new IidPartitioner().partition(new int[] {0, -1}, 1, 1))
        .hasMessageContaining("label -1 of example 1 is negative");
  }

  @Test
  void dirichlet_fashionMnistSizedSplit_isFast() {
    int[] labels = balancedLabels(10, 6_000, 5);
    long start = System.nanoTime();
    int[][] clients = new DirichletPartitioner(0.1).partition(labels, 100, 9);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(clients.length).isEqualTo(100);
    assertThat(millis).isLessThan(2_000);
  }

  @Test
  void dirichlet_thousandClientsSmallAlpha_failsQuicklyWithAdvice() {
    int[] labels = balancedLabels(10, 6_000, 5);
    long start = System.nanoTime();
    assertThatThrownBy(() -> new DirichletPartitioner(0.1).partition(labels, 1_000, 9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("in 1000 attempts")
        .hasMessageContaining("e.g. dirichlet:0.1:");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "iid|iid",
      " IID |iid",
      "dirichlet:0.5|dirichlet:0.5",
      "Dirichlet:100|dirichlet:100.0",
      "dirichlet:0.1:5|dirichlet:0.1:5",
      "shards:2|shards:2",
      "Labels:2|labels:2",
  })
  void parse_validSpec_givesCanonicalSpec(String spec, String canonical) {
    assertThat(Partitioners.parse(spec).spec()).isEqualTo(canonical);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|partitioner is empty",
      "random|unknown partitioner 'random' in 'random'",
      "iid:2|iid takes no parameter",
      "dirichlet|dirichlet needs a concentration alpha > 0",
      "dirichlet:|dirichlet needs a concentration alpha > 0",
      "dirichlet:abc|dirichlet alpha 'abc' in 'dirichlet:abc' is not a number",
      "dirichlet:0|dirichlet alpha must be a finite number > 0, got 0",
      "dirichlet:-1|dirichlet alpha must be a finite number > 0, got -1",
      "dirichlet:NaN|dirichlet alpha must be a finite number > 0, got NaN",
      "dirichlet:Infinity|dirichlet alpha must be a finite number > 0, got Infinity",
      "dirichlet:0.5:x|dirichlet minimum client size 'x'",
      "dirichlet:0.5:1:2|too many parameters",
      "shards|shards needs exactly one parameter",
      "shards:0|shards K must be >= 1, got 0",
      "shards:1.5|shards K '1.5' in 'shards:1.5' is not an integer",
      "shards:2:3|shards needs exactly one parameter",
      "labels|labels needs exactly one parameter",
      "labels:0|labels K must be >= 1, got 0",
      "labels:2:1|labels needs exactly one parameter",
  })
  void parse_badSpec_failsWithPreciseMessage(String spec, String message) {
    assertThatThrownBy(() -> Partitioners.parse(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void gamma_sampleMeans_matchShape() {
    SplittableRandom rng = new SplittableRandom(1);
    for (double shape : new double[] {0.1, 0.5, 1, 3.5, 50}) {
      double sum = 0;
      int n = 40_000;
      for (int i = 0; i < n; i++) {
        sum += Math.exp(GammaSampler.logGamma(shape, rng));
      }
      // standard error of the mean is sqrt(shape / n)
      assertThat(sum / n).isCloseTo(shape, org.assertj.core.data.Offset.offset(5 * Math.sqrt(shape / n)));
    }
  }

  @Test
  void gamma_tinyShape_staysFiniteInLogSpace() {
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < 10_000; i++) {
      assertThat(GammaSampler.logGamma(0.001, rng)).isFinite();
    }
  }
}
