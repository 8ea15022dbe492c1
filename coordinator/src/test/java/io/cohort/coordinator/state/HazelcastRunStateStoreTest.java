package io.cohort.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.cluster.ClusterSettings;
import io.cohort.coordinator.cluster.CoordinatorCluster;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FedAvg;
import io.cohort.coordinator.strategy.FitAggregation;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract on a real two-member Hazelcast cluster, plus what only a cluster can show: losing a member. */
class HazelcastRunStateStoreTest extends RunStateStoreContract {
  private static CoordinatorCluster first;
  private static CoordinatorCluster second;

  @BeforeAll
  static void start() {
    ClusterSettings settings = ClusterSettings.standalone()
        .withClusterName("state-" + Long.toHexString(System.nanoTime()));
    first = CoordinatorCluster.start(settings);
    second = CoordinatorCluster.start(settings.withMembers(List.of(first.localAddress())));
  }

  @AfterAll
  static void stop() {
    second.close();
    first.close();
  }

  /** The tests share one cluster: each starts from empty maps. */
  @Override
  RunStateStore store() {
    for (String name : List.of("cohort.fenced.run", "cohort.fenced.models", "cohort.fenced.clients",
        HazelcastRunStateStore.TALLY_MAP)) {
      first.hazelcast().getMap(name).clear();
    }
    return new HazelcastRunStateStore(first.hazelcast());
  }

  @Test
  void fold_acknowledged_survivesTheLossOfTheMemberThatOwnedTheSum() throws InterruptedException {
    ClusterSettings settings = ClusterSettings.standalone()
        .withClusterName("loss-" + UUID.randomUUID().toString().substring(0, 8));
    CoordinatorCluster a = CoordinatorCluster.start(settings);
    CoordinatorCluster b = CoordinatorCluster.start(settings.withMembers(List.of(a.localAddress())));
    try {
      // Backups exist once the partitions have migrated to the new member (Hazelcast calls the cluster safe then).
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (!a.hazelcast().getPartitionService().isClusterSafe()) {
        assertThat(System.nanoTime()).as("the cluster became safe within 30 s").isLessThan(deadline);
        Thread.sleep(50);
      }
      // A round number whose sum lives on member a (its partition's owner), so that the crash loses the owner.
      int round = 1;
      while (!a.hazelcast().getPartitionService().getPartition(round).getOwner().localMember()) {
        round++;
        assertThat(round).as("some key of 1..1000 has its partition on member a").isLessThan(1000);
      }
      HazelcastRunStateStore viaA = new HazelcastRunStateStore(a.hazelcast());
      viaA.openRound(1, round(round), new FedAvg(1, 1).beginFit(round, 6));
      assertThat(viaA.fold(1, round, update("a", 1, 2), 0)).isEqualTo(FoldOutcome.ACCEPTED);
      assertThat(viaA.fold(1, round, update("b", 4, 1), 0)).isEqualTo(FoldOutcome.ACCEPTED);
      a.hazelcast().getLifecycleService().terminate(); // a crash: no graceful hand-over of partitions

      HazelcastRunStateStore viaB = new HazelcastRunStateStore(b.hazelcast());
      RoundTally tally = viaB.tally(round).orElseThrow();
      assertThat(tally.accepted()).containsExactly("a", "b");
      assertThat(tally.aggregation().finish(new float[6], List.of())).containsOnly(2f);
      assertThat(viaB.claim(2)).isTrue();
      assertThat(viaB.fold(2, round, update("a", 9, 9), 0)).isEqualTo(FoldOutcome.DUPLICATE);
      assertThat(viaB.fold(2, round, update("c", 2, 3), 0)).isEqualTo(FoldOutcome.ACCEPTED);
      assertThat(viaB.tally(round).orElseThrow().aggregation().totalExamples()).isEqualTo(6);
    } finally {
      b.close();
      a.close();
    }
  }

  @Test
  void openRound_withAnAggregateThatIsNotSerializable_isRefusedWithAClearError() {
    FitAggregation local = new FitAggregation() {
      @Override
      public void fold(ClientUpdate update) {}

      @Override
      public float[] finish(float[] global, List<io.cohort.coordinator.strategy.ClientFailure> failures) {
        return global;
      }

      @Override
      public int count() {
        return 0;
      }

      @Override
      public long totalExamples() {
        return 0;
      }

      @Override
      public double meanTrainLoss() {
        return 0;
      }
    };
    assertThatThrownBy(() -> store().openRound(1, round(1), local))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not Serializable");
  }
}
