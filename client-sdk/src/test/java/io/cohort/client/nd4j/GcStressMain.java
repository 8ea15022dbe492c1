package io.cohort.client.nd4j;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Child-JVM body of {@link Nd4jGcStressTest}: worker threads run the dense and conv layers' forward passes (each with
 * its bias add) back to back, in a step workspace as {@link Network} does. Run with a tiny young generation, the
 * JVM collects every few milliseconds, so ND4J's GC-driven deallocation runs while native ops are in flight. A
 * use-after-free in that window kills this JVM with SIGSEGV; a clean run prints the number of forward passes and
 * exits 0. Every loop is bounded by a deadline.
 *
 * <p>Arguments: run time in milliseconds, number of worker threads.
 */
final class GcStressMain {
  private static final int PASSES_PER_STEP = 50;
  private static final WorkspaceConfiguration STEP = WorkspaceConfiguration.builder().initialSize(1 << 20).build();

  private GcStressMain() {}

  /** Runs the workers for {@code args[0]} ms on {@code args[1]} threads; exits 0 after a clean run, 2 on an error. */
  public static void main(String[] args) throws InterruptedException {
    long runMillis = Long.parseLong(args[0]);
    int threads = Integer.parseInt(args[1]);
    long deadline = System.nanoTime() + runMillis * 1_000_000L;
    AtomicLong passes = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      boolean conv = t % 4 == 3; // mostly dense passes: they are cheaper, so more broadcasts per second
      workers[t] = new Thread(() -> {
        try {
          Layer layer = conv ? convLayer() : denseLayer();
          INDArray input = conv ? Nd4j.rand(DataType.FLOAT, 2, 1, 8, 8) : Nd4j.rand(DataType.FLOAT, 4, 6);
          long n = 0;
          while (System.nanoTime() < deadline) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP, "gc-stress")) {
              for (int i = 0; i < PASSES_PER_STEP; i++) {
                layer.forward(input);
              }
            }
            n += PASSES_PER_STEP;
          }
          passes.addAndGet(n);
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "stress-" + t);
      workers[t].start();
    }
    for (Thread worker : workers) {
      worker.join();
    }
    if (failure.get() != null) {
      failure.get().printStackTrace();
      System.exit(2);
    }
    System.out.println("passes=" + passes.get());
  }

  private static Layer denseLayer() {
    return new DenseLayer(Nd4j.rand(DataType.FLOAT, 6, 5), Nd4j.rand(DataType.FLOAT, 5),
        Nd4j.create(DataType.FLOAT, 6, 5), Nd4j.create(DataType.FLOAT, 5), true);
  }

  private static Layer convLayer() {
    return new ConvPoolLayer(Nd4j.rand(DataType.FLOAT, 3, 1, 5, 5), Nd4j.rand(DataType.FLOAT, 3),
        Nd4j.create(DataType.FLOAT, 3, 1, 5, 5), Nd4j.create(DataType.FLOAT, 3), 2);
  }
}
