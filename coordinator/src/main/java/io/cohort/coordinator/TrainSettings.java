package io.cohort.coordinator;

import io.cohort.protocol.v1.Optimizer;
import io.cohort.protocol.v1.TrainConfig;

/**
 * The local-training instruction sent to every sampled client.
 *
 * @param epochs local epochs per round (1..1000)
 * @param batchSize examples per step (1..65536)
 * @param learningRate local step size, positive
 * @param optimizer {@code SGD} or {@code ADAM}
 * @param momentum SGD momentum in [0, 1)
 * @param l2 L2 coefficient, {@code >= 0}
 */
public record TrainSettings(
    int epochs, int batchSize, double learningRate, Optimizer optimizer, double momentum, double l2) {

  /** Adam, learning rate 1e-3, batch 16, one epoch. */
  public static TrainSettings defaults() {
    return new TrainSettings(1, 16, 1e-3, Optimizer.ADAM, 0.0, 0.0);
  }

  public TrainSettings {
    if (epochs < 1 || epochs > 1000) {
      throw new IllegalArgumentException("local epochs must be in 1..1000, got " + epochs);
    }
    if (batchSize < 1 || batchSize > 65536) {
      throw new IllegalArgumentException("batch size must be in 1..65536, got " + batchSize);
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
    }
    if (optimizer != Optimizer.SGD && optimizer != Optimizer.ADAM) {
      throw new IllegalArgumentException("optimizer must be SGD or ADAM, got " + optimizer);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (!(l2 >= 0) || !Double.isFinite(l2)) {
      throw new IllegalArgumentException("l2 must be >= 0 and finite, got " + l2);
    }
  }

  /** The wire form for a round with the given seed. */
  public TrainConfig toProto(long seed) {
    return TrainConfig.newBuilder()
        .setLocalEpochs(epochs)
        .setBatchSize(batchSize)
        .setLearningRate((float) learningRate)
        .setOptimizer(optimizer)
        .setMomentum((float) momentum)
        .setL2((float) l2)
        .setSeed(seed)
        .build();
  }
}
