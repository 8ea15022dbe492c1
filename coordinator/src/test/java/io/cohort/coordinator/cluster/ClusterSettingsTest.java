package io.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {
  private static final ClusterSettings BASE = ClusterSettings.standalone();

  @Test
  void standalone_defaults_loopbackAutoPortNoMembersFiveSeconds() {
    assertThat(BASE.bindHost()).isEqualTo("127.0.0.1");
    assertThat(BASE.port()).isZero();
    assertThat(BASE.members()).isEmpty();
    assertThat(BASE.clusterName()).isEqualTo("cohort");
    assertThat(BASE.takeoverTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(BASE.heartbeatTimeoutSeconds()).isEqualTo(2);
    assertThat(BASE.quorum()).isEqualTo(1);
  }

  @Test
  void constructor_withQuorumOutOfRange_throws() {
    assertThatThrownBy(() -> BASE.withQuorum(0)).hasMessageContaining("cluster quorum must be 1..1000 members");
    assertThatThrownBy(() -> BASE.withQuorum(1001)).hasMessageContaining("got 1001");
    assertThat(BASE.withQuorum(2).quorum()).isEqualTo(2);
  }

  @Test
  void constructor_withBadBindHost_throwsNamingField() {
    for (String host : List.of("localhost", "256.1.1.1", "10.0.0", "", "::1")) {
      assertThatThrownBy(() -> BASE.withBindHost(host)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cluster bind host must be an IPv4 address").hasMessageContaining("'" + host + "'");
    }
    assertThat(BASE.withBindHost("10.0.0.5").bindHost()).isEqualTo("10.0.0.5");
  }

  @Test
  void constructor_withPortOutOfRange_throws() {
    assertThatThrownBy(() -> BASE.withPort(-1)).hasMessageContaining("cluster port must be 1..65535, or 0");
    assertThatThrownBy(() -> BASE.withPort(65536)).hasMessageContaining("got 65536");
    assertThat(BASE.withPort(65535).port()).isEqualTo(65535);
  }

  @Test
  void constructor_withBadMember_throwsNamingEntry() {
    assertThatThrownBy(() -> BASE.withMembers(List.of("10.0.0.5:0")))
        .hasMessageContaining("cluster member port must be 1..65535, got '10.0.0.5:0'");
    assertThatThrownBy(() -> BASE.withMembers(List.of("10.0.0.5:x")))
        .hasMessageContaining("got '10.0.0.5:x'");
    assertThatThrownBy(() -> BASE.withMembers(List.of("a b:5701")))
        .hasMessageContaining("cluster member must be HOST:PORT or HOST");
    assertThatThrownBy(() -> BASE.withMembers(List.of(":5701"))).hasMessageContaining("HOST:PORT");
  }

  @Test
  void constructor_copiesMembers_laterChangesDoNotLeakIn() {
    List<String> members = new ArrayList<>(List.of("127.0.0.1:5701"));
    ClusterSettings settings = BASE.withMembers(members);
    members.add("127.0.0.1:5702");
    assertThat(settings.members()).containsExactly("127.0.0.1:5701");
    assertThatThrownBy(() -> settings.members().add("x")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void constructor_withBadClusterName_throws() {
    assertThatThrownBy(() -> BASE.withClusterName("")).hasMessageContaining("cluster name must be 1..64");
    assertThatThrownBy(() -> BASE.withClusterName("a/b")).hasMessageContaining("'a/b'");
    assertThatThrownBy(() -> BASE.withClusterName("x".repeat(65))).hasMessageContaining("cluster name");
  }

  @Test
  void constructor_withTakeoverOutOfRange_throws() {
    assertThatThrownBy(() -> BASE.withTakeoverTimeout(Duration.ofMillis(1999)))
        .hasMessageContaining("takeover timeout must be 2 s .. 10 min").hasMessageContaining("1999 ms");
    assertThatThrownBy(() -> BASE.withTakeoverTimeout(Duration.ofMinutes(11))).hasMessageContaining("10 min");
  }

  @Test
  void heartbeatTimeoutSeconds_isHalfTheLeaseRoundedUpAtLeastTwo() {
    assertThat(BASE.withTakeoverTimeout(Duration.ofSeconds(2)).heartbeatTimeoutSeconds()).isEqualTo(2);
    assertThat(BASE.withTakeoverTimeout(Duration.ofSeconds(5)).heartbeatTimeoutSeconds()).isEqualTo(2);
    assertThat(BASE.withTakeoverTimeout(Duration.ofSeconds(30)).heartbeatTimeoutSeconds()).isEqualTo(10);
  }

  @Test
  void parseMembers_commaSeparatedWithBlanks_returnsEntries() {
    assertThat(ClusterSettings.parseMembers(" 10.0.0.5:5701, coord-2.internal ,10.0.0.7:6000"))
        .containsExactly("10.0.0.5:5701", "coord-2.internal", "10.0.0.7:6000");
    assertThat(ClusterSettings.parseMembers("")).isEmpty();
    assertThatThrownBy(() -> ClusterSettings.parseMembers("10.0.0.5:5701,,10.0.0.6"))
        .hasMessageContaining("empty entry");
    assertThatThrownBy(() -> ClusterSettings.parseMembers("10.0.0.5:99999")).hasMessageContaining("99999");
  }

  @Test
  void memberConfig_joinsOnlyListedMembersOverTcpIp_onPinnedInterface_withoutPhoneHome() {
    ClusterSettings settings = new ClusterSettings("10.0.0.5", 6000, List.of("10.0.0.6:6000", "10.0.0.7"),
        "fl-prod", Duration.ofSeconds(8), 2);
    Config config = HazelcastConfigs.memberConfig(settings);
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertThat(config.getClusterName()).isEqualTo("fl-prod");
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.0.0.6:6000", "10.0.0.7");
    assertThat(config.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(config.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("10.0.0.5");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(6000);
    assertThat(config.getNetworkConfig().isPortAutoIncrement()).isFalse();
    assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(config.getProperty("hazelcast.logging.type")).isEqualTo("slf4j");
    assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(config.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("3"); // a third of 8 s
    assertThat(config.getMapConfig(DriverElection.MAP_NAME).getBackupCount()).isEqualTo(2);
    assertThat(config.getMapConfig(DriverElection.MAP_NAME).getMergePolicyConfig().getPolicy())
        .isEqualTo(HigherTermMergePolicy.class.getName());
    assertThat(config.getMapConfig(FencedMap.PREFIX + "run").getMergePolicyConfig().getPolicy())
        .isEqualTo(HigherTermMergePolicy.class.getName());
  }

  @Test
  void memberConfig_autoPort_startsAt5701WithAutoIncrement() {
    Config config = HazelcastConfigs.memberConfig(BASE);
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(5701);
    assertThat(config.getNetworkConfig().isPortAutoIncrement()).isTrue();
    assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()).isEmpty();
  }
}
