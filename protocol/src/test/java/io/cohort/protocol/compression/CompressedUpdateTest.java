package io.cohort.protocol.compression;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.DType;
import io.cohort.protocol.v1.TensorChunk;
import java.io.ByteArrayInputStream;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class CompressedUpdateTest {
  // W [7,5] = 35, b [5], W [5,3] = 15, b [3]: 58 elements in four tensors
  private static final ModelArchitecture MLP = new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(7), 3,
      List.of(5), List.of());
  private static final ModelArchitecture LOGREG = ModelArchitecture.logreg(List.of(4), 3); // W [4,3], b [3]

  private static float[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** Through the wire form and the coordinator's assembler. */
  private static float[] decode(ModelArchitecture model, List<TensorChunk> chunks, UpdateCompression c)
      throws Exception {
    float[] out = new float[model.parameterCount()];
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(model.tensors(), out, c);
    for (TensorChunk chunk : chunks) {
      assembler.accept(Frames.readSingle(new ByteArrayInputStream(Frames.encode(chunk)), TensorChunk.parser(), "c"));
    }
    assembler.finish();
    return out;
  }

  @Test
  void q4_handComputedVector_exactOnTheGridAndPackedTwoPerByte() throws Exception {
    // logreg W [4,3] then b [3]; W is one block with scale 7 (each value a level), b a block with scale 1
    float[] x = {7, -7, 1, 2, -3, 0, 4, 5, -6, 1, 2, 3, 1, -1, 0};
    UpdateCompression q4 = new UpdateCompression(UpdateCompression.Kind.Q4, 0, 16);
    List<TensorChunk> chunks = CompressedUpdate.quantized(x, q4, 9).split(LOGREG.tensors(), 1 << 20);
    assertThat(chunks).hasSize(2);
    TensorChunk w = chunks.get(0);
    assertThat(w.getDtype()).isEqualTo(DType.QINT4);
    assertThat(w.getCount()).isEqualTo(12);
    assertThat(w.getScalesList()).containsExactly(7f);
    assertThat(w.getData().toByteArray()).containsExactly((byte) 0x97, (byte) 0x21, (byte) 0x0D, (byte) 0x54,
        (byte) 0x1A, (byte) 0x32);
    TensorChunk b = chunks.get(1);
    assertThat(b.getCount()).isEqualTo(3);
    assertThat(b.getScalesList()).containsExactly(1f);
    assertThat(b.getData().toByteArray()).containsExactly((byte) 0x97, (byte) 0x00); // 7, -7, 0 at scale 1 / 7
    assertThat(decode(LOGREG, chunks, q4)).containsExactly(x);
  }

  @Test
  void topK_handComputedVector_deltaEncodedPositionsPerChunk() throws Exception {
    float[] x = {0, 9, -8, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, -6, 0}; // W 12 elements, b 3
    UpdateCompression top = UpdateCompression.topK(0.33); // k = round(4.95) = 5: 4 non-zeros, the lowest zero
    int[] positions = TopK.select(x, top.k(x.length));
    assertThat(positions).containsExactly(0, 1, 2, 4, 13);
    List<TensorChunk> chunks = CompressedUpdate.sparse(x, positions, top).split(LOGREG.tensors(), 1 << 20);
    assertThat(chunks.get(0).getDtype()).isEqualTo(DType.SPARSE_FLOAT32);
    assertThat(chunks.get(0).getCount()).isEqualTo(12);
    assertThat(chunks.get(0).getIndexDeltasList()).containsExactly(0, 1, 1, 2);
    assertThat(chunks.get(0).getData().size()).isEqualTo(16);
    assertThat(chunks.get(1).getIndexDeltasList()).containsExactly(1); // element 13 is b[1]
    assertThat(decode(LOGREG, chunks, top)).containsExactly(x);
  }

  @Test
  void chunks_encodedTwice_sameBytes() {
    float[] x = random(MLP.parameterCount(), 3);
    CompressedUpdate update = CompressedUpdate.quantized(x, UpdateCompression.q8(), 77);
    Iterator<TensorChunk> a = update.chunks(MLP.tensors(), 10);
    Iterator<TensorChunk> b = update.chunks(MLP.tensors(), 10);
    while (a.hasNext()) {
      assertThat(b.next()).isEqualTo(a.next()); // a signing client hashes one encoding and sends the other
    }
    assertThat(b.hasNext()).isFalse();
  }

  @Property(tries = 100)
  void quantized_anyChunkAndBlockSize_decodesWithinOneStepPerElement(@ForAll @IntRange(min = 1, max = 40) int chunk,
      @ForAll @IntRange(min = 1, max = 20) int block, @ForAll boolean four, @ForAll long seed) throws Exception {
    float[] x = random(MLP.parameterCount(), seed);
    UpdateCompression c = new UpdateCompression(four ? UpdateCompression.Kind.Q4 : UpdateCompression.Kind.Q8, 0,
        block);
    List<TensorChunk> chunks = CompressedUpdate.quantized(x, c, seed).split(MLP.tensors(), chunk);
    float[] out = decode(MLP, chunks, c);
    int levels = c.kind().levels();
    int at = 0;
    for (TensorChunk ch : chunks) {
      for (int i = 0; i < ch.getCount(); i++, at++) {
        float scale = ch.getScales(i / block);
        assertThat((double) Math.abs(out[at] - x[at])).isLessThanOrEqualTo(scale / levels * (1 + 1e-6));
      }
    }
    assertThat(at).isEqualTo(x.length);
  }

  @Property(tries = 100)
  void sparse_anyFractionAndChunkSize_decodesToTheChosenElementsAndZeros(
      @ForAll @DoubleRange(min = 0.01, max = 1) double fraction, @ForAll @IntRange(min = 1, max = 40) int chunk,
      @ForAll long seed) throws Exception {
    float[] x = random(MLP.parameterCount(), seed);
    UpdateCompression c = UpdateCompression.topK(fraction);
    int[] positions = TopK.select(x, c.k(x.length));
    float[] out = decode(MLP, CompressedUpdate.sparse(x, positions, c).split(MLP.tensors(), chunk), c);
    float[] expected = new float[x.length];
    for (int p : positions) {
      expected[p] = x[p];
    }
    assertThat(out).containsExactly(expected);
  }
}
