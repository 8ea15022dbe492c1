package io.cohort.coordinator.checkpoint;

/** A checkpoint file that is damaged, truncated or not a checkpoint; the message names the file and the fault. */
public final class CorruptCheckpointException extends Exception {
  public CorruptCheckpointException(String message) {
    super(message);
  }

  public CorruptCheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
