package io.cohort.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.cohort.protocol.compression.CompressedChunks;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.DType;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a flat parameter vector into {@link TensorChunk}s and assembles (and validates) one from chunks.
 *
 * <p>Chunks of one tensor travel in order of offset, tensors in the model's canonical order. Each chunk holds at most
 * {@link #DEFAULT_CHUNK_ELEMENTS} elements, well under {@link Frames#MAX_FRAME_BYTES}.
 */
public final class TensorChunks {
  /**
   * Elements per chunk: 64 Ki float32 = 256 KiB of data. Small enough that a receiver holds one frame at a time in an
   * ordinary young-generation allocation (a 4 MiB frame is a humongous object in G1, and a coordinator receiving
   * hundreds of them a second spent its time collecting them), large enough that framing costs nothing (0.01 %).
   */
  public static final int DEFAULT_CHUNK_ELEMENTS = 1 << 16;
  /** The name of the one UINT32 tensor a secure-aggregation client uploads: its masked vector. */
  public static final String MASKED_VECTOR = "secagg/masked";
  /** The prefix of the SCAFFOLD control-variate tensors that follow the parameter tensors ({@code scaffold/W0}). */
  public static final String CONTROL_PREFIX = "scaffold/";

  private TensorChunks() {}

  /**
   * The layout of a SCAFFOLD exchange: {@code tensors} (the parameters, {@code P} elements from offset 0), then each
   * of them again named {@link #CONTROL_PREFIX}{@code <name>} at offset {@code P + offset}, for the control variate.
   */
  public static List<TensorShape> withControlVariate(List<TensorShape> tensors) {
    TensorShape last = tensors.get(tensors.size() - 1);
    int parameters = last.offset() + last.size();
    List<TensorShape> out = new ArrayList<>(tensors);
    for (TensorShape t : tensors) {
      out.add(new TensorShape(CONTROL_PREFIX + t.name(), t.shape(), Math.addExact(parameters, t.offset())));
    }
    return List.copyOf(out);
  }

  /** The chunks of {@code values} laid out as {@code tensors}, at most {@code maxElements} elements each. */
  public static List<TensorChunk> split(List<TensorShape> tensors, float[] values, int maxElements) {
    if (maxElements < 1) {
      throw new IllegalArgumentException("maxElements must be positive, got " + maxElements);
    }
    List<TensorChunk> chunks = new ArrayList<>();
    for (TensorShape t : tensors) {
      for (int start = 0; start < t.size(); start += maxElements) {
        chunks.add(chunk(t, values, start, Math.min(maxElements, t.size() - start)));
      }
    }
    return chunks;
  }

  /** One chunk: elements {@code [start, start + count)} of tensor {@code t} taken from the flat vector. */
  public static TensorChunk chunk(TensorShape t, float[] values, int start, int count) {
    ByteBuffer bytes = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values, t.offset() + start, count);
    TensorChunk.Builder b = TensorChunk.newBuilder()
        .setName(t.name())
        .setDtype(DType.FLOAT32)
        .setOffset(start)
        .setData(UnsafeByteOperations.unsafeWrap(bytes.array()));
    for (int d : t.dims()) {
      b.addShape(d);
    }
    return b.build();
  }

  /**
   * One UINT32 chunk of a single-tensor vector {@code name} of shape {@code [values.length]}: elements
   * {@code [start, start + count)}. Used for masked secure-aggregation vectors, whose arithmetic is mod 2^32.
   */
  public static TensorChunk chunkUInt32(String name, int[] values, int start, int count) {
    ByteBuffer bytes = ByteBuffer.allocate(count * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asIntBuffer().put(values, start, count);
    return TensorChunk.newBuilder()
        .setName(name)
        .addShape(values.length)
        .setDtype(DType.UINT32)
        .setOffset(start)
        .setData(UnsafeByteOperations.unsafeWrap(bytes.array()))
        .build();
  }

  /**
   * Receives the UINT32 chunks of one vector {@code name} of {@code target.length} elements, in order of offset.
   * Every bit pattern is a valid element (arithmetic is mod 2^32), so there is no finiteness check. Not thread-safe.
   */
  public static final class UInt32Assembler {
    private final String name;
    private final int[] target;
    private int nextOffset;

    public UInt32Assembler(String name, int[] target) {
      this.name = name;
      this.target = target;
    }

    /** Validates one chunk and copies its values into place. */
    public void accept(TensorChunk chunk) throws ProtocolException {
      if (!name.equals(chunk.getName())) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "expected a chunk of '" + name + "' but got '" + chunk.getName() + "'");
      }
      if (chunk.getShapeCount() != 1 || chunk.getShape(0) != target.length) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, "'" + name + "' has shape " + chunk.getShapeList()
            + ", this round expects [" + target.length + "]");
      }
      if (chunk.getDtype() != DType.UINT32) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "'" + name + "' has dtype " + chunk.getDtype() + ", a masked vector is UINT32");
      }
      if (chunk.getOffset() != nextOffset) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "chunk of '" + name + "' starts at element " + chunk.getOffset() + ", expected " + nextOffset);
      }
      ByteString data = chunk.getData();
      int count = data.size() / Integer.BYTES;
      if (data.size() % Integer.BYTES != 0 || count == 0 || count > target.length - nextOffset) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, "chunk of '" + name + "' has " + data.size()
            + " bytes at element " + nextOffset + "; the vector has " + target.length + " UINT32 elements");
      }
      data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(target, nextOffset, count);
      nextOffset += count;
    }

    /** Checks the whole vector arrived. */
    public void finish() throws ProtocolException {
      if (nextOffset != target.length) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "received " + nextOffset + " of the " + target.length + " elements of '" + name + "'");
      }
    }
  }

  /**
   * Receives chunks into a flat vector, checking each against the expected tensors: name and order, shape, dtype,
   * offset, size and finiteness. A chunk that fails may have written some of its values before the bad one, so a
   * caller that sees a failure discards the whole target (the coordinator's staging vector). Not thread-safe.
   *
   * <p>In a round with compressed updates every chunk must have the round's compressed dtype and is decoded to floats
   * here ({@link CompressedChunks}), so whatever folds the vector sees a dense update.
   */
  public static final class Assembler {
    private final List<TensorShape> tensors;
    private final float[] target;
    private final UpdateCompression compression;
    private final CompressedChunks.Decoder decoder; // null for FLOAT32 chunks
    private int tensorIndex;
    private int nextOffset;
    private long received;

    /** Assembles FLOAT32 chunks into {@code target}, which must hold the whole model. */
    public Assembler(List<TensorShape> tensors, float[] target) {
      this(tensors, target, UpdateCompression.NONE);
    }

    /**
     * Assembles chunks encoded as {@code compression} says (FLOAT32 for {@link UpdateCompression#NONE}) into {@code
     * target}, which must hold the whole model.
     */
    public Assembler(List<TensorShape> tensors, float[] target, UpdateCompression compression) {
      this.compression = java.util.Objects.requireNonNull(compression, "compression");
      this.tensors = List.copyOf(tensors);
      TensorShape last = this.tensors.get(this.tensors.size() - 1);
      if (target.length < last.offset() + last.size()) {
        throw new IllegalArgumentException("target holds " + target.length + " elements, model needs "
            + (last.offset() + last.size()));
      }
      this.target = target;
      this.decoder = compression.enabled()
          ? new CompressedChunks.Decoder(compression, last.offset() + last.size()) : null;
    }

    /** Validates one chunk and copies (or decodes) its values into place. */
    public void accept(TensorChunk chunk) throws ProtocolException {
      while (tensorIndex < tensors.size() && nextOffset == tensors.get(tensorIndex).size()) {
        tensorIndex++;
        nextOffset = 0;
      }
      if (tensorIndex >= tensors.size()) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "chunk of tensor '" + chunk.getName() + "' after every tensor of the model was complete");
      }
      TensorShape expected = tensors.get(tensorIndex);
      if (!expected.name().equals(chunk.getName())) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "expected a chunk of tensor '" + expected.name() + "' but got '" + chunk.getName() + "'");
      }
      if (!sameShape(expected, chunk.getShapeList())) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "tensor '" + expected.name() + "' has shape " + chunk.getShapeList() + ", the model expects "
                + expected.shape());
      }
      DType wanted = compression.kind().dtype();
      if (chunk.getDtype() != wanted) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, "tensor '" + expected.name() + "' has dtype "
            + chunk.getDtype() + (compression.enabled() ? ", but this round's updates are compressed as "
                + compression + ": " + wanted + " chunks" : ", the model expects FLOAT32"));
      }
      if (chunk.getOffset() != nextOffset) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, "chunk of tensor '" + expected.name()
            + "' starts at element " + chunk.getOffset() + ", expected " + nextOffset);
      }
      if (decoder != null) {
        int covered = decoder.decode(chunk, expected.name(), nextOffset, expected.size() - nextOffset, target,
            expected.offset() + nextOffset);
        nextOffset += covered;
        received += covered;
        return;
      }
      ByteString data = chunk.getData();
      if (data.size() % Float.BYTES != 0) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "chunk of tensor '" + expected.name() + "' has " + data.size() + " bytes, not a whole number of float32");
      }
      int count = data.size() / Float.BYTES;
      if (count == 0 || count > expected.size() - nextOffset) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, "chunk of tensor '" + expected.name() + "' holds "
            + count + " elements at offset " + nextOffset + " but the tensor has " + expected.size());
      }
      FloatBuffer floats = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      int base = expected.offset() + nextOffset;
      for (int i = 0; i < count; i++) {
        float v = floats.get(i);
        if (!Float.isFinite(v)) {
          throw new ProtocolException(ErrorCode.NON_FINITE, "tensor '" + expected.name() + "' element "
              + (nextOffset + i) + " is " + v + "; updates must be finite");
        }
        target[base + i] = v;
      }
      nextOffset += count;
      received += count;
    }

    /** Checks every tensor arrived whole. */
    public void finish() throws ProtocolException {
      long expected = 0;
      for (TensorShape t : tensors) {
        expected += t.size();
      }
      if (received != expected) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH,
            "received " + received + " of the model's " + expected + " elements");
      }
    }

    /** Elements accepted so far. */
    public long received() {
      return received;
    }

    private static boolean sameShape(TensorShape expected, List<Long> shape) {
      if (shape.size() != expected.shape().size()) {
        return false;
      }
      for (int i = 0; i < shape.size(); i++) {
        if (shape.get(i) != (long) expected.shape().get(i)) {
          return false;
        }
      }
      return true;
    }
  }
}
