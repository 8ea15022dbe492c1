package io.cohort.fuzz.targets;

import io.cohort.fuzz.Findings;
import io.cohort.fuzz.Seeds;
import io.cohort.protocol.compression.CompressedUpdate;
import io.cohort.protocol.compression.TopK;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.TensorChunk;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensor data of an upload or a model download: a stream of TensorChunk frames assembled into the model's flat
 * vector, uncompressed (float32), 8- or 4-bit quantised, top-k sparse, or a secure-aggregation masked vector (uint32).
 * The first byte picks the encoding; the rest is the frame stream. The model is a logistic regression with W [4, 3] and
 * b [3] (15 elements), small enough that the fuzzer can cover a whole update.
 *
 * <p>Allowed: {@link ProtocolException} with a message. A finding: any other exception, or an assembly that finishes
 * with a non-finite element (the assembler must refuse NaN and infinity, whatever the encoding).
 */
public final class TensorChunksFuzz {
  /** The model whose update the chunks carry. */
  public static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3);
  /** The encodings the first byte picks, in order. */
  public static final List<UpdateCompression> ENCODINGS = List.of(UpdateCompression.NONE, UpdateCompression.q8(),
      new UpdateCompression(UpdateCompression.Kind.Q8, 0, 4), UpdateCompression.q4(),
      new UpdateCompression(UpdateCompression.Kind.Q4, 0, 3), UpdateCompression.topK(0.2));
  /** The first-byte value (modulo {@code ENCODINGS.size() + 1}) that picks the masked uint32 vector. */
  public static final int MASKED = ENCODINGS.size();

  private TensorChunksFuzz() {}

  /** Seed inputs: a well-formed update in each encoding (two chunks a tensor where it has room), and a masked vector. */
  public static Map<String, byte[]> seeds() {
    int n = MODEL.parameterCount();
    float[] update = new float[n];
    for (int i = 0; i < n; i++) {
      update[i] = (i % 2 == 0 ? 1 : -1) * 0.01f * (i + 1);
    }
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    for (int e = 0; e < ENCODINGS.size(); e++) {
      UpdateCompression c = ENCODINGS.get(e);
      List<TensorChunk> chunks = switch (c.kind()) {
        case NONE -> TensorChunks.split(MODEL.tensors(), update, 8);
        case Q8, Q4 -> CompressedUpdate.quantized(update, c, 7).split(MODEL.tensors(), 8);
        case TOP_K -> CompressedUpdate.sparse(update, TopK.select(update, c.k(n)), c).split(MODEL.tensors(), 8);
      };
      seeds.put(c.spec() + (c.kind().quantizes() ? "-block" + c.blockSize() : ""), Seeds.frames(e, chunks));
    }
    int[] masked = new int[n];
    for (int i = 0; i < n; i++) {
      masked[i] = i * 0x9E3779B9;
    }
    seeds.put("masked", Seeds.frames(MASKED, List.of(TensorChunks.chunkUInt32(TensorChunks.MASKED_VECTOR, masked, 0, 10),
        TensorChunks.chunkUInt32(TensorChunks.MASKED_VECTOR, masked, 10, n - 10))));
    return seeds;
  }

  public static void fuzzerTestOneInput(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    int pick = (input[0] & 0xff) % (ENCODINGS.size() + 1);
    InputStream in = new ByteArrayInputStream(input, 1, input.length - 1);
    int n = MODEL.parameterCount();
    try {
      if (pick == MASKED) {
        TensorChunks.UInt32Assembler masked = new TensorChunks.UInt32Assembler(TensorChunks.MASKED_VECTOR, new int[n]);
        TensorChunk chunk;
        while ((chunk = Frames.read(in, TensorChunk.parser())) != null) {
          masked.accept(chunk);
        }
        masked.finish();
        return;
      }
      float[] target = new float[n];
      TensorChunks.Assembler assembler = new TensorChunks.Assembler(MODEL.tensors(), target, ENCODINGS.get(pick));
      TensorChunk chunk;
      while ((chunk = Frames.read(in, TensorChunk.parser())) != null) {
        assembler.accept(chunk);
      }
      assembler.finish();
      for (int i = 0; i < n; i++) {
        if (!Float.isFinite(target[i])) {
          throw new AssertionError("assembled update has " + target[i] + " at element " + i + " under "
              + ENCODINGS.get(pick) + ": " + Arrays.toString(target));
        }
      }
    } catch (ProtocolException e) {
      Findings.requireExplained(e);
    }
  }
}
