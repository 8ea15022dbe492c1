package io.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CoordinatorClusterTest {
  private static final DriverListener QUIET = new DriverListener() {
    @Override
    public void becameDriver(long term) {}

    @Override
    public void lostDriver(long term) {}
  };

  @Test
  void start_standalone_isAClusterOfOneOnLoopback() {
    try (CoordinatorCluster member = CoordinatorCluster.start(ClusterSettings.standalone()
        .withClusterName("solo-" + Long.toHexString(System.nanoTime())))) {
      assertThat(member.members()).singleElement().satisfies(m -> {
        assertThat(m.local()).isTrue();
        assertThat(m.id()).isEqualTo(member.localMemberId());
        assertThat(m.address()).startsWith("127.0.0.1:").isEqualTo(member.localAddress());
      });
      assertThat(member.isRunning()).isTrue();
    }
  }

  @Test
  void start_twoStandaloneMembersWithSameName_doNotJoinEachOther() {
    ClusterSettings settings = ClusterSettings.standalone()
        .withClusterName("apart-" + Long.toHexString(System.nanoTime()));
    try (CoordinatorCluster a = CoordinatorCluster.start(settings);
        CoordinatorCluster b = CoordinatorCluster.start(settings)) {
      assertThat(a.members()).hasSize(1);
      assertThat(b.members()).hasSize(1);
      assertThat(a.localAddress()).isNotEqualTo(b.localAddress());
    }
  }

  @Test
  void clusterStatus_beforeAndAfterElection_showsMembersDriverAndTerm() throws Exception {
    try (CoordinatorCluster member = CoordinatorCluster.start(ClusterSettings.standalone()
        .withClusterName("status-" + Long.toHexString(System.nanoTime())))) {
      JsonObject before = ClusterStatus.of(member).toJson();
      assertThat(before.getValue("driver")).isNull();
      assertThat(before.getLong("term")).isZero();
      assertThat(before.getJsonArray("members")).hasSize(1);

      member.election().start(QUIET);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!member.election().isDriver() && System.nanoTime() < end) {
        Thread.sleep(5);
      }
      ClusterStatus status = ClusterStatus.of(member);
      assertThat(status.localIsDriver()).isTrue();
      JsonObject json = status.toJson();
      assertThat(json.getString("name")).isEqualTo(member.settings().clusterName());
      assertThat(json.getString("localMember")).isEqualTo(member.localMemberId());
      assertThat(json.getJsonObject("driver").getMap()).containsEntry("memberId", member.localMemberId())
          .containsEntry("address", member.localAddress()).containsEntry("term", 1L);
      assertThat(json.getLong("term")).isEqualTo(1L);
      JsonObject self = json.getJsonArray("members").getJsonObject(0);
      assertThat(self.getBoolean("local")).isTrue();
      assertThat(self.getBoolean("driver")).isTrue();
      assertThatThrownBy(() -> member.election().start(QUIET)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already started");
    }
  }

  @Test
  void clusterStatus_driverNoLongerAMember_hasNullAddress() {
    ClusterStatus status = new ClusterStatus("c", "me",
        List.of(new ClusterMember("me", "127.0.0.1:5701", true)),
        java.util.Optional.of(new DriverInfo("gone", 4)));
    JsonObject json = status.toJson();
    assertThat(json.getJsonObject("driver").getValue("address")).isNull();
    assertThat(json.getJsonObject("driver").getLong("term")).isEqualTo(4L);
    assertThat(status.localIsDriver()).isFalse();
  }

  @Test
  void start_onAddressNotOfThisMachine_throwsNamingIt() {
    ClusterSettings settings = ClusterSettings.standalone().withBindHost("192.0.2.1")
        .withClusterName("nowhere-" + Long.toHexString(System.nanoTime()));
    assertThatThrownBy(() -> CoordinatorCluster.start(settings)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot start the cluster member on 192.0.2.1:5701+");
  }
}
