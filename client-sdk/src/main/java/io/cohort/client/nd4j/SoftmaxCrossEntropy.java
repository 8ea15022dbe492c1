package io.cohort.client.nd4j;

/**
 * Softmax cross-entropy on a batch of logits, computed on the Java heap in double precision. The logits of a batch
 * are small ({@code batch x classes}), so doing this in Java costs less than the handful of native op calls it
 * replaces, and the log-sum-exp form keeps the loss finite however confident the model is.
 */
final class SoftmaxCrossEntropy {
  private SoftmaxCrossEntropy() {}

  /** Sum of per-example losses and number of correct argmax predictions in a batch. */
  record BatchStats(double lossSum, int correct) {}

  /**
   * Evaluates a batch and optionally fills the gradient of the <em>mean</em> loss and the probabilities.
   *
   * @param logits row-major {@code [n, classes]}
   * @param labels true class of each row
   * @param gradient if not null, receives {@code (softmax - onehot) / n}, row-major
   * @param probabilities if not null, receives the softmax probabilities, row-major
   */
  static BatchStats compute(double[] logits, int n, int classes, int[] labels, double[] gradient,
      double[] probabilities) {
    double lossSum = 0;
    int correct = 0;
    for (int row = 0; row < n; row++) {
      int base = row * classes;
      int best = 0;
      double max = logits[base];
      for (int c = 1; c < classes; c++) {
        if (logits[base + c] > max) {
          max = logits[base + c];
          best = c;
        }
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[base + c] - max);
      }
      double logSumExp = max + Math.log(sum);
      int label = labels[row];
      lossSum += logSumExp - logits[base + label];
      if (best == label) {
        correct++;
      }
      if (gradient != null || probabilities != null) {
        for (int c = 0; c < classes; c++) {
          double p = Math.exp(logits[base + c] - logSumExp);
          if (probabilities != null) {
            probabilities[base + c] = p;
          }
          if (gradient != null) {
            gradient[base + c] = ((c == label ? p - 1 : p)) / n;
          }
        }
      }
    }
    return new BatchStats(lossSum, correct);
  }

  /** Index of the largest logit of each row (the first one on ties). */
  static void argmax(double[] logits, int n, int classes, int[] out, int outOffset) {
    for (int row = 0; row < n; row++) {
      int base = row * classes;
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (logits[base + c] > logits[base + best]) {
          best = c;
        }
      }
      out[outOffset + row] = best;
    }
  }
}
