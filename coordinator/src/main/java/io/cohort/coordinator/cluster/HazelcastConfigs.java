package io.cohort.coordinator.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;

/** Builds the Hazelcast member configuration for {@link ClusterSettings}: everything explicit, nothing discovered. */
final class HazelcastConfigs {
  private HazelcastConfigs() {}

  static Config memberConfig(ClusterSettings settings) {
    Config config = new Config();
    config.setClusterName(settings.clusterName());

    // No phone-home, logging through SLF4J, no JVM hook of Hazelcast's own: the coordinator closes the member itself
    // (after handing over the driver lease), and a JVM that dies without closing is treated like a crash.
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.jmx", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    // Failure detection bounded by the takeover timeout (Hazelcast's defaults: 5 s heartbeats, 60 s to declare a
    // member dead). A member whose process died is usually removed within a second: its port refuses reconnects.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(settings.heartbeatTimeoutSeconds()));
    // Join quickly: a first member does not wait for peers that are not up yet; later ones find it over TCP-IP.
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
    // A member split off and removed by mistake (long GC pause) merges back within seconds, not Hazelcast's 5 min.
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.port() == 0 ? ClusterSettings.DEFAULT_PORT : settings.port());
    network.setPortAutoIncrement(settings.port() == 0);
    network.setPortCount(100);
    network.setPublicAddress(settings.publicAddress()); // null: the bind address and port
    network.getInterfaces().setEnabled(true).addInterface(settings.bindHost());

    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2);
    for (String member : settings.members()) {
      join.getTcpIpConfig().addMember(member);
    }

    // The lease survives the loss of two members at once (three copies where there are three members). After a split
    // brain, the version with the higher term wins, for the lease and for fenced state.
    MergePolicyConfig higherTerm = new MergePolicyConfig(HigherTermMergePolicy.class.getName(), 100);
    config.addMapConfig(new MapConfig(DriverElection.MAP_NAME).setBackupCount(2).setAsyncBackupCount(0)
        .setMergePolicyConfig(higherTerm));
    config.addMapConfig(new MapConfig(FencedMap.PREFIX + "*").setMergePolicyConfig(higherTerm));
    // Running sums: folded in place by entry processors (object format: no (de)serialisation of the sum per fold),
    // with one synchronous backup, so an acknowledged update survives the loss of any one member.
    config.addMapConfig(new MapConfig(io.cohort.coordinator.state.HazelcastRunStateStore.TALLY_MAP)
        .setInMemoryFormat(com.hazelcast.config.InMemoryFormat.OBJECT)
        .setBackupCount(1).setAsyncBackupCount(0)
        .setMergePolicyConfig(higherTerm));
    // Enrolment tokens: after a split heals, the entries of the larger side stand (a token redeemed there stays
    // redeemed; one redeemed only on the smaller side may come back, so heal splits before issuing many tokens).
    config.addMapConfig(new MapConfig(io.cohort.coordinator.security.EnrolmentTokenBook.MAP_NAME)
        .setMergePolicyConfig(new MergePolicyConfig(
            com.hazelcast.spi.merge.DiscardMergePolicy.class.getName(), 100)));
    return config;
  }
}
