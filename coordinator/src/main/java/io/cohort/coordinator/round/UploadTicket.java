package io.cohort.coordinator.round;

import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.v1.UpdateHeader;

/**
 * An admitted upload in progress: where its chunks are assembled and the limits it must keep. The HTTP layer feeds
 * chunks to {@link #assembler()} on a worker thread and then completes or aborts the ticket with the driver.
 */
public final class UploadTicket {
  private final FitRound round;
  private final UpdateHeader header;
  private final float[] staging;
  private final TensorChunks.Assembler assembler;
  private final long maxBodyBytes;

  UploadTicket(FitRound round, UpdateHeader header, float[] staging, TensorChunks.Assembler assembler,
      long maxBodyBytes) {
    this.round = round;
    this.header = header;
    this.staging = staging;
    this.assembler = assembler;
    this.maxBodyBytes = maxBodyBytes;
  }

  FitRound round() {
    return round;
  }

  float[] staging() {
    return staging;
  }

  /** The header the client sent. */
  public UpdateHeader header() {
    return header;
  }

  /** Validates and places the update's chunks; use from one thread at a time. */
  public TensorChunks.Assembler assembler() {
    return assembler;
  }

  /** The largest body this upload may have. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }
}
