package io.cohort.protocol.compression;

import com.google.protobuf.UnsafeByteOperations;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * An update as a client sends it in a compressed round: the values and how to encode them, turned into {@link
 * TensorChunk}s on demand. Encoding is deterministic (the quantisers' rounding is drawn from a seed per chunk), so a
 * signing client can encode once to hash and again to send, and get the same bytes.
 *
 * <p>Chunk layout is the one of dense updates: each tensor, in model order, in chunks of at most {@code maxElements}
 * elements; a compressed chunk gives the number of elements it covers in {@code count} (see {@code cohort.proto}).
 */
public final class CompressedUpdate {
  private final UpdateCompression compression;
  private final float[] values;
  private final long seed;
  private final int[] positions;

  private CompressedUpdate(UpdateCompression compression, float[] values, long seed, int[] positions) {
    this.compression = compression;
    this.values = values;
    this.seed = seed;
    this.positions = positions;
  }

  /**
   * {@code values} stochastically quantised by {@code compression} (Q8 or Q4), with the rounding drawn from {@code
   * seed}. The array is read when chunks are made; do not change it meanwhile.
   */
  public static CompressedUpdate quantized(float[] values, UpdateCompression compression, long seed) {
    Objects.requireNonNull(values, "values");
    if (!compression.kind().quantizes()) {
      throw new IllegalArgumentException("quantized() takes q8 or q4 compression, got " + compression);
    }
    return new CompressedUpdate(compression, values, seed, null);
  }

  /**
   * The elements of {@code values} at {@code positions} (ascending, distinct, at most {@code compression.k(n)} of
   * them), every other element sent as 0: top-k sparsification. The arrays are read when chunks are made.
   */
  public static CompressedUpdate sparse(float[] values, int[] positions, UpdateCompression compression) {
    Objects.requireNonNull(values, "values");
    if (compression.kind() != UpdateCompression.Kind.TOP_K) {
      throw new IllegalArgumentException("sparse() takes top-k compression, got " + compression);
    }
    if (positions.length > compression.k(values.length)) {
      throw new IllegalArgumentException(positions.length + " positions, but " + compression + " sends at most "
          + compression.k(values.length) + " of " + values.length);
    }
    for (int i = 0; i < positions.length; i++) {
      if (positions[i] < 0 || positions[i] >= values.length || (i > 0 && positions[i] <= positions[i - 1])) {
        throw new IllegalArgumentException("positions must be ascending, distinct and in 0.." + (values.length - 1)
            + "; position " + i + " is " + positions[i]);
      }
    }
    return new CompressedUpdate(compression, values, 0, positions);
  }

  /** The encoding. */
  public UpdateCompression compression() {
    return compression;
  }

  /** The chunks of this update laid out as {@code tensors}, made one at a time as the iterator advances. */
  public Iterator<TensorChunk> chunks(List<TensorShape> tensors, int maxElements) {
    if (maxElements < 1) {
      throw new IllegalArgumentException("maxElements must be positive, got " + maxElements);
    }
    List<TensorShape> layout = List.copyOf(tensors);
    return new Iterator<>() {
      private int tensor;
      private int offset;

      @Override
      public boolean hasNext() {
        while (tensor < layout.size() && offset >= layout.get(tensor).size()) {
          tensor++;
          offset = 0;
        }
        return tensor < layout.size();
      }

      @Override
      public TensorChunk next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        TensorShape t = layout.get(tensor);
        int count = Math.min(maxElements, t.size() - offset);
        TensorChunk chunk = chunk(t, offset, count);
        offset += count;
        return chunk;
      }
    };
  }

  /** Every chunk at once (see {@link #chunks}). */
  public List<TensorChunk> split(List<TensorShape> tensors, int maxElements) {
    List<TensorChunk> out = new ArrayList<>();
    chunks(tensors, maxElements).forEachRemaining(out::add);
    return out;
  }

  /** The chunk of elements {@code [start, start + count)} of tensor {@code t}. */
  TensorChunk chunk(TensorShape t, int start, int count) {
    int from = t.offset() + start;
    if (from + count > values.length) {
      throw new IllegalArgumentException("tensor '" + t.name() + "' reaches element " + (from + count)
          + " but the update has " + values.length);
    }
    TensorChunk.Builder b = TensorChunk.newBuilder()
        .setName(t.name())
        .setDtype(compression.kind().dtype())
        .setOffset(start)
        .setCount(count);
    for (int d : t.dims()) {
      b.addShape(d);
    }
    if (compression.kind().quantizes()) {
      StochasticQuantizer.Quantized q = StochasticQuantizer.quantize(values, from, count,
          compression.kind().levels(), compression.blockSize(), new SplittableRandom(chunkSeed(from)));
      byte[] data = compression.kind() == UpdateCompression.Kind.Q4
          ? StochasticQuantizer.packNibbles(q.levels()) : q.levels();
      b.setData(UnsafeByteOperations.unsafeWrap(data));
      for (float s : q.scales()) {
        b.addScales(s);
      }
      return b.build();
    }
    int first = lowerBound(positions, from);
    int last = lowerBound(positions, from + count);
    ByteBuffer data = ByteBuffer.allocate((last - first) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    int previous = from;
    for (int i = first; i < last; i++) {
      b.addIndexDeltas(positions[i] - previous);
      previous = positions[i];
      data.putFloat(values[positions[i]]);
    }
    return b.setData(UnsafeByteOperations.unsafeWrap(data.array())).build();
  }

  private long chunkSeed(int from) {
    long h = seed ^ (from * 0x9E3779B97F4A7C15L);
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    return h ^ (h >>> 33);
  }

  private static int lowerBound(int[] sorted, int key) {
    int i = Arrays.binarySearch(sorted, key);
    return i >= 0 ? i : -i - 1;
  }
}
