package io.cohort.client.nd4j;

import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.TrainingPlan;
import io.cohort.client.TrainingPlan.Optimizer;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.ModelArchitecture.Kind;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Measures one epoch of the default MLP and CNN on Fashion-MNIST and the test accuracy after it, plus simulated
 * federated rounds (time and process memory). Prints figures, asserts nothing; runs only when asked:
 * {@code COHORT_FMNIST_BENCH=true mvn -q -B -o -pl client-sdk test -Dtest=Nd4jFashionMnistBenchmark}, and only when
 * {@code dataset-fashion-mnist} is installed. To read native memory from the RSS figures, pin the heap so that its
 * growth does not hide anything, e.g. {@code -Dcohort.test.jvmArgs="-Xms700m -Xmx700m -XX:+AlwaysPreTouch"}.
 */
@Tag("benchmark")
@EnabledIfEnvironmentVariable(named = "COHORT_FMNIST_BENCH", matches = "true")
class Nd4jFashionMnistBenchmark {
  private static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");

  @Test
  void oneEpoch_defaultModels_printsTimeAndTestAccuracy() throws Exception {
    if (!Files.exists(DIR.resolve("train-images-idx3-ubyte.gz"))) {
      System.out.println("fashion-mnist not installed under " + DIR + "; nothing measured");
      return;
    }
    long start = System.nanoTime();
    LocalDataset train = load("train");
    LocalDataset test = load("t10k");
    System.out.printf("loaded %d + %d examples in %.2f s%n", train.size(), test.size(), seconds(start));
    try (Nd4jTrainer trainer = new Nd4jTrainer()) {
      for (Kind kind : List.of(Kind.MLP, Kind.CNN)) {
        ModelArchitecture model = ModelArchitecture.defaultFor(kind, List.of(1, 28, 28), 10);
        TrainingPlan plan = new TrainingPlan(1, 64, 1e-3, Optimizer.ADAM, 0, 0, 1);
        float[] initial = model.initialParameters(1);
        long t0 = System.nanoTime();
        FitOutcome fit = trainer.fit(model, initial, train, plan);
        double epoch = seconds(t0);
        long t1 = System.nanoTime();
        EvaluationOutcome eval = trainer.evaluate(model, fit.parameters(), test, 500);
        System.out.printf("%s: epoch %.2f s (train loss %.4f acc %.4f), test loss %.4f acc %.4f (eval %.2f s)%n",
            model.describe(), epoch, fit.loss(), fit.accuracy(), eval.loss(), eval.accuracy(), seconds(t1));
      }
    }
    clientRounds(train);
  }

  /**
   * Rounds of 100 simulated clients of 600 examples each (MLP, one epoch, batch 32), trained by two worker threads
   * borrowing two trainers from a queue as the simulation's trainer pool does: round time and whether the process's
   * memory stays flat.
   */
  private static void clientRounds(LocalDataset train) throws Exception {
    ModelArchitecture model = ModelArchitecture.defaultFor(Kind.MLP, List.of(1, 28, 28), 10);
    float[] global = model.initialParameters(2);
    BlockingQueue<Nd4jTrainer> pool = new ArrayBlockingQueue<>(2);
    pool.add(new Nd4jTrainer());
    pool.add(new Nd4jTrainer());
    ExecutorService workers = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 20; round++) {
        List<Callable<FitOutcome>> clients = new ArrayList<>();
        for (int c = 0; c < 100; c++) {
          int[] positions = new int[600];
          for (int i = 0; i < positions.length; i++) {
            positions[i] = ((round * 100 + c) * 600 + i) % train.size();
          }
          LocalDataset data = train.select(positions);
          TrainingPlan plan = new TrainingPlan(1, 32, 0.05, Optimizer.SGD, 0.9, 0, round * 100L + c);
          clients.add(() -> {
            Nd4jTrainer trainer = pool.take();
            try {
              return trainer.fit(model, global, data, plan);
            } finally {
              pool.add(trainer);
            }
          });
        }
        long t0 = System.nanoTime();
        for (Future<FitOutcome> f : workers.invokeAll(clients)) {
          f.get();
        }
        Runtime rt = Runtime.getRuntime();
        System.out.printf("round %d: 100 clients x 600 examples in %.2f s; process RSS %d MB, Java heap committed %d MB"
            + " (RSS beyond the heap: %d MB)%n", round, seconds(t0), Pointer.physicalBytes() >> 20,
            rt.totalMemory() >> 20, (Pointer.physicalBytes() - rt.totalMemory()) >> 20);
      }
    } finally {
      workers.shutdownNow();
      pool.forEach(Nd4jTrainer::close);
    }
  }

  private static LocalDataset load(String prefix) throws IOException {
    float[] pixels;
    int[] dims;
    try (DataInputStream in = open(prefix + "-images-idx3-ubyte.gz")) {
      if (in.readInt() != 0x803) {
        throw new IOException("not an IDX image file");
      }
      dims = new int[] {in.readInt(), in.readInt(), in.readInt()};
      byte[] raw = in.readNBytes(dims[0] * dims[1] * dims[2]);
      pixels = new float[raw.length];
      for (int i = 0; i < raw.length; i++) {
        pixels[i] = (raw[i] & 0xFF) / 255f;
      }
    }
    int[] labels;
    try (DataInputStream in = open(prefix + "-labels-idx1-ubyte.gz")) {
      if (in.readInt() != 0x801) {
        throw new IOException("not an IDX label file");
      }
      byte[] raw = in.readNBytes(in.readInt());
      labels = new int[raw.length];
      for (int i = 0; i < raw.length; i++) {
        labels[i] = raw[i];
      }
    }
    return LocalDataset.of(pixels, labels, List.of(1, dims[1], dims[2]), 10);
  }

  private static DataInputStream open(String name) throws IOException {
    InputStream raw = Files.newInputStream(DIR.resolve(name));
    return new DataInputStream(new GZIPInputStream(raw, 1 << 16));
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
