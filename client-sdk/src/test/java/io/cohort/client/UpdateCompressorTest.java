package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.TensorChunk;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class UpdateCompressorTest {
  private static final ModelArchitecture FOUR = ModelArchitecture.logreg(List.of(1), 2); // W [1,2], b [2]
  private static final ModelArchitecture MLP = new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(6), 3,
      List.of(4), List.of()); // 28 + 4 + 12 + 3 = 47

  /** What the coordinator folds: the update as decoded from its chunks. */
  private static float[] sent(ModelArchitecture model, UpdateCompressor.Prepared p) throws Exception {
    float[] out = new float[model.parameterCount()];
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(model.tensors(), out, p.update().compression());
    for (TensorChunk c : p.update().split(model.tensors(), 3)) {
      assembler.accept(c);
    }
    assembler.finish();
    return out;
  }

  @Test
  void topK_handComputed_sendsTheLargestAndCarriesTheRestIntoTheNextRound() throws Exception {
    UpdateCompressor compressor = new UpdateCompressor();
    UpdateCompression half = UpdateCompression.topK(0.5); // k = 2 of 4
    UpdateCompressor.Prepared first = compressor.prepare("run", new float[] {3, -1, 0.5f, 2}, half, 1);
    assertThat(sent(FOUR, first)).containsExactly(3, 0, 0, 2);
    compressor.delivered(first);
    assertThat(compressor.residual()).containsExactly(0, -1, 0.5f, 0);
    // update + residual = [0, -0.75, 0.75, 0.5]: ties at 0.75 send both; 0.5 waits
    UpdateCompressor.Prepared second = compressor.prepare("run", new float[] {0, 0.25f, 0.25f, 0.5f}, half, 2);
    assertThat(sent(FOUR, second)).containsExactly(0, -0.75f, 0.75f, 0);
    compressor.delivered(second);
    assertThat(compressor.residual()).containsExactly(0, 0, 0, 0.5f);
  }

  @Test
  void topK_refusedUpdate_leavesTheMemoryAsItWas() throws Exception {
    UpdateCompressor compressor = new UpdateCompressor();
    UpdateCompression half = UpdateCompression.topK(0.5);
    compressor.delivered(compressor.prepare("run", new float[] {3, -1, 0.5f, 2}, half, 1));
    compressor.prepare("run", new float[] {9, 9, 9, 9}, half, 2); // never delivered
    assertThat(compressor.residual()).containsExactly(0, -1, 0.5f, 0);
    UpdateCompressor.Prepared next = compressor.prepare("run", new float[] {0, 0, 0, 0}, half, 3);
    assertThat(sent(FOUR, next)).containsExactly(0, -1, 0.5f, 0);
  }

  @Test
  void topK_anotherRun_startsWithoutMemory() throws Exception {
    UpdateCompressor compressor = new UpdateCompressor();
    UpdateCompression half = UpdateCompression.topK(0.5);
    compressor.delivered(compressor.prepare("run-1", new float[] {3, -1, 0.5f, 2}, half, 1));
    UpdateCompressor.Prepared other = compressor.prepare("run-2", new float[] {0, 0.25f, 0.25f, 0.5f}, half, 1);
    assertThat(sent(FOUR, other)).containsExactly(0, 0.25f, 0, 0.5f); // the tie at 0.25 goes to position 1
  }

  @Test
  void quantizer_keepsNoMemory_andDecodesWithinOneStep() throws Exception {
    UpdateCompressor compressor = new UpdateCompressor();
    float[] delta = {0.3f, -0.7f, 0.05f, 1};
    UpdateCompressor.Prepared p = compressor.prepare("run", delta, UpdateCompression.q4(), 5);
    compressor.delivered(p);
    assertThat(compressor.residual()).isNull();
    float[] out = sent(FOUR, p);
    for (int i = 0; i < 4; i++) { // W and b are separate chunks: scales 0.7 and 1
      float scale = i < 2 ? 0.7f : 1f;
      assertThat((double) Math.abs(out[i] - delta[i])).isLessThanOrEqualTo(scale / 7 * (1 + 1e-6));
    }
  }

  /** Error feedback loses nothing: what was sent over the rounds plus the memory is what was trained, exactly. */
  @Property(tries = 60)
  void topK_overRounds_sentPlusResidualIsTheSumOfTheUpdates(@ForAll @DoubleRange(min = 0.02, max = 1) double fraction,
      @ForAll @IntRange(min = 1, max = 6) int rounds, @ForAll long seed) throws Exception {
    UpdateCompressor compressor = new UpdateCompressor();
    UpdateCompression c = UpdateCompression.topK(fraction);
    SplittableRandom r = new SplittableRandom(seed);
    int n = MLP.parameterCount();
    float[] residual = new float[n];
    for (int round = 0; round < rounds; round++) {
      float[] delta = new float[n];
      for (int i = 0; i < n; i++) {
        delta[i] = (float) r.nextGaussian();
      }
      UpdateCompressor.Prepared p = compressor.prepare("run", delta, c, round);
      float[] sent = sent(MLP, p);
      int nonZero = 0;
      for (int i = 0; i < n; i++) {
        float expected = delta[i] + residual[i]; // the same float addition the client does
        assertThat(sent[i] + p.nextResidual()[i]).isEqualTo(expected); // one of the two is 0
        assertThat(sent[i] == 0 || p.nextResidual()[i] == 0).isTrue();
        nonZero += sent[i] != 0 ? 1 : 0;
      }
      assertThat(nonZero).isLessThanOrEqualTo(c.k(n));
      compressor.delivered(p);
      residual = compressor.residual();
    }
  }
}
