package io.cohort.coordinator.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A coordinator's embedded Hazelcast member: the cluster that keeps a federation alive when one coordinator process
 * dies. By default ({@link ClusterSettings#standalone()}) it is a cluster of one, with nothing to install.
 *
 * <p>The member joins only the addresses it is given (TCP-IP, no multicast, no cloud auto-detection), binds only the
 * configured interface, never phones home and logs through SLF4J. Run state belongs in maps of {@link #hazelcast()};
 * writes of a driver's state should be fenced with its term ({@link FencedMap}).
 *
 * <p><b>Guarantees.</b> {@link #close()} hands the driver lease over at once (when this member drives) and then
 * leaves the cluster gracefully, moving its partitions to the others. A member that dies without {@code close()} is
 * dropped by the others within {@link ClusterSettings#heartbeatTimeoutSeconds()} plus a second (about 0.4 s when its
 * port refuses connections), and another member drives about {@link ClusterSettings#takeoverTimeout()} after its
 * last renewal ({@link DriverElection}). Hazelcast's own JVM shutdown hook is off: a JVM that exits without
 * {@code close()} counts as a crash. <b>Not</b> provided:
 * authentication or encryption between members (Hazelcast Community Edition has neither): bind to a private
 * network or loopback, which is the default.
 */
public final class CoordinatorCluster implements AutoCloseable {
  private final ClusterSettings settings;
  private final HazelcastInstance hazelcast;
  private final DriverElection election;

  private CoordinatorCluster(ClusterSettings settings, HazelcastInstance hazelcast) {
    this.settings = settings;
    this.hazelcast = hazelcast;
    this.election = new DriverElection(hazelcast, settings);
  }

  /**
   * Starts the member and joins the configured members. Blocking (about 3 s for a first member, under 1 s for a
   * member joining a running cluster): call it before Vert.x starts or from a worker.
   *
   * @throws IllegalStateException if Hazelcast cannot start (e.g. no free port, bind address not local)
   */
  public static CoordinatorCluster start(ClusterSettings settings) {
    Objects.requireNonNull(settings, "settings");
    HazelcastInstance instance;
    try {
      instance = Hazelcast.newHazelcastInstance(HazelcastConfigs.memberConfig(settings));
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot start the cluster member on " + settings.bindHost() + ":"
          + (settings.port() == 0 ? ClusterSettings.DEFAULT_PORT + "+" : settings.port()) + ": " + e.getMessage(), e);
    }
    return new CoordinatorCluster(settings, instance);
  }

  /** The settings this member started with. */
  public ClusterSettings settings() {
    return settings;
  }

  /** The embedded Hazelcast member, for the coordinator's state maps. Closing it is {@link #close()}'s job. */
  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  /** This member's driver election (one per member; not started until {@link DriverElection#start}). */
  public DriverElection election() {
    return election;
  }

  /** This member's id (its Hazelcast UUID). */
  public String localMemberId() {
    return hazelcast.getCluster().getLocalMember().getUuid().toString();
  }

  /** This member's {@code host:port}. */
  public String localAddress() {
    return address(hazelcast.getCluster().getLocalMember());
  }

  /**
   * The members as this member currently sees them, oldest first. Local and non-blocking (safe on an event loop).
   */
  public List<ClusterMember> members() {
    List<ClusterMember> out = new ArrayList<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      out.add(new ClusterMember(m.getUuid().toString(), address(m), m.localMember()));
    }
    return List.copyOf(out);
  }

  /** Whether the member is still running. */
  public boolean isRunning() {
    return hazelcast.getLifecycleService().isRunning();
  }

  /**
   * Hands the driver lease over (if held), then leaves the cluster gracefully. Blocking, bounded (the release waits
   * at most 2 s, Hazelcast's partition hand-off at most 10 s). Idempotent.
   */
  @Override
  public void close() {
    election.close();
    if (hazelcast.getLifecycleService().isRunning()) {
      hazelcast.shutdown();
    }
  }

  private static String address(Member m) {
    return m.getAddress().getHost() + ":" + m.getAddress().getPort();
  }
}
