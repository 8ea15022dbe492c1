package io.cohort.client;

/**
 * Metrics of a model on local data.
 *
 * @param numExamples examples evaluated
 * @param loss mean softmax cross-entropy
 * @param accuracy fraction classified correctly
 */
public record EvaluationOutcome(long numExamples, double loss, double accuracy) {}
