package io.cohort.coordinator.strategy;

/**
 * One client's validated training result.
 *
 * @param clientId who sent it
 * @param delta trained minus global parameters (flat, model layout); owned by the caller, read during the fold only
 * @param numExamples examples the client trained on (positive)
 * @param trainLoss the client's mean training loss
 * @param trainAccuracy the client's training accuracy
 */
public record ClientUpdate(String clientId, float[] delta, long numExamples, double trainLoss, double trainAccuracy)
    implements java.io.Serializable {}
