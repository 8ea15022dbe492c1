package io.cohort.coordinator.round;

import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.UpdateHeader;
import java.util.List;

/**
 * An admitted upload in progress: where its chunks are assembled and the limits it must keep. The HTTP layer feeds
 * chunks to {@link #assembler()} on a worker thread and then completes or aborts the ticket with the driver. The
 * staging vector (one model's worth of floats) is allocated by the first chunk, on that worker, not on the event loop
 * that admitted the upload.
 */
public final class UploadTicket {
  private final FitRound round;
  private final UpdateHeader header;
  private final List<TensorShape> tensors;
  private final int parameterCount;
  private final long maxBodyBytes;
  private float[] staging;
  private TensorChunks.Assembler assembler;

  UploadTicket(FitRound round, UpdateHeader header, List<TensorShape> tensors, int parameterCount,
      long maxBodyBytes) {
    this.round = round;
    this.header = header;
    this.tensors = tensors;
    this.parameterCount = parameterCount;
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

  /** Validates and places the update's chunks; use from one worker thread at a time. */
  public TensorChunks.Assembler assembler() {
    if (assembler == null) {
      staging = new float[parameterCount];
      assembler = new TensorChunks.Assembler(tensors, staging);
    }
    return assembler;
  }

  /** Checks that the whole update arrived. */
  public void finish() throws ProtocolException {
    if (assembler == null) {
      throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
          "received 0 of the model's " + parameterCount + " elements");
    }
    assembler.finish();
  }

  /** The largest body this upload may have. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }
}
