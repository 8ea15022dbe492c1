package io.cohort.client;

/**
 * The result of local training.
 *
 * @param parameters the trained flat parameter vector (same layout as the model's)
 * @param numExamples examples trained on per epoch (the FedAvg weight)
 * @param loss mean training loss over the last epoch
 * @param accuracy training accuracy over the last epoch
 */
public record FitOutcome(float[] parameters, long numExamples, double loss, double accuracy) {}
