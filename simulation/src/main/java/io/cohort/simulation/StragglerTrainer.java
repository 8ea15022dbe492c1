package io.cohort.simulation;

import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.LocalTrainer;
import io.cohort.client.TrainingPlan;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A slow client (see {@link Heterogeneity}): trains as the wrapped trainer does, then waits {@code (slowdown - 1)}
 * times what the training took, so the whole local training takes {@code slowdown} times as long and the slowdown
 * scales with the model, the data and the machine. With a {@link PooledTrainer} the time counted is the training on
 * the borrowed trainer, not the wait for a free one, and the extra wait holds no trainer (a slow phone does not slow
 * the others). Evaluation is not slowed.
 */
public final class StragglerTrainer implements LocalTrainer {
  /** Sleeps for a number of milliseconds. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private final LocalTrainer honest;
  private final double slowdown;
  private final LongSupplier nanoClock;
  private final Sleeper sleeper;

  /**
   * A client {@code slowdown} times slower than {@code honest}.
   *
   * @param honest the trainer that does the work (a {@link PooledTrainer} is timed on the borrowed trainer)
   * @param slowdown how many times slower this client is, {@code >= 1}
   */
  public StragglerTrainer(LocalTrainer honest, double slowdown) {
    this(honest, slowdown, System::nanoTime, Thread::sleep);
  }

  StragglerTrainer(LocalTrainer honest, double slowdown, LongSupplier nanoClock, Sleeper sleeper) {
    if (!(slowdown >= 1) || Double.isInfinite(slowdown)) {
      throw new IllegalArgumentException("slowdown must be a finite number >= 1 (3: three times slower), got "
          + slowdown);
    }
    this.honest = java.util.Objects.requireNonNull(honest, "honest");
    this.slowdown = slowdown;
    this.nanoClock = nanoClock;
    this.sleeper = sleeper;
  }

  @Override
  public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
    long[] trainedNanos = new long[1];
    FitOutcome outcome = honest instanceof PooledTrainer pool
        ? pool.withTrainer(t -> timed(() -> t.fit(model, initial, data, plan), trainedNanos))
        : timed(() -> honest.fit(model, initial, data, plan), trainedNanos);
    long extraMillis = Math.round((slowdown - 1) * trainedNanos[0] / 1e6);
    if (extraMillis > 0) {
      try {
        sleeper.sleep(extraMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while simulating a slow client", e);
      }
    }
    return outcome;
  }

  private FitOutcome timed(Supplier<FitOutcome> training, long[] nanos) {
    long began = nanoClock.getAsLong();
    FitOutcome outcome = training.get();
    nanos[0] = nanoClock.getAsLong() - began;
    return outcome;
  }

  @Override
  public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize) {
    return honest.evaluate(model, parameters, data, batchSize);
  }

  @Override
  public void close() {} // the wrapped trainer is shared and closed by its owner
}
