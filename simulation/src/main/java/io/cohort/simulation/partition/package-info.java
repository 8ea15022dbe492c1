/**
 * Splitting a data set among simulated clients: {@link io.cohort.simulation.partition.Partitioner} and its IID,
 * Dirichlet label-skew and McMahan shard implementations, parsed from strings such as {@code "dirichlet:0.5"} by
 * {@link io.cohort.simulation.partition.Partitioners#parse(String)}.
 *
 * <p>Partitioning is pure, synchronous and seeded: the same labels, client count and seed always give the same
 * partition, on any machine, so an experiment can be rerun exactly.
 */
package io.cohort.simulation.partition;
