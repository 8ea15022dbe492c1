package io.cohort.simulation;

import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.LocalTrainer;
import io.cohort.client.TrainingPlan;
import io.cohort.client.nd4j.Nd4jTrainer;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;

/**
 * A bounded pool of ND4J trainers shared by many simulated clients: each call borrows one trainer, so at most
 * {@code size} trainings run at once and only {@code size} networks live in native memory, however many clients there
 * are: one network per worker thread with each client's weights swapped in, not one live network per client, which
 * would hold native memory for every client.
 */
public final class PooledTrainer implements LocalTrainer {
  private final BlockingQueue<Nd4jTrainer> idle;
  private final List<Nd4jTrainer> all = new ArrayList<>();

  /** A pool of {@code size} trainers. */
  public PooledTrainer(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("pool size must be at least 1, got " + size);
    }
    idle = new ArrayBlockingQueue<>(size);
    for (int i = 0; i < size; i++) {
      Nd4jTrainer t = new Nd4jTrainer();
      all.add(t);
      idle.add(t);
    }
  }

  @Override
  public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
    return withTrainer(t -> t.fit(model, initial, data, plan));
  }

  @Override
  public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan,
      float[] gradientCorrection) {
    return withTrainer(t -> t.fit(model, initial, data, plan, gradientCorrection));
  }

  @Override
  public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize) {
    return withTrainer(t -> t.evaluate(model, parameters, data, batchSize));
  }

  /** Runs {@code work} with a borrowed trainer. */
  public <T> T withTrainer(Function<Nd4jTrainer, T> work) {
    Nd4jTrainer trainer;
    try {
      trainer = idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a trainer", e);
    }
    try {
      return work.apply(trainer);
    } finally {
      idle.add(trainer);
    }
  }

  @Override
  public void close() {
    all.forEach(Nd4jTrainer::close);
  }
}
