/**
 * The run state a coordinator must not lose: the committed run (history, global model, privacy ledger), every model
 * version, the open round and its running sum, and the client registry. {@link io.cohort.coordinator.state.RunStateStore}
 * is the seam: {@link io.cohort.coordinator.state.InMemoryRunStateStore} for one process,
 * {@link io.cohort.coordinator.state.HazelcastRunStateStore} for a cluster of coordinator nodes, where every write
 * carries the driver's term and a deposed driver's late writes are refused.
 */
package io.cohort.coordinator.state;
