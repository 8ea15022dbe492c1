package io.cohort.client;

/**
 * What a client did in a run.
 *
 * @param clientId the id the coordinator gave it last
 * @param roundsTrained updates the coordinator accepted
 * @param updatesRejected updates the coordinator refused (with the reason logged)
 * @param evaluations federated evaluations reported
 * @param finishReason why the run ended for this client
 */
public record ClientReport(
    String clientId, int roundsTrained, int updatesRejected, int evaluations, String finishReason) {}
