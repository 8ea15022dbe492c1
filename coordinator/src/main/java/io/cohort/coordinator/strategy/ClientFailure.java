package io.cohort.coordinator.strategy;

/**
 * A sampled client that produced no usable result in a round: data for the strategy, not an exception.
 *
 * @param clientId the client
 * @param reason why, e.g. "deadline passed" or "left the federation"
 */
public record ClientFailure(String clientId, String reason) {}
