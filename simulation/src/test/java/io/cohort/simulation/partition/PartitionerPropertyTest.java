package io.cohort.simulation.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.BitSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class PartitionerPropertyTest {

  @Property(tries = 200)
  void partition_anyPartitioner_isDisjointCompleteAndSorted(
      @ForAll @Size(min = 1, max = 1500) int[] rawLabels,
      @ForAll @IntRange(min = 1, max = 40) int numClients,
      @ForAll long seed,
      @ForAll("partitioners") Partitioner partitioner) {
    int[] labels = Arrays.stream(rawLabels).map(l -> Math.floorMod(l, 10)).toArray();
    Assume.that(feasible(partitioner, labels, numClients));

    int[][] clients = partitioner.partition(labels, numClients, seed);

    assertThat(clients.length).isEqualTo(numClients);
    BitSet seen = new BitSet(labels.length);
    int total = 0;
    for (int[] client : clients) {
      for (int i = 0; i < client.length; i++) {
        assertThat(client[i]).isBetween(0, labels.length - 1);
        assertThat(seen.get(client[i])).as("index %d given twice", client[i]).isFalse();
        seen.set(client[i]);
        if (i > 0) {
          assertThat(client[i]).isGreaterThan(client[i - 1]);
        }
      }
      total += client.length;
    }
    assertThat(total).isEqualTo(labels.length);
    assertThat(seen.cardinality()).isEqualTo(labels.length);
  }

  @Property(tries = 200)
  void iid_anyInput_sizesDifferByAtMostOne(
      @ForAll @IntRange(min = 1, max = 5000) int n,
      @ForAll @IntRange(min = 1, max = 200) int numClients,
      @ForAll long seed) {
    Assume.that(numClients <= n);
    int[][] clients = new IidPartitioner().partition(new int[n], numClients, seed);
    int min = Arrays.stream(clients).mapToInt(c -> c.length).min().orElseThrow();
    int max = Arrays.stream(clients).mapToInt(c -> c.length).max().orElseThrow();
    assertThat(max - min).isLessThanOrEqualTo(1);
    assertThat(min).isEqualTo(n / numClients);
  }

  @Property(tries = 200)
  void shards_classSizesMultipleOfShardSize_eachClientHasAtMostKLabels(
      @ForAll @IntRange(min = 1, max = 30) int numClients,
      @ForAll @IntRange(min = 1, max = 4) int k,
      @ForAll @IntRange(min = 1, max = 25) int shardSize,
      @ForAll long seed) {
    int shards = numClients * k;
    // deal the shards to 10 classes, so every class size is a multiple of the shard size
    int[] shardsOfClass = new int[10];
    java.util.SplittableRandom dealer = new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
    for (int s = 0; s < shards; s++) {
      shardsOfClass[dealer.nextInt(10)]++;
    }
    int[] labels = new int[shards * shardSize];
    int at = 0;
    for (int label = 0; label < 10; label++) {
      for (int i = 0; i < shardsOfClass[label] * shardSize; i++) {
        labels[at++] = label;
      }
    }
    PartitionSupport.shuffle(labels, new java.util.SplittableRandom(seed));

    int[][] clients = new ShardPartitioner(k).partition(labels, numClients, seed);

    for (int[] client : clients) {
      assertThat(client).hasSize(k * shardSize);
      long distinct = Arrays.stream(client).map(i -> labels[i]).distinct().count();
      assertThat(distinct).isLessThanOrEqualTo(k);
    }
  }

  @Property(tries = 200)
  void labels_enoughClients_eachClientHoldsExactlyKLabelsSplitEvenly(
      @ForAll @IntRange(min = 10, max = 40) int numClients,
      @ForAll @IntRange(min = 1, max = 4) int k,
      @ForAll @IntRange(min = 40, max = 120) int perClass,
      @ForAll long seed) {
    int[] labels = new int[10 * perClass];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 10;
    }
    PartitionSupport.shuffle(labels, new java.util.SplittableRandom(seed));

    int[][] clients = new LabelQuantityPartitioner(k).partition(labels, numClients, seed);

    int[] holders = new int[10];
    for (int c = 0; c < numClients; c++) {
      int[] held = Arrays.stream(clients[c]).map(i -> labels[i]).distinct().toArray();
      assertThat(held).as("labels of client %d", c).hasSize(k).contains(c % 10);
      for (int label : held) {
        holders[label]++;
      }
    }
    for (int c = 0; c < numClients; c++) {
      for (int label = 0; label < 10; label++) {
        final int l = label;
        long mine = Arrays.stream(clients[c]).filter(i -> labels[i] == l).count();
        if (mine > 0) { // array_split: a label's holders get perClass / holders examples, some one more
          assertThat(mine).isBetween((long) perClass / holders[l], (long) perClass / holders[l] + 1);
        }
      }
    }
  }

  @Property(tries = 100)
  void partition_sameSeed_isReproducible(
      @ForAll @Size(min = 50, max = 800) int[] rawLabels,
      @ForAll @IntRange(min = 1, max = 10) int numClients,
      @ForAll long seed,
      @ForAll("partitioners") Partitioner partitioner) {
    int[] labels = Arrays.stream(rawLabels).map(l -> Math.floorMod(l, 10)).toArray();
    Assume.that(feasible(partitioner, labels, numClients));
    int[][] first = partitioner.partition(labels, numClients, seed);
    int[][] second = Partitioners.parse(partitioner.spec()).partition(labels.clone(), numClients, seed);
    assertThat(second).isDeepEqualTo(first);
  }

  /** Whether the partition can exist (each partitioner's own preconditions; violations are tested in PartitionerTest). */
  private static boolean feasible(Partitioner partitioner, int[] labels, int numClients) {
    if (numClients > labels.length) {
      return false;
    }
    if (partitioner instanceof ShardPartitioner shards) {
      return (long) numClients * shards.shardsPerClient() <= labels.length;
    }
    if (partitioner instanceof LabelQuantityPartitioner quantity) {
      long present = Arrays.stream(labels).distinct().count();
      return quantity.labelsPerClient() <= present && (long) numClients * quantity.labelsPerClient() >= present;
    }
    return true;
  }

  @Provide
  Arbitrary<Partitioner> partitioners() {
    Arbitrary<Partitioner> iid = Arbitraries.just(new IidPartitioner());
    // minimum size 0: any input is feasible (the minimum is tested in PartitionerTest)
    Arbitrary<Partitioner> dirichlet = Arbitraries.of(0.01, 0.1, 0.5, 1.0, 10.0, 1000.0)
        .map(alpha -> new DirichletPartitioner(alpha, 0, 1));
    Arbitrary<Partitioner> shards = Arbitraries.integers().between(1, 4).map(ShardPartitioner::new);
    Arbitrary<Partitioner> labels = Arbitraries.integers().between(1, 4).map(LabelQuantityPartitioner::new);
    return Arbitraries.oneOf(iid, dirichlet, shards, labels);
  }
}
