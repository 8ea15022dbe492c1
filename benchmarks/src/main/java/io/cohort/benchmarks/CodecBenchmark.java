package io.cohort.benchmarks;

import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.TensorChunk;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The wire format's cost for one model of {@code params} float32 parameters (a logistic regression of that size), in
 * one JVM, so the scores divide directly:
 *
 * <ul>
 *   <li>{@link #copyBytes}: one copy of the encoded body into a fresh array, the floor for anything that moves it;
 *   <li>{@link #encode}: the parameters split into {@link TensorChunk}s of {@code chunkElements} and each framed
 *       ({@code Frames.encode}), as the coordinator encodes a model for download and the SDK an update for upload;
 *   <li>{@link #decode}: the framed body read back frame by frame and assembled into a float vector with every check
 *       ({@code Frames.read}, {@code TensorChunks.Assembler}), as the SDK reads a model and the coordinator an update.
 * </ul>
 *
 * <p>A score is models per second; {@link #main} prints {@code encode / copyBytes} and {@code decode / copyBytes} for
 * each chunk size after the JMH table: {@code java -cp benchmarks/target/benchmarks.jar
 * io.cohort.benchmarks.CodecBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CodecBenchmark {
  /** D, parameters of the model; a multiple of 10 (logistic regression over 10 classes). */
  @Param({"1000000"})
  public int params;

  /** Elements per chunk: the SDK's default (64 Ki) and the 1 Mi it used before. */
  @Param({"65536", "1048576"})
  public int chunkElements;

  ModelArchitecture model;
  float[] parameters;
  byte[] encoded; // the framed body, as on the wire

  /** Seeded parameters and their encoding, fixed for the trial. */
  @Setup
  public void setUp() throws IOException {
    model = ModelArchitecture.logreg(List.of(params / 10 - 1), 10);
    parameters = new float[model.parameterCount()];
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < parameters.length; i++) {
      parameters[i] = (float) random.nextDouble(-1, 1);
    }
    encoded = encode();
  }

  /** One copy of the encoded body. */
  @Benchmark
  public byte[] copyBytes() {
    return encoded.clone();
  }

  /** The parameters chunked and framed into one body. */
  @Benchmark
  public byte[] encode() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4 * parameters.length + 4096);
    for (TensorChunk chunk : TensorChunks.split(model.tensors(), parameters, chunkElements)) {
      out.write(Frames.encode(chunk));
    }
    return out.toByteArray();
  }

  /** The body read back, frame by frame, into a checked float vector. */
  @Benchmark
  public float[] decode() throws IOException, ProtocolException {
    float[] target = new float[parameters.length];
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(model.tensors(), target);
    ByteArrayInputStream in = new ByteArrayInputStream(encoded);
    TensorChunk chunk;
    while ((chunk = Frames.read(in, TensorChunk.parser())) != null) {
      assembler.accept(chunk);
    }
    assembler.finish();
    return target;
  }

  /** Runs this class's benchmarks (JMH flags pass through), then prints each codec step's ratio to the copy. */
  public static void main(String[] args) throws RunnerException, CommandLineOptionException {
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .parent(new CommandLineOptions(args))
        .include(CodecBenchmark.class.getName() + "\\.")
        .build()).run();
    results.stream().map(r -> r.getParams().getParam("chunkElements")).distinct().sorted().forEach(chunk -> {
      double copy = score(results, "copyBytes", chunk);
      for (String step : new String[] {"encode", "decode"}) {
        System.out.printf(Locale.ROOT, "chunkElements=%s %s / copyBytes: ratio_to_copy=%.2f%n", chunk, step,
            score(results, step, chunk) / copy);
      }
    });
  }

  private static double score(Collection<RunResult> results, String method, String chunkElements) {
    return results.stream()
        .filter(r -> r.getParams().getBenchmark().endsWith("." + method)
            && chunkElements.equals(r.getParams().getParam("chunkElements")))
        .mapToDouble(r -> r.getPrimaryResult().getScore())
        .findFirst().orElse(Double.NaN);
  }
}
