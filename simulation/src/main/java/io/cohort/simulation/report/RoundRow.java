package io.cohort.simulation.report;

/**
 * The metrics of one federated round, one row of {@code metrics.csv}.
 *
 * <p>A {@code NaN} in a primitive field and {@code null} in a boxed one both mean "not measured" and are written as
 * an empty cell.
 *
 * @param round round number, from 1 (0 may record the initial model)
 * @param accuracy centralised test accuracy of the global model after the round
 * @param loss centralised test loss
 * @param clients clients whose updates were aggregated
 * @param seconds wall-clock duration of the round
 * @param macroF1 macro-averaged F1 on the test set
 * @param failed whether the round failed (too few results, for example)
 * @param trainLoss mean training loss reported by the clients, or {@code null}
 * @param fedEvalAccuracy accuracy from federated evaluation on the clients, or {@code null}
 * @param fedEvalLoss loss from federated evaluation on the clients, or {@code null}
 * @param epsilon differential-privacy epsilon spent by the run after this round, or {@code null} without DP
 * @param bytesUp bytes of update upload bodies the coordinator received for the round, or {@code null}
 * @param bytesDown bytes of model download bodies it served of the round's model, or {@code null}
 * @param invited clients invited to the round (more than it aggregates with over-selection), or {@code null}
 * @param late invited clients that had not answered when the round closed without them (cut off by over-selection,
 *     or past the deadline: stragglers and offline clients), or {@code null}
 * @param elapsedSeconds seconds from the coordinator's start until the round's model existed, or {@code null}
 */
public record RoundRow(int round, double accuracy, double loss, int clients, double seconds, double macroF1,
    boolean failed, Double trainLoss, Double fedEvalAccuracy, Double fedEvalLoss, Double epsilon, Long bytesUp,
    Long bytesDown, Integer invited, Integer late, Double elapsedSeconds) {

  /** A row without its elapsed time. */
  public RoundRow(int round, double accuracy, double loss, int clients, double seconds, double macroF1,
      boolean failed, Double trainLoss, Double fedEvalAccuracy, Double fedEvalLoss, Double epsilon, Long bytesUp,
      Long bytesDown, Integer invited, Integer late) {
    this(round, accuracy, loss, clients, seconds, macroF1, failed, trainLoss, fedEvalAccuracy, fedEvalLoss, epsilon,
        bytesUp, bytesDown, invited, late, null);
  }

  /** A row with traffic counts, without invitation counts. */
  public RoundRow(int round, double accuracy, double loss, int clients, double seconds, double macroF1,
      boolean failed, Double trainLoss, Double fedEvalAccuracy, Double fedEvalLoss, Double epsilon, Long bytesUp,
      Long bytesDown) {
    this(round, accuracy, loss, clients, seconds, macroF1, failed, trainLoss, fedEvalAccuracy, fedEvalLoss, epsilon,
        bytesUp, bytesDown, null, null);
  }

  /** A row with invitation counts, without traffic counts. */
  public RoundRow(int round, double accuracy, double loss, int clients, double seconds, double macroF1,
      boolean failed, Double trainLoss, Double fedEvalAccuracy, Double fedEvalLoss, Double epsilon, Integer invited,
      Integer late) {
    this(round, accuracy, loss, clients, seconds, macroF1, failed, trainLoss, fedEvalAccuracy, fedEvalLoss, epsilon,
        null, null, invited, late);
  }

  /** A row without traffic or invitation counts. */
  public RoundRow(int round, double accuracy, double loss, int clients, double seconds, double macroF1,
      boolean failed, Double trainLoss, Double fedEvalAccuracy, Double fedEvalLoss, Double epsilon) {
    this(round, accuracy, loss, clients, seconds, macroF1, failed, trainLoss, fedEvalAccuracy, fedEvalLoss, epsilon,
        null, null, null, null);
  }

  /**
   * Checks the counts.
   *
   * @throws IllegalArgumentException if {@code round} or {@code clients} is negative
   */
  public RoundRow {
    if (round < 0) {
      throw new IllegalArgumentException("round must be >= 0, got " + round);
    }
    if (clients < 0) {
      throw new IllegalArgumentException("clients must be >= 0, got " + clients);
    }
  }
}
