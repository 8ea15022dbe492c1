package io.cohort.client.nd4j;

import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.LocalTrainer;
import io.cohort.client.TrainingPlan;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The SDK's default {@link LocalTrainer}: trains the {@link ModelArchitecture} families with hand-written forward and
 * backward passes over ND4J's native CPU ops, minimising mean softmax cross-entropy with SGD (heavy-ball momentum) or
 * Adam and an optional L2 penalty on weights.
 *
 * <p><b>Determinism.</b> The example order of epoch {@code e} is a Fisher-Yates shuffle seeded from {@code
 * (plan.seed(), e)}, no ND4J random op is used, and ND4J with one OpenMP thread ({@code OMP_NUM_THREADS=1}, as Cohort
 * runs it) computes the same bits every time: the same model, parameters, data and plan give bit-identical trained
 * parameters.
 *
 * <p><b>Memory.</b> The network of each architecture (parameters, gradients, optimiser state and batch buffers, all
 * in native memory) is built on first use and kept for later calls, so that a worker swapping many clients' weights
 * through one trainer allocates nothing per round; the two most recently used architectures are kept. Each training
 * or inference step runs in an ND4J workspace that is reset when the step ends, so off-heap temporaries do not wait
 * for the Java GC. The workspace and the batch buffers grow to the largest batch seen (an inference call with a huge
 * {@code batchSize} on a CNN keeps that much memory until {@link #close()}; a few hundred rows per batch is plenty).
 *
 * <p><b>Threads.</b> Not thread-safe: a trainer must be used by one thread at a time, though it may be handed from
 * thread to thread (as a pool of trainers does). Each thread that runs steps keeps one step workspace, shared by every
 * trainer it uses and sized by the largest step it ran; {@link #close()} frees the calling thread's, and other
 * threads' are freed by ND4J when those threads end.
 */
public final class Nd4jTrainer implements LocalTrainer {
  private static final int CACHED_ARCHITECTURES = 2;

  // Access-ordered, so the eldest entry is the least recently used architecture.
  private final Map<ModelArchitecture, Network> networks = new LinkedHashMap<>(4, 0.75f, true);
  private int[] order = new int[0];
  private boolean closed;

  /** A trainer with no network built yet; the first call for an architecture builds it. */
  public Nd4jTrainer() {}

  /**
   * Trains from {@code initial} for {@code plan.epochs()} epochs of shuffled mini-batches (the last, partial batch
   * included).
   *
   * @return the trained parameters, {@code data.size()} as the example count, and the mean loss and accuracy over
   *     the last epoch (each example's loss measured before the step that used it)
   * @throws IllegalArgumentException if {@code initial} has the wrong length, the examples do not fit the model, or
   *     {@code data} is empty
   */
  @Override
  public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
    return fit(model, initial, data, plan, null);
  }

  /**
   * As {@link #fit(ModelArchitecture, float[], LocalDataset, TrainingPlan)}, with {@code gradientCorrection} added to
   * every step's gradient (after L2 and the proximal term): SCAFFOLD's {@code c - c_i}. It takes exactly {@link
   * TrainingPlan#localSteps(int) plan.localSteps(data.size())} steps.
   *
   * @param gradientCorrection the correction, of the parameters' length, or null for none
   * @throws IllegalArgumentException if the correction has the wrong length, or comes with Adam (SCAFFOLD's control
   *     variates assume SGD steps)
   */
  @Override
  public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan,
      float[] gradientCorrection) {
    Objects.requireNonNull(plan, "plan");
    if (gradientCorrection != null) {
      if (plan.optimizer() != TrainingPlan.Optimizer.SGD) {
        throw new IllegalArgumentException("a SCAFFOLD gradient correction needs SGD steps, but the plan uses "
            + plan.optimizer());
      }
      if (model != null && gradientCorrection.length != model.parameterCount()) {
        throw new IllegalArgumentException("gradientCorrection has " + gradientCorrection.length + " values but "
            + model.describe() + " has " + model.parameterCount() + " parameters");
      }
    }
    if (data != null && data.size() == 0) {
      throw new IllegalArgumentException("data must hold at least one example to train on");
    }
    Network network = prepare(model, initial, "initial", data);
    int n = data.size();
    int batch = Math.min(plan.batchSize(), n);
    network.ensureCapacity(batch);
    Optimizer optimizer = optimizer(network, plan);
    if (plan.proximalMu() > 0) {
      network.anchorProximalTerm();
    }
    network.setGradientCorrection(gradientCorrection);
    if (order.length < n) {
      order = new int[n];
    }
    double lossSum = 0;
    long correct = 0;
    for (int epoch = 0; epoch < plan.epochs(); epoch++) {
      shuffle(n, new SplittableRandom(epochSeed(plan.seed(), epoch)));
      lossSum = 0;
      correct = 0;
      for (int from = 0; from < n; from += batch) {
        int count = Math.min(batch, n - from);
        network.loadBatch(data, order, from, count);
        SoftmaxCrossEntropy.BatchStats stats = network.trainStep(count, plan.l2(), plan.proximalMu(), optimizer);
        lossSum += stats.lossSum();
        correct += stats.correct();
      }
    }
    return new FitOutcome(network.copyParameters(), n, lossSum / n, (double) correct / n);
  }

  /**
   * Mean softmax cross-entropy and accuracy of {@code parameters} on {@code data}, in batches of {@code batchSize};
   * neither the arguments nor any training state change. An empty dataset gives zero loss and accuracy.
   *
   * @throws IllegalArgumentException if {@code parameters} has the wrong length, the examples do not fit the model,
   *     or {@code batchSize < 1}
   */
  @Override
  public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize) {
    Network network = prepareInference(model, parameters, data, batchSize);
    int n = data.size();
    double lossSum = 0;
    long correct = 0;
    for (int from = 0; from < n; from += batchSize) {
      int count = Math.min(batchSize, n - from);
      network.loadBatch(data, null, from, count);
      SoftmaxCrossEntropy.BatchStats stats = SoftmaxCrossEntropy.compute(
          network.logits(count), count, network.numClasses(), network.batchLabels(), null, null);
      lossSum += stats.lossSum();
      correct += stats.correct();
    }
    return n == 0 ? new EvaluationOutcome(0, 0, 0) : new EvaluationOutcome(n, lossSum / n, (double) correct / n);
  }

  /**
   * Softmax class probabilities of every example, for central evaluation.
   *
   * @return row-major {@code [data.size(), model.numClasses()]} probabilities
   * @throws IllegalArgumentException as for {@link #evaluate}
   */
  public float[] predictProbabilities(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize) {
    Network network = prepareInference(model, parameters, data, batchSize);
    int n = data.size();
    int classes = network.numClasses();
    float[] out = new float[Math.multiplyExact(n, classes)];
    double[] probabilities = new double[Math.min(batchSize, Math.max(n, 1)) * classes];
    for (int from = 0; from < n; from += batchSize) {
      int count = Math.min(batchSize, n - from);
      network.loadBatch(data, null, from, count);
      SoftmaxCrossEntropy.compute(network.logits(count), count, classes, network.batchLabels(), null, probabilities);
      for (int i = 0; i < count * classes; i++) {
        out[from * classes + i] = (float) probabilities[i];
      }
    }
    return out;
  }

  /**
   * The most probable class of every example (the lowest index on ties).
   *
   * @throws IllegalArgumentException as for {@link #evaluate}
   */
  public int[] predictLabels(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize) {
    Network network = prepareInference(model, parameters, data, batchSize);
    int n = data.size();
    int[] out = new int[n];
    for (int from = 0; from < n; from += batchSize) {
      int count = Math.min(batchSize, n - from);
      network.loadBatch(data, null, from, count);
      SoftmaxCrossEntropy.argmax(network.logits(count), count, network.numClasses(), out, from);
    }
    return out;
  }

  /**
   * Frees the native memory of every cached network and the calling thread's step workspace (which another trainer
   * on this thread would simply recreate). Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    networks.values().forEach(Network::close);
    networks.clear();
    Network.releaseStepWorkspace();
  }

  private Network prepareInference(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    Network network = prepare(model, parameters, "parameters", data);
    network.ensureCapacity(Math.min(batchSize, Math.max(data.size(), 1)));
    return network;
  }

  /** Validates the arguments, then returns the architecture's network with {@code parameters} loaded. */
  private Network prepare(ModelArchitecture model, float[] parameters, String name, LocalDataset data) {
    if (closed) {
      throw new IllegalStateException("this trainer has been closed");
    }
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(parameters, name);
    Objects.requireNonNull(data, "data");
    if (parameters.length != model.parameterCount()) {
      throw new IllegalArgumentException(name + " has " + parameters.length + " values but " + model.describe()
          + " needs " + model.parameterCount());
    }
    checkExamples(model, data);
    Network network = network(model);
    network.setParameters(parameters);
    return network;
  }

  /**
   * A CNN needs examples of exactly its input shape; dense models flatten their input, so any example shape with the
   * same number of values is accepted (e.g. {@code [784]} data for a {@code [1, 28, 28]} MLP).
   */
  private static void checkExamples(ModelArchitecture model, LocalDataset data) {
    boolean fits = model.kind() == ModelArchitecture.Kind.CNN
        ? data.exampleShape().equals(model.inputShape())
        : data.exampleSize() == model.inputSize();
    if (!fits) {
      throw new IllegalArgumentException("examples have shape " + data.exampleShape() + " but the model's inputShape is "
          + model.inputShape() + " (" + model.describe() + ")");
    }
    if (data.numClasses() > model.numClasses()) {
      throw new IllegalArgumentException("data has numClasses " + data.numClasses() + " but the model has only "
          + model.numClasses());
    }
  }

  private Network network(ModelArchitecture model) {
    Network network = networks.get(model);
    if (network == null) {
      network = new Network(model, DataType.FLOAT);
      networks.put(model, network);
      Iterator<Network> eldest = networks.values().iterator();
      while (networks.size() > CACHED_ARCHITECTURES) {
        eldest.next().close();
        eldest.remove();
      }
    }
    return network;
  }

  private static Optimizer optimizer(Network network, TrainingPlan plan) {
    return switch (plan.optimizer()) {
      case SGD -> new SgdMomentum(plan.learningRate(), plan.momentum(),
          plan.momentum() == 0 ? null : network.zeroedState(0));
      case ADAM -> new Adam(plan.learningRate(), network.zeroedState(0), network.zeroedState(1));
    };
  }

  /** Puts a uniformly random permutation of {@code 0 .. n-1} in {@code order[0 .. n)}. */
  private void shuffle(int n, SplittableRandom random) {
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
  }

  // A fixed odd multiplier spreads consecutive epochs over the seed space; SplittableRandom mixes the result further.
  private static long epochSeed(long seed, int epoch) {
    return seed ^ (0x9E3779B97F4A7C15L * (epoch + 1L));
  }
}
