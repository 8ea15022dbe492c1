package io.cohort.cli;

import io.cohort.coordinator.cluster.ClusterSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Cluster options of {@code coordinator}. Every coordinator embeds a Hazelcast member that holds the run state; on its
 * own it is a cluster of one. {@code --cluster} joins other coordinator nodes.
 */
final class ClusterOptions {
  @Option(names = "--cluster", paramLabel = "HOST:PORT,...",
      description = "other coordinator nodes' cluster addresses to join (TCP-IP, no multicast); the nodes share the "
          + "run: one drives the rounds, the others redirect clients to it and take over when it dies")
  String members;

  @Option(names = "--cluster-host", defaultValue = ClusterSettings.DEFAULT_BIND_HOST,
      description = "IPv4 address this node's cluster member binds to (default: ${DEFAULT-VALUE}); the cluster "
          + "traffic is neither authenticated nor encrypted, so keep it on a private network")
  String host;

  @Option(names = "--cluster-port", defaultValue = "0",
      description = "this node's cluster member port; 0 for the first free one from 5701 (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--cluster-name", defaultValue = ClusterSettings.DEFAULT_CLUSTER_NAME,
      description = "cluster name; nodes with another name never join (default: ${DEFAULT-VALUE})")
  String name;

  @Option(names = "--takeover-timeout", defaultValue = "5",
      description = "seconds after which a driving node that stopped renewing its lease is replaced, 2..600 "
          + "(default: ${DEFAULT-VALUE})")
  double takeoverSeconds;

  @Option(names = "--cluster-quorum", defaultValue = "1",
      description = "nodes a node must see to drive (2 of 3 keeps a cut-off node from driving alone; default: "
          + "${DEFAULT-VALUE}, no quorum)")
  int quorum;

  ClusterSettings settings() {
    return new ClusterSettings(host, port, members == null ? java.util.List.of()
        : ClusterSettings.parseMembers(members), name, Duration.ofMillis(Math.round(takeoverSeconds * 1000)), quorum);
  }
}
