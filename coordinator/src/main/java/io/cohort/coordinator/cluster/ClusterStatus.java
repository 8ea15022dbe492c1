package io.cohort.coordinator.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of the coordinator cluster for the status endpoint: its members and which one drives.
 *
 * @param clusterName the cluster's name
 * @param localMemberId the id of the member that took the snapshot
 * @param members the members it sees, oldest first
 * @param driver the driver as it last saw the lease, if any
 */
public record ClusterStatus(String clusterName, String localMemberId, List<ClusterMember> members,
    Optional<DriverInfo> driver) {
  /** Copies the member list. */
  public ClusterStatus {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(localMemberId, "localMemberId");
    members = List.copyOf(members);
    Objects.requireNonNull(driver, "driver");
  }

  /** Takes a snapshot of {@code cluster}. Non-blocking (local state only), safe on an event loop. */
  public static ClusterStatus of(CoordinatorCluster cluster) {
    return new ClusterStatus(cluster.settings().clusterName(), cluster.localMemberId(), cluster.members(),
        cluster.election().currentDriver());
  }

  /** Whether the member that took the snapshot is the driver. */
  public boolean localIsDriver() {
    return driver.map(d -> d.memberId().equals(localMemberId)).orElse(false);
  }

  /**
   * The snapshot as JSON: {@code {"name", "localMember", "members": [{"id", "address", "local", "driver"}],
   * "driver": {"memberId", "address", "term"} or null, "term"}}. The driver's address is null when it is no longer a
   * member (it died and its lease has not run out yet); {@code term} is 0 when no one drives.
   */
  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    String driverId = driver.map(DriverInfo::memberId).orElse(null);
    String driverAddress = null;
    for (ClusterMember m : members) {
      boolean drives = m.id().equals(driverId);
      if (drives) {
        driverAddress = m.address();
      }
      list.add(new JsonObject().put("id", m.id()).put("address", m.address()).put("local", m.local())
          .put("driver", drives));
    }
    JsonObject out = new JsonObject().put("name", clusterName).put("localMember", localMemberId).put("members", list);
    if (driver.isPresent()) {
      out.put("driver", new JsonObject().put("memberId", driverId).put("address", driverAddress)
          .put("term", driver.get().term()));
    } else {
      out.putNull("driver");
    }
    return out.put("term", driver.map(DriverInfo::term).orElse(0L));
  }
}
