package io.cohort.coordinator.checkpoint;

import io.cohort.protocol.v1.CheckpointHeader;

/**
 * One checkpoint: the run state in {@code header} and the global model's flat parameters.
 *
 * @param header run id, rounds done, model version and spec, round history, privacy ledger
 * @param parameters the global model after {@code header.getRoundsDone()} rounds (do not modify)
 */
public record Checkpoint(CheckpointHeader header, float[] parameters) {
  public Checkpoint {
    if (header.getTotalElements() != parameters.length) {
      throw new IllegalArgumentException("header says " + header.getTotalElements() + " parameters, got "
          + parameters.length);
    }
  }
}
