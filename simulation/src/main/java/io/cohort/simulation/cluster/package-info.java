/**
 * Distributed simulation: worker JVMs that join the simulating JVM over Hazelcast and each run a share of the
 * simulated clients against its coordinator.
 */
package io.cohort.simulation.cluster;
