package io.cohort.coordinator.cluster;

import java.util.Objects;

/**
 * One member of the coordinator cluster as this member sees it.
 *
 * @param id the member's Hazelcast UUID, stable for the life of its process (the id {@link DriverElection} names)
 * @param address {@code host:port} of its member endpoint
 * @param local whether it is this process's member
 */
public record ClusterMember(String id, String address, boolean local) {
  /** Checks that id and address are present. */
  public ClusterMember {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
  }
}
