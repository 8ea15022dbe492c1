package io.cohort.coordinator.round;

import io.cohort.coordinator.strategy.ClientFailure;
import io.cohort.coordinator.strategy.EvaluationSummary;
import java.util.List;

/**
 * What happened in one training round.
 *
 * @param round round number (1-based)
 * @param completed whether a new global model was aggregated
 * @param invited clients sampled
 * @param accepted clients whose update was folded
 * @param failures sampled clients without a usable update, with reasons
 * @param examples examples behind the aggregate
 * @param trainLoss example-weighted mean of the clients' training losses (NaN if none)
 * @param seconds wall time from sampling to the new model
 * @param modelVersion the global model version after the round
 * @param parameters the global parameters after the round (do not modify)
 * @param federatedEvaluation metrics of the federated evaluation after this round, or null
 * @param failureReason why the round failed, or null
 * @param epsilon the run's differential-privacy epsilon after this round (NaN without DP)
 * @param clipNorm the L2 clip norm clients used in this round (NaN without DP)
 * @param bytesUp bytes of update upload bodies the coordinator received for this round, accepted and refused, until
 *     the round was recorded
 * @param bytesDown bytes of model download bodies it served of the model this round trained, from when the previous
 *     round was recorded until this one was
 * @param late invited clients that had not answered when the round (or a secure-aggregation stage) closed without
 *     them: cut off by over-selection once the round had its updates, or past the deadline; not those that crashed,
 *     left or declined (0 for rounds restored from a checkpoint)
 */
public record RoundRecord(
    int round,
    boolean completed,
    int invited,
    int accepted,
    List<ClientFailure> failures,
    long examples,
    double trainLoss,
    double seconds,
    long modelVersion,
    float[] parameters,
    EvaluationSummary federatedEvaluation,
    String failureReason,
    double epsilon,
    double clipNorm,
    long bytesUp,
    long bytesDown,
    int late) {

  /** A record whose traffic is not counted yet (0 bytes each way; see {@link #withTraffic}) and without late clients. */
  public RoundRecord(int round, boolean completed, int invited, int accepted, List<ClientFailure> failures,
      long examples, double trainLoss, double seconds, long modelVersion, float[] parameters,
      EvaluationSummary federatedEvaluation, String failureReason, double epsilon, double clipNorm) {
    this(round, completed, invited, accepted, failures, examples, trainLoss, seconds, modelVersion, parameters,
        federatedEvaluation, failureReason, epsilon, clipNorm, 0, 0, 0);
  }

  /** A record with its traffic, without late clients (as restored from a checkpoint). */
  public RoundRecord(int round, boolean completed, int invited, int accepted, List<ClientFailure> failures,
      long examples, double trainLoss, double seconds, long modelVersion, float[] parameters,
      EvaluationSummary federatedEvaluation, String failureReason, double epsilon, double clipNorm, long bytesUp,
      long bytesDown) {
    this(round, completed, invited, accepted, failures, examples, trainLoss, seconds, modelVersion, parameters,
        federatedEvaluation, failureReason, epsilon, clipNorm, bytesUp, bytesDown, 0);
  }

  /** A record whose traffic is not counted yet, with its late clients. */
  public RoundRecord(int round, boolean completed, int invited, int accepted, List<ClientFailure> failures,
      long examples, double trainLoss, double seconds, long modelVersion, float[] parameters,
      EvaluationSummary federatedEvaluation, String failureReason, double epsilon, double clipNorm, int late) {
    this(round, completed, invited, accepted, failures, examples, trainLoss, seconds, modelVersion, parameters,
        federatedEvaluation, failureReason, epsilon, clipNorm, 0, 0, late);
  }

  /** This record with federated-evaluation metrics attached. */
  public RoundRecord withEvaluation(EvaluationSummary evaluation) {
    return new RoundRecord(round, completed, invited, accepted, failures, examples, trainLoss, seconds, modelVersion,
        parameters, evaluation, failureReason, epsilon, clipNorm, bytesUp, bytesDown, late);
  }

  /** This record with the round's bytes on the wire: update uploads received and model downloads served. */
  public RoundRecord withTraffic(long bytesUp, long bytesDown) {
    return new RoundRecord(round, completed, invited, accepted, failures, examples, trainLoss, seconds, modelVersion,
        parameters, federatedEvaluation, failureReason, epsilon, clipNorm, bytesUp, bytesDown, late);
  }
}
