package io.cohort.coordinator.round;

import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.crypto.secagg.Quantizer;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.crypto.secagg.SecAggServer;
import io.cohort.protocol.v1.SecureAggregation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The secure-aggregation side of an open training round: the SecAgg+ server state, the stage the round is in, whom
 * that stage still waits for, and the running sum of masked vectors mod 2^32. Confined to the coordinator's context,
 * except {@link #fold}, which runs on a worker (folds are ordered, one at a time).
 */
final class SecureRound {
  /** Masked vectors travel as this one UINT32 tensor. */
  static final String MASKED_TENSOR = io.cohort.protocol.TensorChunks.MASKED_VECTOR;

  enum Stage { ADVERTISE_KEYS, SHARE_KEYS, MASKED_INPUT, UNMASK }

  final SecAggParameters parameters;
  final SecAggServer server;
  final Quantizer quantizer;
  final SecureAggregation wire;
  Stage stage = Stage.ADVERTISE_KEYS;
  /** Clients whose answer the open stage still waits for. */
  final Set<String> waitingFor;
  /** The masked-input stage admits no more uploads (deadline passed); it ends when the folds in flight are done. */
  boolean maskedInputClosing;
  long stageTimer = -1;
  private int[] maskedSum;

  private SecureRound(SecAggParameters parameters, Quantizer quantizer, SecureAggregation wire) {
    this.parameters = parameters;
    this.server = new SecAggServer(parameters);
    this.quantizer = quantizer;
    this.wire = wire;
    this.waitingFor = new HashSet<>(parameters.participants());
  }

  /**
   * Sets up a secure round over {@code invited} (at least two clients) whose clients each contribute {@code
   * coordinates} values (the model's parameters, plus a centred bit with adaptive DP clipping) and a weight.
   */
  static SecureRound begin(String runId, int round, List<String> invited, int coordinates,
      SecureAggregationSettings settings, long graphSeed) {
    List<String> participants = new ArrayList<>(invited);
    participants.sort(null);
    int n = participants.size();
    int k = settings.neighbours() == 0 ? SecAggParameters.defaultNeighbours(n) : Math.min(settings.neighbours(), n - 1);
    int t = settings.threshold() == 0 ? SecAggParameters.defaultThreshold(k) : Math.min(settings.threshold(), k);
    long maxWeight = Math.min(settings.maxWeight(), (Integer.MAX_VALUE - 1L) / n);
    int vectorLength = coordinates + 1;
    SecAggParameters parameters = new SecAggParameters(runId, round, participants, k, t, graphSeed, vectorLength);
    Quantizer quantizer = new Quantizer(settings.clipRange(), maxWeight, n);
    SecureAggregation wire = SecureAggregation.newBuilder()
        .addAllParticipants(participants)
        .setNeighbours(k)
        .setThreshold(t)
        .setGraphSeed(graphSeed)
        .setVectorLength(vectorLength)
        .setClipRange(settings.clipRange())
        .setMaxWeight(maxWeight)
        .build();
    return new SecureRound(parameters, quantizer, wire);
  }

  /** Adds one masked vector into the running sum, mod 2^32. Runs on a worker; folds never overlap. */
  void fold(int[] masked) {
    if (maskedSum == null) {
      maskedSum = new int[parameters.vectorLength()];
    }
    MaskedSum.add(maskedSum, masked);
  }

  /** The masked sum so far (null before the first fold). */
  int[] maskedSum() {
    return maskedSum;
  }
}
