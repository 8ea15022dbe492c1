/**
 * How a round is configured and how client results become a new global model. {@link
 * io.cohort.coordinator.strategy.Strategy} is the seam (after Flower's): configure and aggregate, for training and for
 * evaluation. Aggregation is streaming: each update is folded into a {@link
 * io.cohort.coordinator.strategy.FitAggregation} as it arrives, so memory stays O(model size) however many clients
 * answer.
 */
package io.cohort.coordinator.strategy;
