package io.cohort.coordinator.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a coordinator's embedded Hazelcast member binds, whom it joins and how fast a dead driver is replaced.
 *
 * <p>Validated once here; every refusal names the field and the allowed values.
 *
 * @param bindHost the IPv4 address the member binds to and advertises (interfaces are pinned to it); default
 *     {@code 127.0.0.1}, so nothing is reachable from other machines unless asked for
 * @param port the member port, 1..65535, or 0 for the first free port from 5701 upwards (auto-increment)
 * @param members other coordinator members to join, each {@code HOST:PORT} or {@code HOST} (port 5701); empty for a
 *     standalone member that joins nobody. Listing this member itself is harmless.
 * @param clusterName the Hazelcast cluster name; members with another name never join (1..64 of {@code
 *     [A-Za-z0-9._-]})
 * @param takeoverTimeout the driver lease: a driver that stops renewing (crash, SIGKILL, partition) is replaced
 *     after about this long; 2 s .. 10 min, default 5 s. Hazelcast's failure detector is derived from it (see
 *     {@link #heartbeatTimeoutSeconds()})
 * @param quorum how many members (itself included) a member must see to drive, 1..1000; default 1 (no quorum).
 *     With three or more coordinators, a majority (2 of 3) keeps a member that is cut off or was paused from
 *     electing itself on its own; with two, a quorum of 2 means no failover at all
 * @param publicAddress the {@code HOST:PORT} other members reach this one at, where that is not the bind address and
 *     port (a NAT, a port forward, a relay); null for the bind address and port
 */
public record ClusterSettings(String bindHost, int port, List<String> members, String clusterName,
    Duration takeoverTimeout, int quorum, String publicAddress) {
  /** Default bind address: loopback only. */
  public static final String DEFAULT_BIND_HOST = "127.0.0.1";
  /** Default cluster name. */
  public static final String DEFAULT_CLUSTER_NAME = "cohort";
  /** Default driver lease. */
  public static final Duration DEFAULT_TAKEOVER_TIMEOUT = Duration.ofSeconds(5);
  /** Hazelcast's default member port, used for a member given without a port and as the start of auto ports. */
  public static final int DEFAULT_PORT = 5701;

  private static final Duration MIN_TAKEOVER = Duration.ofSeconds(2);
  private static final Duration MAX_TAKEOVER = Duration.ofMinutes(10);
  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})?");
  private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** Settings whose members reach this one at its bind address and port. */
  public ClusterSettings(String bindHost, int port, List<String> members, String clusterName,
      Duration takeoverTimeout, int quorum) {
    this(bindHost, port, members, clusterName, takeoverTimeout, quorum, null);
  }

  /** Validates every field and copies {@code members}. */
  public ClusterSettings {
    Objects.requireNonNull(bindHost, "bindHost");
    Objects.requireNonNull(members, "members");
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(takeoverTimeout, "takeoverTimeout");
    if (!IPV4.matcher(bindHost).matches()) {
      throw new IllegalArgumentException("cluster bind host must be an IPv4 address such as 127.0.0.1 or 10.0.0.5, "
          + "got '" + bindHost + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("cluster port must be 1..65535, or 0 for the first free port from "
          + DEFAULT_PORT + ", got " + port);
    }
    members = List.copyOf(members);
    for (String member : members) {
      checkMember(member);
    }
    if (!CLUSTER_NAME.matcher(clusterName).matches()) {
      throw new IllegalArgumentException("cluster name must be 1..64 characters of A-Z a-z 0-9 . _ -, got '"
          + clusterName + "'");
    }
    if (publicAddress != null) {
      checkMember(publicAddress);
    }
    if (quorum < 1 || quorum > 1000) {
      throw new IllegalArgumentException("cluster quorum must be 1..1000 members (1: none), got " + quorum);
    }
    if (takeoverTimeout.compareTo(MIN_TAKEOVER) < 0 || takeoverTimeout.compareTo(MAX_TAKEOVER) > 0) {
      throw new IllegalArgumentException("cluster takeover timeout must be 2 s .. 10 min (it bounds how long a dead "
          + "driver goes unnoticed), got " + takeoverTimeout.toMillis() + " ms");
    }
  }

  /**
   * A standalone member: loopback, first free port from 5701, no one to join, cluster "cohort", 5 s takeover, no
   * quorum.
   */
  public static ClusterSettings standalone() {
    return new ClusterSettings(DEFAULT_BIND_HOST, 0, List.of(), DEFAULT_CLUSTER_NAME, DEFAULT_TAKEOVER_TIMEOUT, 1);
  }

  /**
   * Parses a {@code --cluster} value: comma-separated {@code HOST:PORT} or {@code HOST} entries; blanks around
   * commas are ignored.
   *
   * @throws IllegalArgumentException naming the entry that is not a member address
   */
  public static List<String> parseMembers(String commaSeparated) {
    Objects.requireNonNull(commaSeparated, "commaSeparated");
    List<String> out = new ArrayList<>();
    for (String part : commaSeparated.split(",", -1)) {
      String member = part.strip();
      if (member.isEmpty()) {
        if (!commaSeparated.isBlank()) {
          throw new IllegalArgumentException("empty entry in cluster member list '" + commaSeparated + "'");
        }
        continue;
      }
      checkMember(member);
      out.add(member);
    }
    return List.copyOf(out);
  }

  /** This, joining {@code members}. */
  public ClusterSettings withMembers(List<String> members) {
    return new ClusterSettings(bindHost, port, members, clusterName, takeoverTimeout, quorum, publicAddress);
  }

  /** This, on member port {@code port} (0: first free from 5701). */
  public ClusterSettings withPort(int port) {
    return new ClusterSettings(bindHost, port, members, clusterName, takeoverTimeout, quorum, publicAddress);
  }

  /** This, with cluster name {@code clusterName}. */
  public ClusterSettings withClusterName(String clusterName) {
    return new ClusterSettings(bindHost, port, members, clusterName, takeoverTimeout, quorum, publicAddress);
  }

  /** This, reached by other members at {@code publicAddress} ({@code HOST:PORT}; null: the bind address). */
  public ClusterSettings withPublicAddress(String publicAddress) {
    return new ClusterSettings(bindHost, port, members, clusterName, takeoverTimeout, quorum, publicAddress);
  }

  /** This, with driver lease {@code takeoverTimeout}. */
  public ClusterSettings withTakeoverTimeout(Duration takeoverTimeout) {
    return new ClusterSettings(bindHost, port, members, clusterName, takeoverTimeout, quorum, publicAddress);
  }

  /** This, bound to {@code bindHost}. */
  public ClusterSettings withBindHost(String bindHost) {
    return new ClusterSettings(bindHost, port, members, clusterName, takeoverTimeout, quorum, publicAddress);
  }

  /** This, requiring {@code quorum} visible members to drive. */
  public ClusterSettings withQuorum(int quorum) {
    return new ClusterSettings(bindHost, port, members, clusterName, takeoverTimeout, quorum, publicAddress);
  }

  /**
   * Seconds without a heartbeat (sent every second) after which Hazelcast declares a member dead: a third of the
   * takeover timeout rounded up, at least 2. A member whose process died is usually dropped sooner, as its port
   * refuses reconnection. Partitions owned by a dead member are unavailable until it is dropped, and the driver stops
   * driving 0.9 T after its last renewal, so this stays well below the lease: the driver keeps renewing through the
   * death of another member (the lease's partition owner included) with about half the lease to spare for the
   * partition's migration. Half the lease (the first choice) left too little on a loaded CI machine: a driver stepped
   * down when a non-driver holding its lease's partition was killed.
   */
  public int heartbeatTimeoutSeconds() {
    return (int) Math.max(2, (takeoverTimeout.toMillis() + 2999) / 3000);
  }

  private static void checkMember(String member) {
    if (member == null) {
      throw new IllegalArgumentException("cluster member address must not be null");
    }
    int colon = member.lastIndexOf(':');
    String host = colon < 0 ? member : member.substring(0, colon);
    if (!HOST.matcher(host).matches()) {
      throw new IllegalArgumentException("cluster member must be HOST:PORT or HOST (e.g. 10.0.0.5:5701), got '"
          + member + "'");
    }
    if (colon >= 0) {
      String portText = member.substring(colon + 1);
      int memberPort;
      try {
        memberPort = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        memberPort = -1;
      }
      if (memberPort < 1 || memberPort > 65535) {
        throw new IllegalArgumentException("cluster member port must be 1..65535, got '" + member + "'");
      }
    }
  }
}
