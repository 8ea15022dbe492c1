/**
 * The Cohort coordinator: a Vert.x server that registers clients and runs rounds of federated learning. Start one
 * with {@link io.cohort.coordinator.Coordinator#start}; configure it with {@link
 * io.cohort.coordinator.CoordinatorConfig}. Round state is confined to one Vert.x context; decoding, validation and
 * aggregation of updates run on worker threads.
 */
package io.cohort.coordinator;
