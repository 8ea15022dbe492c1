/**
 * Coordinator clustering on an embedded Hazelcast member: {@link io.cohort.coordinator.cluster.CoordinatorCluster}
 * starts the member from {@link io.cohort.coordinator.cluster.ClusterSettings} (TCP-IP join on pinned interfaces, no
 * multicast), {@link io.cohort.coordinator.cluster.DriverElection} chooses the one member that drives rounds through
 * a lease with a fencing term, {@link io.cohort.coordinator.cluster.FencedMap} rejects a deposed driver's late writes,
 * and {@link io.cohort.coordinator.cluster.ClusterStatus} is the JSON snapshot for the status endpoint.
 */
package io.cohort.coordinator.cluster;
