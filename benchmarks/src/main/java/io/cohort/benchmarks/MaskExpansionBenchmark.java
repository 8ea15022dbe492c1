package io.cohort.benchmarks;

import io.cohort.crypto.MaskPrg;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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

/**
 * What expanding one pairwise or self mask costs, next to what merely touching a vector of the same size costs.
 * Every benchmark here makes one pass over {@code words} 32-bit words (D = 100,000 and 1,000,000), in one JVM run, so
 * their scores can be divided directly:
 *
 * <ul>
 *   <li>{@link #memoryRead}: the sum of an {@code int[]} of D elements, the floor for anything that reads a vector;
 *       {@link #memoryReadFourSums} the same with four accumulators (JDK 17 does not vectorise the plain sum).
 *   <li>{@link #addVectors}: {@code a[i] += b[i]} over D elements, what folding one masked vector into the server's
 *       running sum costs.
 *   <li>{@link #maskPrgAddTo}: {@link MaskPrg#addTo} of D words, one mask as clients and the server expand it (JDK
 *       {@code AES/CTR/NoPadding}, AES-NI intrinsics).
 *   <li>{@link #jdkAesCtrKeystream}: the JDK cipher alone producing the 4D keystream bytes (no add), to split
 *       {@link #maskPrgAddTo} into AES and the add loop.
 *   <li>{@link #bouncyCastleAesCtrAddTo}: the same mask with Bouncy Castle's pure-Java {@code AESEngine} in CTR mode
 *       ({@link BcAesCtrMask}), the alternative to the JDK's AES.
 * </ul>
 *
 * <p>How to read it: the mode is throughput, so a score is <em>passes over the vector per second</em>; bytes per
 * second are {@code score * 4 * words}. {@code maskPrgAddTo / memoryRead} is the mask-expansion cost in units of
 * reading the vector once; {@code maskPrgAddTo / bouncyCastleAesCtrAddTo} is the speed-up the JDK's AES gives. At
 * D = 1,000,000 the vector is 4 MB, which may still sit in the last-level cache, so "memory read" is an optimistic
 * floor. Run with {@code java -jar benchmarks/target/benchmarks.jar MaskExpansionBenchmark} (see BENCHMARKS.md).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MaskExpansionBenchmark {
  private static final int CHUNK = 64 * 1024;

  /** D, the number of 32-bit words per pass. */
  @Param({"100000", "1000000"})
  public int words;

  int[] target; // package-private: read by the test
  int[] other;
  private MaskPrg prg;
  private BcAesCtrMask bouncyCastle;
  private Cipher jdkCipher;
  private SecretKeySpec jdkKey;
  private final byte[] zeros = new byte[CHUNK];
  private final byte[] keystream = new byte[CHUNK];

  /** Random vectors and a random 32-byte seed, fixed for the trial. */
  @Setup
  public void setUp() throws GeneralSecurityException {
    SplittableRandom random = new SplittableRandom(42);
    target = random.ints(words).toArray();
    other = random.ints(words).toArray();
    byte[] seed = new byte[MaskPrg.SEED_BYTES];
    for (int i = 0; i < seed.length; i++) {
      seed[i] = (byte) random.nextInt();
    }
    prg = MaskPrg.of(seed);
    bouncyCastle = new BcAesCtrMask(seed);
    jdkCipher = Cipher.getInstance("AES/CTR/NoPadding");
    jdkKey = new SecretKeySpec(seed, "AES");
  }

  /** Sum of the vector's elements: one sequential read of 4D bytes. */
  @Benchmark
  public int memoryRead() {
    int[] a = target;
    int sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i];
    }
    return sum;
  }

  /**
   * The same sum with four independent accumulators. JDK 17's C2 does not vectorise a loop that is only an int
   * reduction, so {@link #memoryRead} is bound by its single chain of dependent adds rather than by the loads; this
   * variant shows how much faster a read can go in plain Java.
   */
  @Benchmark
  public int memoryReadFourSums() {
    int[] a = target;
    int s0 = 0;
    int s1 = 0;
    int s2 = 0;
    int s3 = 0;
    int i = 0;
    for (; i + 3 < a.length; i += 4) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
    }
    for (; i < a.length; i++) {
      s0 += a[i];
    }
    return s0 + s1 + s2 + s3;
  }

  /** {@code target[i] += other[i]}: folding one vector into a running sum. */
  @Benchmark
  public int[] addVectors() {
    int[] a = target;
    int[] b = other;
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
    return a;
  }

  /** One mask of D words added with {@link MaskPrg#addTo} (JDK AES-256-CTR). */
  @Benchmark
  public int[] maskPrgAddTo() {
    prg.addTo(target, 0, 0, words, 1);
    return target;
  }

  /** The JDK's AES-256-CTR producing 4D keystream bytes in 64 KiB chunks, nothing added. */
  @Benchmark
  public byte[] jdkAesCtrKeystream() throws GeneralSecurityException {
    jdkCipher.init(Cipher.ENCRYPT_MODE, jdkKey, new IvParameterSpec(new byte[16]));
    long remaining = 4L * words;
    while (remaining > 0) {
      int bytes = (int) Math.min(remaining, CHUNK);
      jdkCipher.update(zeros, 0, bytes, keystream, 0);
      remaining -= bytes;
    }
    return keystream;
  }

  /** The same mask of D words with Bouncy Castle's pure-Java AES engine in CTR mode. */
  @Benchmark
  public int[] bouncyCastleAesCtrAddTo() {
    bouncyCastle.addTo(target, words);
    return target;
  }
}
