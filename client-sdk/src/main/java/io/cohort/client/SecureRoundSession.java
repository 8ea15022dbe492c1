package io.cohort.client;

import io.cohort.crypto.secagg.KeyAdvertisement;
import io.cohort.crypto.secagg.Quantizer;
import io.cohort.crypto.secagg.SecAggClient;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.SecureAggregation;
import java.security.SecureRandom;

/** One client's part in one secure-aggregation round: the SecAgg+ client state and the round's encoding. */
final class SecureRoundSession {
  private static final SecureRandom RANDOM = new SecureRandom();

  final String runId;
  final int round;
  final FitTask task;
  final SecAggClient secAgg;
  final String selfId;
  final Quantizer quantizer;

  private SecureRoundSession(FitTask task, String selfId, SecAggClient secAgg, Quantizer quantizer) {
    this.selfId = selfId;
    this.runId = task.getRunId();
    this.round = task.getRound();
    this.task = task;
    this.secAgg = secAgg;
    this.quantizer = quantizer;
  }

  /**
   * Checks the coordinator's secure-aggregation settings against this client and the model, and starts the session.
   *
   * @throws IllegalArgumentException if the settings are inconsistent (the client then declines the round)
   */
  static SecureRoundSession start(FitTask task, String clientId, int modelParameters) {
    SecureAggregation s = task.getSecureAggregation();
    if (!s.getParticipantsList().contains(clientId)) {
      throw new IllegalArgumentException("this client (" + clientId + ") is not among the round's participants");
    }
    int bit = task.hasDifferentialPrivacy() && task.getDifferentialPrivacy().getAdaptive() ? 1 : 0;
    if (s.getVectorLength() != modelParameters + bit + 1) {
      throw new IllegalArgumentException("vector_length " + s.getVectorLength() + " does not fit a model of "
          + modelParameters + " parameters" + (bit == 1 ? ", the clipping bit" : "") + " plus the weight");
    }
    SecAggParameters parameters = new SecAggParameters(task.getRunId(), task.getRound(), s.getParticipantsList(),
        s.getNeighbours(), s.getThreshold(), s.getGraphSeed(), s.getVectorLength());
    Quantizer quantizer = new Quantizer(s.getClipRange(), s.getMaxWeight(), s.getParticipantsCount());
    return new SecureRoundSession(task, clientId, new SecAggClient(parameters, clientId, RANDOM), quantizer);
  }

  private KeyAdvertisement keys;

  /** Stage 1: this round's public keys (made once; a resend sends the same ones). */
  KeyAdvertisement advertise() {
    if (keys == null) {
      keys = secAgg.advertiseKeys();
    }
    return keys;
  }

  /** The keys already advertised. */
  KeyAdvertisement keys() {
    return advertise();
  }

  /** Whether {@code task} is the very round this session was made for, with the same cohort, for {@code clientId}. */
  boolean isFor(FitTask task, String clientId) {
    return isFor(task.getRunId(), task.getRound())
        && this.task.getSecureAggregation().equals(task.getSecureAggregation()) && selfId.equals(clientId);
  }

  boolean isFor(String runId, int round) {
    return this.runId.equals(runId) && this.round == round;
  }
}
