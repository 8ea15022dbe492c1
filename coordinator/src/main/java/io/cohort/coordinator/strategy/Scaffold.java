package io.cohort.coordinator.strategy;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * SCAFFOLD (Karimireddy et al., ICML 2020, "SCAFFOLD: Stochastic Controlled Averaging for Federated Learning"), the
 * server's side, with option II control variates. The server keeps a control variate {@code c} of the model's size
 * (zero at the start), sent to every client with the model; each client keeps its own {@code c_i}, corrects every
 * local SGD gradient by {@code c - c_i}, and returns {@code [delta_y | delta_c]}: its parameter update {@code y_i - x}
 * and the change of its control variate {@code c_i+ - c_i} (the SDK's {@code CohortClient} does that part). Then
 *
 * <pre>
 *   x += serverLr * mean(delta_y)
 *   c += (|S| / N) * mean(delta_c)
 * </pre>
 *
 * <p>Both means are FedAvg's example-weighted mean of the whole vector {@code [delta_y | delta_c]} (the paper takes
 * plain means; Cohort weights by examples everywhere, and one weighted mean of the concatenated vector is exactly what
 * secure aggregation reveals, so a secure round computes the same step). {@code |S|} is the number of updates
 * aggregated and {@code N} the number of clients registered in the run when the round aggregates ({@link
 * Participation}): with every registered client answering, {@code c} moves by the whole mean.
 *
 * <p>The vector's second half travels as the tensors {@code scaffold/<name>}; with secure aggregation it is masked and
 * summed with the first, so the strategy combines with it. {@code c} is the strategy's state across rounds ({@link
 * #state()}), carried in checkpoints and the cluster's run state. Sampling is FedAvg's. Thread-safe.
 */
public final class Scaffold extends FedAvgSampling {
  private final double serverLr;
  private float[] control; // c; null until the first aggregate or a restored state: all zeros

  /**
   * @param serverLr the server learning rate applied to the mean parameter update (positive, finite; 1 in the paper's
   *     experiments)
   */
  public Scaffold(double fraction, int minClients, double serverLr) {
    super(fraction, minClients);
    if (!(serverLr > 0) || !Double.isFinite(serverLr)) {
      throw new IllegalArgumentException("scaffold's server learning rate must be positive, got " + serverLr);
    }
    this.serverLr = serverLr;
  }

  @Override
  public String name() {
    return "scaffold:" + serverLr;
  }

  @Override
  public boolean controlVariates() {
    return true;
  }

  @Override
  public synchronized float[] controlVariate(int parameterCount) {
    if (control == null) {
      return new float[parameterCount];
    }
    if (control.length != parameterCount) {
      throw new IllegalStateException("scaffold's control variate has " + control.length + " elements but the model "
          + parameterCount + "; resume the run with its own model flags");
    }
    return control.clone();
  }

  /** Without the participation, as if every registered client had answered ({@code |S| = N}). */
  @Override
  public float[] finishFit(int round, float[] global, FitAggregation aggregation, List<ClientFailure> failures) {
    return finishFit(round, global, aggregation, failures,
        new Participation(aggregation.count(), aggregation.count()));
  }

  @Override
  public float[] finishFit(int round, float[] global, FitAggregation aggregation, List<ClientFailure> failures,
      Participation participation) {
    float[] mean = aggregation.finish(new float[2 * global.length], failures); // 0 + the weighted mean
    return step(global, mean, participation);
  }

  @Override
  public boolean supportsSecureAggregation() {
    return true;
  }

  @Override
  public float[] applySecureAggregate(int round, float[] global, float[] meanDelta) {
    return step(global, meanDelta, new Participation(1, 1));
  }

  @Override
  public float[] applySecureAggregate(int round, float[] global, float[] meanDelta, Participation participation) {
    return step(global, meanDelta, participation);
  }

  /**
   * One server step from the weighted mean {@code [delta_y | delta_c]}: returns {@code x + serverLr * delta_y} and
   * moves {@code c} by {@code share * delta_c}.
   */
  synchronized float[] step(float[] global, float[] mean, Participation participation) {
    int p = global.length;
    if (mean.length != 2 * p) {
      throw new IllegalArgumentException("scaffold's aggregate has " + mean.length + " elements; it must hold the "
          + "parameter update and the control-variate update, 2 x " + p);
    }
    if (control == null) {
      control = new float[p];
    } else if (control.length != p) {
      throw new IllegalStateException("scaffold's control variate has " + control.length + " elements, the model "
          + p);
    }
    double share = participation.share();
    float[] next = new float[p];
    for (int i = 0; i < p; i++) {
      next[i] = (float) (global[i] + serverLr * mean[i]);
      control[i] = (float) (control[i] + share * mean[p + i]);
    }
    return next;
  }

  /** {@code c}: its element count (4 bytes), then its floats, big-endian; empty before the first round. */
  @Override
  public synchronized byte[] state() {
    if (control == null) {
      return new byte[0];
    }
    ByteBuffer out = ByteBuffer.allocate(4 + 4 * control.length);
    out.putInt(control.length);
    for (float v : control) {
      out.putFloat(v);
    }
    return out.array();
  }

  @Override
  public synchronized void restoreState(byte[] state) {
    if (state.length == 0) {
      control = null;
      return;
    }
    ByteBuffer in = ByteBuffer.wrap(state);
    int n = state.length < 4 ? -1 : in.getInt();
    if (n < 0 || state.length != 4 + 4L * n) {
      throw new IllegalArgumentException("scaffold state of " + state.length + " bytes does not hold a control "
          + "variate of " + n + " floats; resume with the run's --strategy");
    }
    float[] restored = new float[n];
    for (int i = 0; i < n; i++) {
      restored[i] = in.getFloat();
    }
    control = restored;
  }
}
