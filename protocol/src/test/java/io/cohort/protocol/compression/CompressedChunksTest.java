package io.cohort.protocol.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.DType;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.TensorChunk;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each kind of bad compressed chunk is refused with its code and a message saying what was expected. */
class CompressedChunksTest {
  private static final ModelArchitecture LOGREG = ModelArchitecture.logreg(List.of(4), 3); // W [4,3], b [3]
  private static final float[] X = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 0.5f, 0.25f, -0.125f};

  private static List<TensorChunk> encoded(UpdateCompression c) {
    if (c.kind() == UpdateCompression.Kind.TOP_K) {
      return CompressedUpdate.sparse(X, TopK.select(X, c.k(X.length)), c).split(LOGREG.tensors(), 1 << 20);
    }
    return CompressedUpdate.quantized(X, c, 1).split(LOGREG.tensors(), 1 << 20);
  }

  private static void assertRefused(UpdateCompression c, List<TensorChunk> chunks, ErrorCode code, String part) {
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(LOGREG.tensors(), new float[15], c);
    assertThatThrownBy(() -> {
      for (TensorChunk chunk : chunks) {
        assembler.accept(chunk);
      }
      assembler.finish();
    }).isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContaining(part);
  }

  private static List<TensorChunk> withFirst(List<TensorChunk> chunks, TensorChunk first) {
    List<TensorChunk> out = new ArrayList<>(chunks);
    out.set(0, first);
    return out;
  }

  @Test
  void float32Chunk_inAQ8Round_refusedNamingTheExpectedEncoding() {
    List<TensorChunk> dense = TensorChunks.split(LOGREG.tensors(), X, 1 << 20);
    assertRefused(UpdateCompression.q8(), dense, ErrorCode.SHAPE_MISMATCH,
        "dtype FLOAT32, but this round's updates are compressed as q8: QINT8 chunks");
  }

  @Test
  void q8Chunk_inAPlainRound_refused() {
    assertRefused(UpdateCompression.NONE, encoded(UpdateCompression.q8()), ErrorCode.SHAPE_MISMATCH,
        "dtype QINT8, the model expects FLOAT32");
  }

  @Test
  void countBeyondTheTensor_refused() {
    List<TensorChunk> c = encoded(UpdateCompression.q8());
    assertRefused(UpdateCompression.q8(), withFirst(c, c.get(0).toBuilder().setCount(13).build()),
        ErrorCode.SHAPE_MISMATCH, "covers 13 elements, but 12 of the tensor remain");
  }

  @Test
  void q8WrongDataLength_refused() {
    List<TensorChunk> c = encoded(UpdateCompression.q8());
    TensorChunk shorter = c.get(0).toBuilder().setData(c.get(0).getData().substring(0, 11)).build();
    assertRefused(UpdateCompression.q8(), withFirst(c, shorter), ErrorCode.SHAPE_MISMATCH,
        "has 11 data bytes, but 12 QINT8 elements take 12");
  }

  @Test
  void q4WrongPackedLength_refused() {
    List<TensorChunk> c = encoded(UpdateCompression.q4());
    TensorChunk longer = c.get(0).toBuilder().setData(c.get(0).getData().concat(ByteString.copyFrom(new byte[1])))
        .build();
    assertRefused(UpdateCompression.q4(), withFirst(c, longer), ErrorCode.SHAPE_MISMATCH,
        "has 7 data bytes, but 12 QINT4 elements take 6 (two 4-bit values a byte)");
  }

  @Test
  void q4PaddingNibbleSet_refused() {
    List<TensorChunk> c = encoded(UpdateCompression.q4()); // b has 3 elements: 2 bytes, the last high nibble unused
    byte[] data = c.get(1).getData().toByteArray();
    data[1] |= 0x10;
    List<TensorChunk> bad = new ArrayList<>(c);
    bad.set(1, c.get(1).toBuilder().setData(ByteString.copyFrom(data)).build());
    assertRefused(UpdateCompression.q4(), bad, ErrorCode.MALFORMED, "high nibble after the last of its 3");
  }

  @Test
  void levelOutsideTheRange_refused() {
    List<TensorChunk> c = encoded(UpdateCompression.q8());
    byte[] data = c.get(0).getData().toByteArray();
    data[2] = -128;
    assertRefused(UpdateCompression.q8(), withFirst(c, c.get(0).toBuilder().setData(ByteString.copyFrom(data))
        .build()), ErrorCode.MALFORMED, "element 2 has level -128; QINT8 levels are in [-127, 127]");
    List<TensorChunk> c4 = encoded(UpdateCompression.q4());
    byte[] packed = c4.get(0).getData().toByteArray();
    packed[0] = (byte) ((packed[0] & 0xf0) | 0x08);
    assertRefused(UpdateCompression.q4(), withFirst(c4, c4.get(0).toBuilder().setData(ByteString.copyFrom(packed))
        .build()), ErrorCode.MALFORMED, "element 0 has level -8; QINT4 levels are in [-7, 7]");
  }

  @Test
  void wrongNumberOfScales_refused() {
    List<TensorChunk> c = encoded(UpdateCompression.q8());
    assertRefused(UpdateCompression.q8(), withFirst(c, c.get(0).toBuilder().addScales(1f).build()),
        ErrorCode.SHAPE_MISMATCH, "has 2 scales, but 12 elements in blocks of 256 need 1");
  }

  @Test
  void nonFiniteOrNegativeScale_refused() {
    List<TensorChunk> c = encoded(UpdateCompression.q8());
    assertRefused(UpdateCompression.q8(), withFirst(c, c.get(0).toBuilder().setScales(0, Float.NaN).build()),
        ErrorCode.NON_FINITE, "scale 0 is NaN");
    assertRefused(UpdateCompression.q8(), withFirst(c, c.get(0).toBuilder()
        .setScales(0, Float.POSITIVE_INFINITY).build()), ErrorCode.NON_FINITE, "scale 0 is Infinity");
    assertRefused(UpdateCompression.q8(), withFirst(c, c.get(0).toBuilder().setScales(0, -1f).build()),
        ErrorCode.MALFORMED, "scale 0 is -1.0");
  }

  @Test
  void sparseIndexOutOfRange_refused() {
    UpdateCompression top = UpdateCompression.topK(0.2); // k = 3: -12, 11, -10 (positions 9, 10, 11)
    List<TensorChunk> c = encoded(top);
    assertThat(c.get(0).getIndexDeltasList()).containsExactly(9, 1, 1);
    assertRefused(top, withFirst(c, c.get(0).toBuilder().setIndexDeltas(2, 2).build()), ErrorCode.SHAPE_MISMATCH,
        "listed element 2 is at position 12, outside the chunk's 12 elements");
    assertRefused(top, withFirst(c, c.get(0).toBuilder().setIndexDeltas(1, -1).build()), ErrorCode.SHAPE_MISMATCH,
        "listed element 1 is at position 4294967304"); // 9 + 2^32 - 1: an unsigned delta never steps back
  }

  @Test
  void sparseDuplicatePosition_refused() {
    UpdateCompression top = UpdateCompression.topK(0.2);
    List<TensorChunk> c = encoded(top);
    assertRefused(top, withFirst(c, c.get(0).toBuilder().setIndexDeltas(1, 0).build()), ErrorCode.MALFORMED,
        "index delta 1 is 0, a duplicate position");
  }

  @Test
  void sparseValuesAndPositionsDisagree_refused() {
    UpdateCompression top = UpdateCompression.topK(0.2);
    List<TensorChunk> c = encoded(top);
    assertRefused(top, withFirst(c, c.get(0).toBuilder().addIndexDeltas(1).build()), ErrorCode.SHAPE_MISMATCH,
        "lists 4 positions but has 12 data bytes");
  }

  @Test
  void sparseMoreThanK_refused() {
    UpdateCompression top = UpdateCompression.topK(0.2);
    List<TensorChunk> c = encoded(top);
    TensorChunk extra = c.get(1).toBuilder().addIndexDeltas(0).setData(ByteString.copyFrom(new byte[4])).build();
    assertRefused(top, List.of(c.get(0), extra), ErrorCode.SHAPE_MISMATCH,
        "brings the update to 4 elements sent, but this round's topk:0.2 compression sends at most 3");
  }

  @Test
  void sparseNonFiniteValue_refused() {
    UpdateCompression top = UpdateCompression.topK(0.2);
    List<TensorChunk> c = encoded(top);
    byte[] data = c.get(0).getData().toByteArray();
    java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(4, Float.NaN);
    assertRefused(top, withFirst(c, c.get(0).toBuilder().setData(ByteString.copyFrom(data)).build()),
        ErrorCode.NON_FINITE, "the value at position 10 is NaN");
  }

  @Test
  void missingChunk_refusedAtFinish() {
    List<TensorChunk> c = encoded(UpdateCompression.q8());
    assertRefused(UpdateCompression.q8(), c.subList(0, 1), ErrorCode.SHAPE_MISMATCH, "received 12 of the model's 15");
  }

  @Test
  void wrongDtypeForTheRound_sparseInAQ4Round_refused() {
    List<TensorChunk> c = encoded(UpdateCompression.topK(0.2));
    assertThat(c.get(0).getDtype()).isEqualTo(DType.SPARSE_FLOAT32);
    assertRefused(UpdateCompression.q4(), c, ErrorCode.SHAPE_MISMATCH, "compressed as q4: QINT4 chunks");
  }
}
