package io.cohort.coordinator.strategy;

/**
 * One client's federated-evaluation metrics.
 *
 * @param clientId who evaluated
 * @param numExamples examples evaluated
 * @param loss mean loss
 * @param accuracy fraction correct
 */
public record EvaluationReport(String clientId, long numExamples, double loss, double accuracy) {}
