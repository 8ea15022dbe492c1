package io.cohort.coordinator.round;

import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.TensorChunk;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One version of the global model and its download body, encoded once and shared by every client that fetches it.
 *
 * @param version model version (0 is the initial model)
 * @param parameters flat parameters (do not modify)
 * @param frames the download body: a ModelHeader frame then TensorChunk frames
 * @param bytes total size of {@code frames}
 */
public record GlobalModel(long version, float[] parameters, List<Buffer> frames, long bytes) {

  /** Encodes {@code parameters}; slow for large models, so call it off the event loop. */
  public static GlobalModel encode(String runId, long version, ModelArchitecture model, float[] parameters) {
    List<Buffer> frames = new ArrayList<>();
    frames.add(Buffer.buffer(Frames.encode(ModelHeader.newBuilder()
        .setRunId(runId)
        .setVersion(version)
        .setModel(model.toProto())
        .setTotalElements(parameters.length)
        .build())));
    for (TensorChunk chunk : TensorChunks.split(model.tensors(), parameters, TensorChunks.DEFAULT_CHUNK_ELEMENTS)) {
      frames.add(Buffer.buffer(Frames.encode(chunk)));
    }
    long bytes = frames.stream().mapToLong(Buffer::length).sum();
    return new GlobalModel(version, parameters, List.copyOf(frames), bytes);
  }
}
