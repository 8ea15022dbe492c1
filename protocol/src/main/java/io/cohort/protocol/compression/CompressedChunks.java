package io.cohort.protocol.compression;

import com.google.protobuf.ByteString;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.TensorChunk;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Validates and decodes the compressed chunks of one update into floats, so that whatever folds the update (every
 * strategy) sees a dense float vector. Each refusal says what the round's encoding expected: a wrong element count,
 * data length, number of scales or a position outside the chunk is {@code SHAPE_MISMATCH}; a level the encoding never
 * sends, a negative scale, padding bits set or positions that are not strictly ascending are {@code MALFORMED}; a
 * non-finite scale or value is {@code NON_FINITE}.
 */
public final class CompressedChunks {
  private CompressedChunks() {}

  /**
   * Decodes the chunks of one update in a round compressed with {@code compression}; it also counts the elements a
   * top-k update sends, which may not exceed k. Not thread-safe.
   */
  public static final class Decoder {
    private final UpdateCompression compression;
    private final long budget;
    private long sent;

    /** A decoder for one update of {@code elements} elements. */
    public Decoder(UpdateCompression compression, int elements) {
      if (!compression.enabled()) {
        throw new IllegalArgumentException("uncompressed chunks are FLOAT32; use the plain assembler");
      }
      this.compression = compression;
      this.budget = compression.kind() == UpdateCompression.Kind.TOP_K ? compression.k(elements) : Long.MAX_VALUE;
    }

    /**
     * Checks {@code chunk} (whose name, shape, dtype and offset the caller has checked) and writes the {@code count}
     * elements it covers to {@code target[base, base + count)}.
     *
     * @param tensor the tensor's name, for messages
     * @param offset the chunk's offset in the tensor, for messages
     * @param remaining elements of the tensor from the chunk's offset on
     * @return the number of elements the chunk covers
     */
    public int decode(TensorChunk chunk, String tensor, long offset, int remaining, float[] target, int base)
        throws ProtocolException {
      long count = chunk.getCount();
      String where = "chunk of tensor '" + tensor + "' at element " + offset;
      if (count < 1 || count > remaining) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, where + " covers " + count + " elements, but "
            + remaining + " of the tensor remain; a " + compression.kind().dtype() + " chunk gives the elements it "
            + "covers (1.." + remaining + ") in count");
      }
      int n = (int) count;
      if (compression.kind().quantizes()) {
        decodeQuantized(chunk, where, n, target, base);
      } else {
        decodeSparse(chunk, where, n, target, base);
      }
      return n;
    }

    private void decodeQuantized(TensorChunk chunk, String where, int n, float[] target, int base)
        throws ProtocolException {
      boolean four = compression.kind() == UpdateCompression.Kind.Q4;
      int levels = compression.kind().levels();
      ByteString data = chunk.getData();
      long bytes = four ? (n + 1L) / 2 : n;
      if (data.size() != bytes) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, where + " has " + data.size() + " data bytes, but "
            + n + " " + compression.kind().dtype() + " elements take " + bytes
            + (four ? " (two 4-bit values a byte)" : " (one byte each)"));
      }
      int block = compression.blockSize();
      int blocks = (n + block - 1) / block;
      if (chunk.getScalesCount() != blocks) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, where + " has " + chunk.getScalesCount()
            + " scales, but " + n + " elements in blocks of " + block + " need " + blocks);
      }
      if (chunk.getIndexDeltasCount() != 0) {
        throw new ProtocolException(ErrorCode.MALFORMED, where + " carries index_deltas, which only "
            + "SPARSE_FLOAT32 chunks have");
      }
      for (int b = 0; b < blocks; b++) {
        float s = chunk.getScales(b);
        if (!Float.isFinite(s)) {
          throw new ProtocolException(ErrorCode.NON_FINITE, where + ": scale " + b + " is " + s
              + "; scales must be finite");
        }
        if (s < 0) {
          throw new ProtocolException(ErrorCode.MALFORMED, where + ": scale " + b + " is " + s
              + "; a scale is the block's largest magnitude, so >= 0");
        }
      }
      byte[] raw = data.toByteArray();
      if (four && (n & 1) == 1 && (raw[raw.length - 1] & 0xf0) != 0) {
        throw new ProtocolException(ErrorCode.MALFORMED, where + ": the high nibble after the last of its " + n
            + " 4-bit values must be 0");
      }
      for (int i = 0; i < n; i++) {
        int q = four ? StochasticQuantizer.nibble(raw, i) : raw[i];
        if (q < -levels) {
          throw new ProtocolException(ErrorCode.MALFORMED, where + ": element " + i + " has level " + q
              + "; " + compression.kind().dtype() + " levels are in [-" + levels + ", " + levels + "]");
        }
        target[base + i] = StochasticQuantizer.dequantize(q, chunk.getScales(i / block), levels);
      }
    }

    private void decodeSparse(TensorChunk chunk, String where, int n, float[] target, int base)
        throws ProtocolException {
      int m = chunk.getIndexDeltasCount();
      ByteString data = chunk.getData();
      if (data.size() != (long) m * Float.BYTES) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, where + " lists " + m + " positions but has "
            + data.size() + " data bytes; each listed element takes 4 (float32)");
      }
      if (chunk.getScalesCount() != 0) {
        throw new ProtocolException(ErrorCode.MALFORMED, where + " carries scales, which only quantised chunks have");
      }
      if (sent + m > budget) {
        throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, where + " brings the update to " + (sent + m)
            + " elements sent, but this round's " + compression + " compression sends at most " + budget);
      }
      sent += m;
      java.util.Arrays.fill(target, base, base + n, 0f);
      FloatBuffer values = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      long position = -1;
      for (int j = 0; j < m; j++) {
        long delta = Integer.toUnsignedLong(chunk.getIndexDeltas(j));
        if (j > 0 && delta == 0) {
          throw new ProtocolException(ErrorCode.MALFORMED, where + ": index delta " + j + " is 0, a duplicate "
              + "position; positions must be strictly ascending (each delta after the first >= 1)");
        }
        position = j == 0 ? delta : position + delta;
        if (position >= n) {
          throw new ProtocolException(ErrorCode.SHAPE_MISMATCH, where + ": listed element " + j + " is at position "
              + position + ", outside the chunk's " + n + " elements");
        }
        float v = values.get(j);
        if (!Float.isFinite(v)) {
          throw new ProtocolException(ErrorCode.NON_FINITE, where + ": the value at position " + position + " is "
              + v + "; updates must be finite");
        }
        target[base + (int) position] = v;
      }
    }
  }
}
