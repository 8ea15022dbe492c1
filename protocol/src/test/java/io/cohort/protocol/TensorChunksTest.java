package io.cohort.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.TensorChunk;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TensorChunksTest {
  private static final ModelArchitecture MLP = new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(7), 3,
      List.of(5), List.of());

  private static float[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  @Property(tries = 100)
  void splitThenAssemble_anyChunkSize_roundTripsExactly(@ForAll @IntRange(min = 1, max = 40) int chunk,
      @ForAll long seed) throws Exception {
    float[] values = random(MLP.parameterCount(), seed);
    List<TensorChunk> chunks = TensorChunks.split(MLP.tensors(), values, chunk);
    for (TensorChunk c : chunks) {
      assertThat(c.getData().size()).isLessThanOrEqualTo(4 * chunk);
    }
    float[] out = new float[values.length];
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(MLP.tensors(), out);
    for (TensorChunk c : chunks) {
      byte[] frame = Frames.encode(c); // through the wire form
      assembler.accept(Frames.readSingle(new java.io.ByteArrayInputStream(frame), TensorChunk.parser(), "chunk"));
    }
    assembler.finish();
    assertThat(out).containsExactly(values);
  }

  @Test
  void assembler_chunksOutOfOrder_refusedWithoutWriting() throws Exception {
    float[] values = random(MLP.parameterCount(), 1);
    List<TensorChunk> chunks = new ArrayList<>(TensorChunks.split(MLP.tensors(), values, 10));
    Collections.swap(chunks, 0, 1);
    float[] out = new float[values.length];
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(MLP.tensors(), out);
    assertThatThrownBy(() -> assembler.accept(chunks.get(0)))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SHAPE_MISMATCH))
        .hasMessageContaining("starts at element 10, expected 0");
    assertThat(out).containsOnly(0f);
  }

  @Test
  void assembler_extraChunkAfterTheModel_refused() throws Exception {
    float[] values = random(MLP.parameterCount(), 2);
    List<TensorChunk> chunks = TensorChunks.split(MLP.tensors(), values, 100);
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(MLP.tensors(), new float[values.length]);
    for (TensorChunk c : chunks) {
      assembler.accept(c);
    }
    assertThatThrownBy(() -> assembler.accept(chunks.get(0))).hasMessageContaining("after every tensor");
  }

  @Test
  void assembler_oddByteCount_refused() {
    TensorShape first = MLP.tensors().get(0);
    TensorChunk odd = TensorChunks.chunk(first, new float[first.size()], 0, 2).toBuilder()
        .setData(com.google.protobuf.ByteString.copyFrom(new byte[7])).build();
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(MLP.tensors(), new float[MLP.parameterCount()]);
    assertThatThrownBy(() -> assembler.accept(odd)).hasMessageContaining("not a whole number of float32");
  }
}
