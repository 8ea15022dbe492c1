package io.cohort.benchmarks;

import io.cohort.crypto.X25519;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.concurrent.TimeUnit;
import javax.crypto.KeyAgreement;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One X25519 agreement, the step that dominates unmasking when clients drop: the server redoes one agreement per
 * (dropped client, surviving neighbour) pair, and each client does one per neighbour when it masks.
 *
 * <ul>
 *   <li>{@link #cohortX25519Agree}: {@link X25519.KeyPair#agree} as the SecAgg+ engine calls it (Bouncy Castle's
 *       {@code X25519Agreement}, plus the low-order check).
 *   <li>{@link #jdkX25519Agree}: the JDK's {@code KeyAgreement("X25519")} (SunEC) on the same kind of keys, for
 *       comparison.
 * </ul>
 *
 * <p>How to read it: microseconds per agreement. Multiply by the number of pairwise masks rebuilt to see how much of
 * {@link UnmaskBenchmark#unmask}'s time with dropout is key agreement rather than mask expansion. Run with
 * {@code java -jar benchmarks/target/benchmarks.jar KeyAgreementBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class KeyAgreementBenchmark {
  private X25519.KeyPair own;
  private X25519.PublicKey peer;
  private KeyAgreement jdk;
  private KeyPair jdkOwn;
  private KeyPair jdkPeer;

  /** Two fresh key pairs for each implementation. */
  @Setup
  public void setUp() throws GeneralSecurityException {
    own = X25519.KeyPair.generate();
    peer = X25519.KeyPair.generate().publicKey();
    KeyPairGenerator generator = KeyPairGenerator.getInstance("X25519");
    jdkOwn = generator.generateKeyPair();
    jdkPeer = generator.generateKeyPair();
    jdk = KeyAgreement.getInstance("X25519");
  }

  /** One agreement through the engine's X25519 (Bouncy Castle). */
  @Benchmark
  public byte[] cohortX25519Agree() {
    return own.agree(peer);
  }

  /** One agreement through the JDK's X25519. */
  @Benchmark
  public byte[] jdkX25519Agree() throws GeneralSecurityException {
    jdk.init(jdkOwn.getPrivate());
    jdk.doPhase(jdkPeer.getPublic(), true);
    return jdk.generateSecret();
  }
}
