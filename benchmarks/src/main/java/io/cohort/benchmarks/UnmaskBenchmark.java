package io.cohort.benchmarks;

import io.cohort.crypto.secagg.SecAggClient;
import io.cohort.crypto.secagg.SecAggServer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two heavy steps of a SecAgg+ round in the engine alone (no network, no quantisation), for n = 20 and 100
 * clients, vectors of D = 100,000 words (the encoding of a 99,999-parameter update plus its weight; the timing is
 * linear in D), the default degree k = min(n - 1, 6 ceil(log2 n)) and threshold t = k/2 + 1 (n = 20: k = 19, t = 10;
 * n = 100: k = 42, t = 22), and 0 % or 10 % of the clients dropping after they shared keys:
 *
 * <ul>
 *   <li>{@link #unmask}: {@link SecAggServer#unmask} on the masked sum: rebuild every survivor's self-mask seed from
 *       t Shamir shares and subtract its mask (one expansion per survivor); for each dropped client, rebuild its mask
 *       key, redo the X25519 agreement and HKDF with each surviving neighbour and subtract that pairwise mask (one
 *       expansion per such pair). A fresh server replayed to the unmask stage and a fresh copy of the masked sum are
 *       prepared before each call ({@code Level.Invocation}), so only {@code unmask} is timed.
 *   <li>{@link #maskInput}: one client's {@link SecAggClient#maskInput}: open k encrypted shares (an X25519 agreement,
 *       HKDF and AES-GCM each), derive k pairwise seeds (another agreement and HKDF each), and add k + 1 masks of D
 *       words. A fresh client, rebuilt with the same keys, is
 *       prepared before each call. Dropout after sharing does not change a client's masking work.
 * </ul>
 *
 * <p>How to read it: average milliseconds per call. Count the mask expansions (unmask: n - dropped + rebuilt pairs;
 * maskInput: k + 1) and the X25519 agreements (unmask: one per rebuilt pair; maskInput: 2k), and price them with
 * {@link MaskExpansionBenchmark#maskPrgAddTo} at D = 100,000 and {@link KeyAgreementBenchmark}: what is left is
 * Shamir reconstruction, HKDF, AES-GCM and bookkeeping. The setup records one
 * full round per trial (about a second for n = 100). Run with
 * {@code java -jar benchmarks/target/benchmarks.jar UnmaskBenchmark} (see BENCHMARKS.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class UnmaskBenchmark {

  /** One recorded round per parameter combination. */
  @State(Scope.Thread)
  public static class Round {
    /** n, the clients in the round. */
    @Param({"20", "100"})
    public int clients;

    /** Percentage of clients that drop after sharing keys. */
    @Param({"0", "10"})
    public int dropPercent;

    /** D, the length of each masked vector. */
    @Param({"100000"})
    public int dimension;

    RecordedRound recorded;

    /** Runs and records the round. */
    @Setup(Level.Trial)
    public void record() {
      recorded = RecordedRound.run(clients, dimension, dropPercent, 7);
    }
  }

  /** A server ready to unmask and a fresh copy of the masked sum, made before every call. */
  @State(Scope.Thread)
  public static class ServerAtUnmask {
    SecAggServer server;
    int[] maskedSum;

    /** Replays the recorded round into a new server; copies the masked sum. */
    @Setup(Level.Invocation)
    public void prepare(Round round) {
      server = round.recorded.serverAtUnmask();
      if (maskedSum == null) {
        maskedSum = new int[round.recorded.maskedSum.length];
      }
      System.arraycopy(round.recorded.maskedSum, 0, maskedSum, 0, maskedSum.length);
    }
  }

  /** A client that has advertised and shared its keys, made before every call. */
  @State(Scope.Thread)
  public static class ClientAtMask {
    SecAggClient client;

    /** Rebuilds the measured client up to its masking stage. */
    @Setup(Level.Invocation)
    public void prepare(Round round) {
      client = round.recorded.clientReadyToMask();
    }
  }

  /** The server removes every mask from the sum (in place). */
  @Benchmark
  public int[] unmask(ServerAtUnmask state) {
    state.server.unmask(state.maskedSum);
    return state.maskedSum;
  }

  /** One client masks its input with its self mask and k pairwise masks. */
  @Benchmark
  public int[] maskInput(Round round, ClientAtMask state) {
    RecordedRound r = round.recorded;
    return state.client.maskInput(r.inboxes.get(r.measuredClient()), r.inputs.get(r.measuredClient()));
  }
}
