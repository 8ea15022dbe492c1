package io.cohort.client;

import io.cohort.protocol.compression.CompressedUpdate;
import io.cohort.protocol.compression.TopK;
import io.cohort.protocol.compression.UpdateCompression;

/**
 * Compresses a client's updates as the round asks, and keeps the client's error-feedback memory for top-k
 * (Seide et al. 2014, "1-bit stochastic gradient descent and its application to data-parallel distributed training
 * of speech DNNs"; Stich et al. 2018, "Sparsified SGD with memory"): the elements a round did not send are added to
 * the next round's update, so every coordinate is sent eventually and nothing is lost, only delayed. The memory
 * lives for one run (a new run id starts from zero) and moves on only when the coordinator accepted the update: a
 * refused update was not applied, so its residual would be wrong. The quantisers are unbiased (stochastic rounding)
 * and keep no memory. Not thread-safe: one per client.
 */
final class UpdateCompressor {
  private String runId;
  private float[] residual;

  /**
   * An update ready to send, and what the error-feedback memory becomes once it is delivered.
   *
   * @param update the encoded update
   * @param runId the run it belongs to
   * @param nextResidual top-k: the elements not sent (update plus old residual, zero where sent); else null
   */
  record Prepared(CompressedUpdate update, String runId, float[] nextResidual) {}

  /**
   * Encodes {@code delta} of run {@code runId} as {@code compression} says ({@link UpdateCompression#enabled()}),
   * drawing stochastic rounding from {@code seed}. Top-k adds the residual this run carried so far first.
   */
  Prepared prepare(String runId, float[] delta, UpdateCompression compression, long seed) {
    if (compression.kind().quantizes()) {
      return new Prepared(CompressedUpdate.quantized(delta, compression, seed), runId, null);
    }
    float[] withMemory = delta.clone();
    if (runId.equals(this.runId) && residual != null && residual.length == withMemory.length) {
      for (int i = 0; i < withMemory.length; i++) {
        withMemory[i] += residual[i];
      }
    }
    int[] sent = TopK.select(withMemory, compression.k(withMemory.length));
    float[] next = withMemory.clone();
    for (int p : sent) {
      next[p] = 0;
    }
    return new Prepared(CompressedUpdate.sparse(withMemory, sent, compression), runId, next);
  }

  /** The coordinator accepted {@code prepared}: the memory becomes its residual. */
  void delivered(Prepared prepared) {
    if (prepared.nextResidual() != null) {
      runId = prepared.runId();
      residual = prepared.nextResidual();
    }
  }

  /** The error-feedback memory (a copy), or null when there is none. */
  float[] residual() {
    return residual == null ? null : residual.clone();
  }
}
