package io.cohort.client;

/**
 * A client's SCAFFOLD control variate {@code c_i} (Karimireddy et al., ICML 2020, option II), kept in the SDK's
 * memory for one run. It starts at zero; a client that restarts (a new process, or a simulated crash) starts again
 * from zero, which is what the paper does for a client sampled for the first time. A new run id also resets it.
 *
 * <p>In a round from global parameters {@code x} with the server's control variate {@code c}, the client trains with
 * every gradient corrected by {@code c - c_i} ({@link #correction}), reaching {@code y} after {@code K} SGD steps of
 * learning rate {@code lr}, then
 *
 * <pre>
 *   c_i+ = c_i - c + (x - y) / (K * lr)      delta_c = c_i+ - c_i = (x - y) / (K * lr) - c
 * </pre>
 *
 * ({@link #controlDelta}). With heavy-ball momentum {@code m} the steps move the parameters about {@code 1 / (1 - m)}
 * times as far as plain SGD would, so {@code lr / (1 - m)} stands in for {@code lr} (exact for {@code m = 0}, the
 * paper's setting). The client sends {@code delta_c} with its update and adds it to {@code c_i} ({@link #commit})
 * once the coordinator accepted the update. Thread-safe.
 */
final class ScaffoldControl {
  private String runId;
  private float[] own; // c_i; null: zero

  /**
   * The gradient correction {@code c - c_i} for a round of run {@code run}.
   *
   * @param server the server's control variate {@code c}
   */
  synchronized float[] correction(String run, float[] server) {
    if (!run.equals(runId) || own == null || own.length != server.length) {
      runId = run;
      own = null;
      return server.clone();
    }
    float[] out = new float[server.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) ((double) server[i] - own[i]);
    }
    return out;
  }

  /**
   * The change of the client's control variate after a round, {@code delta_c = (x - y) / (K * lr') - c} with {@code
   * lr' = learningRate / (1 - momentum)}.
   *
   * @param server the server's control variate {@code c} the round was given
   * @param start the parameters {@code x} the round started from
   * @param trained the parameters {@code y} after the round's local training
   * @param steps the local SGD steps {@code K} (at least 1)
   */
  static float[] controlDelta(float[] server, float[] start, float[] trained, long steps, double learningRate,
      double momentum) {
    if (steps < 1 || !(learningRate > 0) || !(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("SCAFFOLD needs at least one step, a positive learning rate and momentum in "
          + "[0, 1); got " + steps + " steps, lr " + learningRate + ", momentum " + momentum);
    }
    if (start.length != server.length || trained.length != server.length) {
      throw new IllegalArgumentException("c, x and y differ in length: " + server.length + ", " + start.length + ", "
          + trained.length);
    }
    double scale = (1 - momentum) / (steps * learningRate);
    float[] delta = new float[server.length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = (float) (((double) start[i] - trained[i]) * scale - server[i]);
    }
    return delta;
  }

  /** {@code c_i += delta} once the update carrying {@code delta} was accepted in run {@code run}. */
  synchronized void commit(String run, float[] delta) {
    if (!run.equals(runId) || own == null || own.length != delta.length) {
      runId = run;
      own = new float[delta.length];
    }
    for (int i = 0; i < delta.length; i++) {
      own[i] += delta[i];
    }
  }

  /** Forgets {@code c_i}, as a restarted client would. */
  synchronized void reset() {
    runId = null;
    own = null;
  }

  /** The client's control variate {@code c_i} (a copy; zeros of {@code length} before the first commit). */
  synchronized float[] current(int length) {
    return own == null ? new float[length] : own.clone();
  }
}
