package io.cohort.simulation;

import io.cohort.coordinator.round.RoundRecord;
import io.cohort.coordinator.strategy.EvaluationSummary;
import io.cohort.simulation.eval.EvaluationResult;
import io.cohort.simulation.report.RoundRow;

/**
 * One simulated round: what the coordinator recorded and how the resulting global model scored centrally.
 *
 * @param record the coordinator's record of the round
 * @param central test-set scores of the global model after the round
 * @param loss mean test-set cross-entropy
 * @param elapsedSeconds seconds from the coordinator's start to the round's record (the new model), for
 *     time-to-accuracy comparisons; NaN when not measured
 */
public record RoundResult(RoundRecord record, EvaluationResult central, double loss, double elapsedSeconds) {
  /** A result without its elapsed time. */
  public RoundResult(RoundRecord record, EvaluationResult central, double loss) {
    this(record, central, loss, Double.NaN);
  }

  static RoundResult of(RoundRecord record, CentralEvaluator.CentralMetrics metrics, double elapsedSeconds) {
    return new RoundResult(record, metrics.evaluation(), metrics.loss(), elapsedSeconds);
  }

  /** Test accuracy of the global model. */
  public double accuracy() {
    return central.accuracy();
  }

  /** The row of metrics.csv. */
  public RoundRow toRow() {
    EvaluationSummary fed = record.federatedEvaluation();
    return new RoundRow(record.round(), central.accuracy(), loss, record.accepted(), record.seconds(),
        central.macroF1(), !record.completed(), Double.isNaN(record.trainLoss()) ? null : record.trainLoss(),
        fed == null || Double.isNaN(fed.accuracy()) ? null : fed.accuracy(),
        fed == null || Double.isNaN(fed.loss()) ? null : fed.loss(),
        Double.isNaN(record.epsilon()) ? null : record.epsilon(), record.bytesUp(), record.bytesDown(),
        record.invited(), record.late(), Double.isNaN(elapsedSeconds) ? null : elapsedSeconds);
  }
}
