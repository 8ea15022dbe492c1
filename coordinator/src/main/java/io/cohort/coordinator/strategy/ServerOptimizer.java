package io.cohort.coordinator.strategy;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Federated averaging with an optimiser on the server (Reddi et al. 2021, "Adaptive Federated Optimization"): the
 * clients' example-weighted mean update {@code d} is treated as a pseudo-gradient and the global model moves by
 *
 * <ul>
 *   <li><b>FedAvgM</b> (Hsu et al. 2019): {@code v = beta * v + d; x += lr * v};
 *   <li><b>FedAdagrad</b>: {@code m = b1*m + (1-b1)*d; v = v + d^2; x += lr * m / (sqrt(v) + tau)};
 *   <li><b>FedAdam</b>: as Adagrad with {@code v = b2*v + (1-b2)*d^2};
 *   <li><b>FedYogi</b>: as Adagrad with {@code v = v - (1-b2) * d^2 * sign(v - d^2)}.
 * </ul>
 *
 * (Algorithm 2 of the paper: no bias correction; {@code v} starts at {@code tau^2}, {@code m} at 0.) The mean is
 * linear, so these combine with secure aggregation. The moments are the strategy's state across rounds: {@link
 * #state()} and {@link #restoreState(byte[])} carry them in checkpoints and the cluster's run state, so a resumed or
 * taken-over run goes on with them. Thread-safe.
 */
public final class ServerOptimizer extends FedAvgSampling {
  /** The update rule. */
  public enum Kind {
    AVGM, ADAGRAD, ADAM, YOGI
  }

  private final Kind kind;
  private final double lr;
  private final double beta1;
  private final double beta2;
  private final double tau;
  private double[] m; // first moment (AVGM: the momentum buffer); null until the first round
  private double[] v; // second moment (adaptive kinds)

  /**
   * @param lr server learning rate (positive)
   * @param beta1 first-moment decay (AVGM: the momentum), in [0, 1)
   * @param beta2 second-moment decay (ADAM, YOGI), in [0, 1)
   * @param tau adaptivity (positive; ignored by AVGM)
   */
  public ServerOptimizer(Kind kind, double fraction, int minClients, double lr, double beta1, double beta2,
      double tau) {
    super(fraction, minClients);
    if (!(lr > 0) || !Double.isFinite(lr) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)
        || !(tau > 0) || !Double.isFinite(tau)) {
      throw new IllegalArgumentException("server optimiser needs lr > 0, beta1 and beta2 in [0, 1) and tau > 0; got "
          + "lr=" + lr + ", beta1=" + beta1 + ", beta2=" + beta2 + ", tau=" + tau);
    }
    this.kind = kind;
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.tau = tau;
  }

  @Override
  public String name() {
    return switch (kind) {
      case AVGM -> "fedavgm:" + lr + ":" + beta1;
      default -> "fed" + kind.name().toLowerCase() + ":" + lr + ":" + tau;
    };
  }

  @Override
  public float[] finishFit(int round, float[] global, FitAggregation aggregation, List<ClientFailure> failures) {
    float[] mean = aggregation.finish(new float[global.length], failures); // 0 + mean delta
    return step(global, mean);
  }

  @Override
  public boolean supportsSecureAggregation() {
    return true;
  }

  @Override
  public float[] applySecureAggregate(int round, float[] global, float[] meanDelta) {
    return step(global, meanDelta);
  }

  /** One server step from the mean update {@code d}. */
  synchronized float[] step(float[] global, float[] d) {
    if (d.length != global.length) {
      throw new IllegalArgumentException("mean has " + d.length + " elements, model " + global.length);
    }
    if (m == null || m.length != d.length) {
      m = new double[d.length];
      v = new double[d.length];
      java.util.Arrays.fill(v, tau * tau);
    }
    float[] next = new float[global.length];
    for (int i = 0; i < d.length; i++) {
      double g = d[i];
      if (kind == Kind.AVGM) {
        m[i] = beta1 * m[i] + g;
        next[i] = (float) (global[i] + lr * m[i]);
        continue;
      }
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      double g2 = g * g;
      v[i] = switch (kind) {
        case ADAGRAD -> v[i] + g2;
        case ADAM -> beta2 * v[i] + (1 - beta2) * g2;
        default -> v[i] - (1 - beta2) * g2 * Math.signum(v[i] - g2);
      };
      next[i] = (float) (global[i] + lr * m[i] / (Math.sqrt(v[i]) + tau));
    }
    return next;
  }

  @Override
  public synchronized byte[] state() {
    if (m == null) {
      return new byte[0];
    }
    ByteBuffer out = ByteBuffer.allocate(4 + 16 * m.length);
    out.putInt(m.length);
    for (int i = 0; i < m.length; i++) {
      out.putDouble(m[i]).putDouble(v[i]);
    }
    return out.array();
  }

  @Override
  public synchronized void restoreState(byte[] state) {
    if (state.length == 0) {
      m = null;
      v = null;
      return;
    }
    ByteBuffer in = ByteBuffer.wrap(state);
    int n = state.length < 4 ? -1 : in.getInt();
    if (n < 0 || state.length != 4 + 16L * n) {
      throw new IllegalArgumentException("server optimiser state of " + state.length + " bytes does not hold " + n
          + " moments");
    }
    m = new double[n];
    v = new double[n];
    for (int i = 0; i < n; i++) {
      m[i] = in.getDouble();
      v[i] = in.getDouble();
    }
  }
}
