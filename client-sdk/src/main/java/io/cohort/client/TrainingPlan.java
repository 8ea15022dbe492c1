package io.cohort.client;

/**
 * How to train locally in one round, as the coordinator instructs.
 *
 * @param epochs passes over the local data (at least 1)
 * @param batchSize examples per step (at least 1)
 * @param learningRate step size (positive, finite)
 * @param optimizer the update rule
 * @param momentum heavy-ball momentum for SGD, in {@code [0, 1)}; ignored by Adam
 * @param l2 L2 penalty coefficient on weights (not biases), {@code >= 0}
 * @param seed shuffling seed; the same seed, data and parameters give the same update
 * @param proximalMu FedProx's mu (Li et al. 2020): the local loss gains {@code (mu/2)||w - w_start||^2}, pulling the
 *     local model towards the one the round started from; 0 for none
 */
public record TrainingPlan(
    int epochs, int batchSize, double learningRate, Optimizer optimizer, double momentum, double l2, long seed,
    double proximalMu) {

  /** A plan without a proximal term. */
  public TrainingPlan(int epochs, int batchSize, double learningRate, Optimizer optimizer, double momentum, double l2,
      long seed) {
    this(epochs, batchSize, learningRate, optimizer, momentum, l2, seed, 0);
  }

  /** Local update rules. */
  public enum Optimizer {
    /** Stochastic gradient descent, with optional momentum. */
    SGD,
    /** Adam (Kingma and Ba 2015) with beta1 0.9, beta2 0.999, epsilon 1e-8; its state starts fresh each round. */
    ADAM
  }

  /**
   * The optimiser steps this plan takes over {@code examples} examples: {@code epochs x ceil(examples / batch)} with
   * {@code batch = min(batchSize, examples)}, the last batch of an epoch partial. SCAFFOLD's client control variate
   * divides the round's parameter change by this count.
   */
  public long localSteps(int examples) {
    if (examples < 1) {
      throw new IllegalArgumentException("examples must be at least 1, got " + examples);
    }
    int batch = Math.min(batchSize, examples);
    return (long) epochs * ((examples + batch - 1) / batch);
  }

  public TrainingPlan {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be positive and finite, got " + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (!(l2 >= 0) || !Double.isFinite(l2)) {
      throw new IllegalArgumentException("l2 must be >= 0 and finite, got " + l2);
    }
    if (!(proximalMu >= 0) || !Double.isFinite(proximalMu)) {
      throw new IllegalArgumentException("proximalMu must be >= 0 and finite, got " + proximalMu);
    }
    if (optimizer == null) {
      throw new IllegalArgumentException("optimizer must be given");
    }
  }
}
