package io.cohort.coordinator.cluster;

import java.util.Objects;

/**
 * Who holds the driver lease, as last seen by this member.
 *
 * @param memberId the driving member's id ({@link ClusterMember#id()})
 * @param term the lease's term: the fencing token the driver attaches to its writes
 */
public record DriverInfo(String memberId, long term) {
  /** Checks the id is present and the term positive. */
  public DriverInfo {
    Objects.requireNonNull(memberId, "memberId");
    if (term < 1) {
      throw new IllegalArgumentException("a driver's term is at least 1, got " + term);
    }
  }
}
