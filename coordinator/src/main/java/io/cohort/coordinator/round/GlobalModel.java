package io.cohort.coordinator.round;

import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.TensorShape;
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
 * @param frames the download body: a ModelHeader frame then TensorChunk frames (the parameters', then for SCAFFOLD
 *     the control variate's)
 * @param bytes total size of {@code frames}
 */
public record GlobalModel(long version, float[] parameters, List<Buffer> frames, long bytes) {

  /** Encodes {@code parameters}; slow for large models, so call it off the event loop. */
  public static GlobalModel encode(String runId, long version, ModelArchitecture model, float[] parameters) {
    return encode(runId, version, model, parameters, null);
  }

  /**
   * Encodes {@code parameters} and, for SCAFFOLD, the server's control variate after them (tensors {@code
   * scaffold/<name>}, announced by the header's {@code control_elements}); slow for large models, so call it off the
   * event loop.
   *
   * @param control the control variate, of the parameters' length, or null for none
   */
  public static GlobalModel encode(String runId, long version, ModelArchitecture model, float[] parameters,
      float[] control) {
    if (control != null && control.length != parameters.length) {
      throw new IllegalArgumentException("the control variate has " + control.length + " elements, the model "
          + parameters.length);
    }
    List<Buffer> frames = new ArrayList<>();
    frames.add(Buffer.buffer(Frames.encode(ModelHeader.newBuilder()
        .setRunId(runId)
        .setVersion(version)
        .setModel(model.toProto())
        .setTotalElements(parameters.length)
        .setControlElements(control == null ? 0 : control.length)
        .build())));
    for (TensorChunk chunk : TensorChunks.split(model.tensors(), parameters, TensorChunks.DEFAULT_CHUNK_ELEMENTS)) {
      frames.add(Buffer.buffer(Frames.encode(chunk)));
    }
    if (control != null) {
      // The control tensors of TensorChunks.withControlVariate, at offsets into c itself.
      List<TensorShape> controls = model.tensors().stream()
          .map(t -> new TensorShape(TensorChunks.CONTROL_PREFIX + t.name(), t.shape(), t.offset())).toList();
      for (TensorChunk chunk : TensorChunks.split(controls, control, TensorChunks.DEFAULT_CHUNK_ELEMENTS)) {
        frames.add(Buffer.buffer(Frames.encode(chunk)));
      }
    }
    long bytes = frames.stream().mapToLong(Buffer::length).sum();
    return new GlobalModel(version, parameters, List.copyOf(frames), bytes);
  }
}
