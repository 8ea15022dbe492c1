package io.cohort.coordinator.round;

import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UpdateHeader;
import java.util.List;

/**
 * An admitted upload in progress: where its chunks are assembled and the limits it must keep. The HTTP layer feeds
 * chunks to {@link #accept} on a worker thread and then completes or aborts the ticket with the driver. The
 * staging vector (one model's worth of floats) is allocated by the first chunk, on that worker, not on the event loop
 * that admitted the upload.
 */
public final class UploadTicket {
  private final FitRound round;
  private final UpdateHeader header;
  private final List<TensorShape> tensors;
  private final int parameterCount;
  private final long maxBodyBytes;
  private final boolean masked;
  private final UpdateCompression compression;
  private float[] staging;
  private TensorChunks.Assembler assembler;
  private int[] maskedStaging;
  private TensorChunks.UInt32Assembler maskedAssembler;

  UploadTicket(FitRound round, UpdateHeader header, List<TensorShape> tensors, int parameterCount,
      long maxBodyBytes, UpdateCompression compression) {
    this.compression = compression;
    this.round = round;
    this.header = header;
    this.tensors = tensors;
    this.parameterCount = parameterCount;
    this.maxBodyBytes = maxBodyBytes;
    this.masked = round.secure != null;
  }

  FitRound round() {
    return round;
  }

  float[] staging() {
    return staging;
  }

  int[] maskedStaging() {
    return maskedStaging;
  }

  /** Whether this upload is a masked secure-aggregation vector rather than a plain update. */
  public boolean masked() {
    return masked;
  }

  /** Validates and places one chunk; use from one worker thread at a time. */
  public void accept(TensorChunk chunk) throws ProtocolException {
    if (masked) {
      if (maskedAssembler == null) {
        maskedStaging = new int[round.secure.parameters.vectorLength()];
        maskedAssembler = new TensorChunks.UInt32Assembler(SecureRound.MASKED_TENSOR, maskedStaging);
      }
      maskedAssembler.accept(chunk);
    } else {
      assembler().accept(chunk);
    }
  }

  /** The header the client sent. */
  public UpdateHeader header() {
    return header;
  }

  private TensorChunks.Assembler assembler() {
    if (assembler == null) {
      staging = new float[parameterCount];
      assembler = new TensorChunks.Assembler(tensors, staging, compression); // decodes a compressed update
    }
    return assembler;
  }

  /** Checks that the whole update arrived. */
  public void finish() throws ProtocolException {
    if (masked) {
      if (maskedAssembler == null) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "received 0 of the masked vector's " + round.secure.parameters.vectorLength() + " elements");
      }
      maskedAssembler.finish();
      return;
    }
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
