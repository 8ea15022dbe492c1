package io.cohort.simulation.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The Hazelcast side of a distributed simulation: member configuration and the maps the simulating JVM and its
 * workers talk through. Members join over TCP-IP only (no multicast, no auto-detection), bind {@code bindHost}, and
 * never phone home.
 */
public final class SimulationCluster {
  /** Worker member id to a description (host, process id): a worker has joined and waits for its job. */
  public static final String WORKERS = "cohort-sim-workers";
  /** Worker member id to its {@link WorkerJob} as JSON. */
  public static final String JOBS = "cohort-sim-jobs";
  /** Worker member id to its result line, written when all its clients have finished. */
  public static final String RESULTS = "cohort-sim-results";

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private SimulationCluster() {}

  /**
   * Starts a member of cluster {@code clusterName}, joining {@code members} ("host:port"; empty for the first member).
   */
  public static HazelcastInstance startMember(String clusterName, String bindHost, List<String> members) {
    Config config = new Config();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(5701).setPortAutoIncrement(true).setPortCount(200);
    network.getInterfaces().setEnabled(true).addInterface(bindHost);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members.isEmpty() ? List.of(bindHost) : members);
    config.setProperty("hazelcast.local.localAddress", bindHost);
    return Hazelcast.newHazelcastInstance(config);
  }

  /** The member's address as other members join it: {@code host:port}. */
  public static String address(HazelcastInstance member) {
    InetSocketAddress a = (InetSocketAddress) member.getLocalEndpoint().getSocketAddress();
    return a.getHostString() + ":" + a.getPort();
  }

  public static IMap<String, String> workers(HazelcastInstance member) {
    return member.getMap(WORKERS);
  }

  public static IMap<String, String> jobs(HazelcastInstance member) {
    return member.getMap(JOBS);
  }

  public static IMap<String, String> results(HazelcastInstance member) {
    return member.getMap(RESULTS);
  }

  static String toJson(WorkerJob job) {
    try {
      return JSON.writeValueAsString(job);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static WorkerJob fromJson(String json) {
    try {
      return JSON.readValue(json, WorkerJob.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("a worker job that does not parse: " + e.getMessage(), e);
    }
  }
}
