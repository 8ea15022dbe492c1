package io.cohort.client.nd4j;

import io.cohort.client.LocalDataset;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.TensorShape;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A built model of one {@link ModelArchitecture}: its layers, the flat parameter and gradient vectors they view, and
 * the reusable batch buffers. Built once per architecture and reused across fits, so a training round allocates no
 * persistent native memory.
 *
 * <p>Memory discipline: every persistent array is created outside any workspace (detached) and lives until {@link
 * #close()}; everything a step computes lives in the calling thread's step workspace, which is reset when the step
 * ends, because ND4J would otherwise free those temporaries only when the Java GC happens to run. ND4J workspaces
 * belong to a thread, and steps never nest, so all networks share one workspace id: a thread holds one step
 * workspace (grown to its largest step) however many networks or trainers it runs, which keeps memory bounded when
 * a pool hands trainers between threads. A network must be used by one thread at a time.
 */
@SuppressWarnings("try") // workspace scopes are opened for their side effects, never referenced
final class Network implements AutoCloseable {
  static final String STEP_WORKSPACE_ID = "cohort-nd4j-step";
  // Sized by the first step, then reused; a larger later step (bigger batch) spills and the workspace regrows.
  private static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
      .initialSize(0)
      .policyAllocation(AllocationPolicy.OVERALLOCATE)
      .overallocationLimit(0.2)
      .policyLearning(LearningPolicy.FIRST_LOOP)
      .policySpill(SpillPolicy.REALLOCATE)
      .build();

  private final DataType dataType;
  private final int parameterCount;
  private final int inputSize;
  private final int numClasses;
  private final long[] imageShape;
  private final int convBlocks;
  private final long[] pooledShape;
  private final INDArray parameters;
  private final INDArray gradients;
  private INDArray anchor; // the proximal term's w_start; made on first use
  private INDArray correction; // SCAFFOLD's c - c_i; made on first use
  private boolean corrected; // whether steps add the correction
  private final List<Layer> layers = new ArrayList<>();
  private final List<INDArray[]> penalised = new ArrayList<>();
  private final List<INDArray> optimizerState = new ArrayList<>();

  private int capacity;
  private INDArray inputBuffer;
  private INDArray logitsBuffer;
  private INDArray logitGradientBuffer;
  private float[] hostFeatures;
  private int[] hostLabels;
  private double[] hostLogits;
  private double[] hostLogitGradient;

  /**
   * @param architecture the model
   * @param dataType FLOAT for training; DOUBLE lets tests check gradients numerically
   */
  Network(ModelArchitecture architecture, DataType dataType) {
    this.dataType = dataType;
    this.parameterCount = architecture.parameterCount();
    this.inputSize = architecture.inputSize();
    this.numClasses = architecture.numClasses();
    boolean cnn = architecture.kind() == ModelArchitecture.Kind.CNN;
    this.imageShape = cnn ? architecture.inputShape().stream().mapToLong(Integer::longValue).toArray() : null;
    this.convBlocks = architecture.convChannels().size();
    this.pooledShape = cnn ? pooledShape(architecture) : null;
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      parameters = Nd4j.create(dataType, parameterCount);
      gradients = Nd4j.create(dataType, parameterCount);
      buildLayers(architecture.tensors());
    }
  }

  // Tensors come in (W, b) pairs: conv blocks first, then dense layers, the last of which gives the logits.
  private void buildLayers(List<TensorShape> tensors) {
    int pairs = tensors.size() / 2;
    for (int i = 0; i < pairs; i++) {
      TensorShape w = tensors.get(2 * i);
      TensorShape b = tensors.get(2 * i + 1);
      INDArray weights = view(parameters, w);
      INDArray weightGradient = view(gradients, w);
      if (i < convBlocks) {
        layers.add(new ConvPoolLayer(weights, view(parameters, b), weightGradient, view(gradients, b),
            ModelArchitecture.POOL));
      } else {
        layers.add(new DenseLayer(weights, view(parameters, b), weightGradient, view(gradients, b), i < pairs - 1));
      }
      penalised.add(new INDArray[] {weights, weightGradient});
    }
  }

  /** {@code [channels, height, width]} of the last conv block's output, which the first dense layer flattens. */
  private static long[] pooledShape(ModelArchitecture architecture) {
    long h = architecture.inputShape().get(1);
    long w = architecture.inputShape().get(2);
    for (int i = 0; i < architecture.convChannels().size(); i++) {
      h = (h - ModelArchitecture.KERNEL + 1) / ModelArchitecture.POOL;
      w = (w - ModelArchitecture.KERNEL + 1) / ModelArchitecture.POOL;
    }
    return new long[] {architecture.convChannels().get(architecture.convChannels().size() - 1), h, w};
  }

  private static INDArray view(INDArray flat, TensorShape tensor) {
    INDArray slice = flat.get(NDArrayIndex.interval(tensor.offset(), tensor.offset() + tensor.size()));
    return tensor.shape().size() == 1 ? slice : slice.reshape('c', tensor.wireShape());
  }

  int numClasses() {
    return numClasses;
  }

  void setParameters(float[] values) {
    HostTransfer.write(parameters, values, parameterCount);
  }

  void setParameters(double[] values) {
    HostTransfer.write(parameters, values, parameterCount);
  }

  float[] copyParameters() {
    float[] out = new float[parameterCount];
    HostTransfer.read(parameters, out, parameterCount);
    return out;
  }

  void copyGradients(double[] out) {
    HostTransfer.read(gradients, out, parameterCount);
  }

  /** A detached state array of the parameters' length, zeroed; slot {@code i} is the same array on every call. */
  INDArray zeroedState(int slot) {
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      while (optimizerState.size() <= slot) {
        optimizerState.add(Nd4j.create(dataType, parameterCount));
      }
    }
    return optimizerState.get(slot).assign(0);
  }

  /** Makes the batch buffers hold at least {@code batchSize} rows; they only ever grow. */
  void ensureCapacity(int batchSize) {
    if (batchSize <= capacity) {
      return;
    }
    closeBuffers();
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      inputBuffer = Nd4j.create(dataType, batchSize, inputSize);
      logitsBuffer = Nd4j.create(dataType, batchSize, numClasses);
      logitGradientBuffer = Nd4j.create(dataType, batchSize, numClasses);
    }
    hostFeatures = new float[Math.multiplyExact(batchSize, inputSize)];
    hostLabels = new int[batchSize];
    hostLogits = new double[batchSize * numClasses];
    hostLogitGradient = new double[batchSize * numClasses];
    capacity = batchSize;
  }

  /**
   * Copies {@code count} examples into the batch buffers: those at {@code order[from ..]} when an order is given,
   * else those at positions {@code from ..}.
   */
  void loadBatch(LocalDataset data, int[] order, int from, int count) {
    for (int i = 0; i < count; i++) {
      int position = order == null ? from + i : order[from + i];
      data.copyFeatures(position, hostFeatures, i * inputSize);
      hostLabels[i] = data.label(position);
    }
    HostTransfer.write(inputBuffer, hostFeatures, count * inputSize);
  }

  /** Labels of the loaded batch (an internal buffer). */
  int[] batchLabels() {
    return hostLabels;
  }

  /**
   * One training step on the loaded batch of {@code count} rows: forward, loss, backward, L2, then the optimiser's
   * update (skipped when null, which leaves the gradients for inspection).
   */
  SoftmaxCrossEntropy.BatchStats trainStep(int count, double l2, Optimizer optimizer) {
    return trainStep(count, l2, 0, optimizer);
  }

  /** Keeps a copy of the current parameters as the proximal term's anchor (the round's starting model). */
  void anchorProximalTerm() {
    if (anchor == null) {
      anchor = Nd4j.create(parameters.dataType(), parameters.length());
    }
    anchor.assign(parameters);
  }

  /**
   * Makes every later training step add {@code values} to the gradient (SCAFFOLD's {@code c - c_i}); null stops it.
   */
  void setGradientCorrection(float[] values) {
    corrected = values != null;
    if (values == null) {
      return;
    }
    if (correction == null) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        correction = Nd4j.create(dataType, parameterCount);
      }
    }
    HostTransfer.write(correction, values, parameterCount);
  }

  /**
   * {@link #trainStep(int, double, Optimizer)} with FedProx's proximal term: the gradient gains {@code mu * (w -
   * anchor)} ({@link #anchorProximalTerm()} first).
   */
  SoftmaxCrossEntropy.BatchStats trainStep(int count, double l2, double proximalMu, Optimizer optimizer) {
    try (MemoryWorkspace ignored = openStep()) {
      forward(count);
      SoftmaxCrossEntropy.BatchStats stats = SoftmaxCrossEntropy.compute(
          hostLogits, count, numClasses, hostLabels, hostLogitGradient, null);
      HostTransfer.write(logitGradientBuffer, hostLogitGradient, count * numClasses);
      backward(count);
      if (l2 > 0) {
        for (INDArray[] pair : penalised) {
          pair[1].addi(pair[0].mul(l2));
        }
      }
      if (proximalMu > 0) {
        gradients.addi(parameters.sub(anchor).muli(proximalMu));
      }
      if (corrected) {
        gradients.addi(correction);
      }
      if (optimizer != null) {
        optimizer.step(parameters, gradients);
      }
      return stats;
    }
  }

  /** Logits of the loaded batch, row-major {@code [count, classes]} in an internal buffer. */
  double[] logits(int count) {
    try (MemoryWorkspace ignored = openStep()) {
      forward(count);
    }
    return hostLogits;
  }

  private static MemoryWorkspace openStep() {
    return Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, STEP_WORKSPACE_ID);
  }

  /** Frees the calling thread's step workspace, if it has one; the next step on this thread makes a new one. */
  static void releaseStepWorkspace() {
    if (Nd4j.getWorkspaceManager().getAllWorkspacesIdsForCurrentThread().contains(STEP_WORKSPACE_ID)) {
      Nd4j.getWorkspaceManager().destroyWorkspace(
          Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(STEP_WORKSPACE_ID));
    }
  }

  private void forward(int count) {
    INDArray x = rows(inputBuffer, count);
    if (imageShape != null) {
      x = x.reshape('c', count, imageShape[0], imageShape[1], imageShape[2]);
    }
    for (int i = 0; i < layers.size(); i++) {
      if (i == convBlocks && convBlocks > 0) {
        x = x.reshape('c', count, x.length() / count); // channel-height-width order, as the dense weights expect
      }
      x = layers.get(i).forward(x);
    }
    rows(logitsBuffer, count).assign(x);
    HostTransfer.read(logitsBuffer, hostLogits, count * numClasses);
  }

  private void backward(int count) {
    INDArray g = rows(logitGradientBuffer, count);
    for (int i = layers.size() - 1; i >= 0; i--) {
      g = layers.get(i).backward(g, i > 0);
      if (i == convBlocks && convBlocks > 0) {
        g = g.reshape('c', count, pooledShape[0], pooledShape[1], pooledShape[2]);
      }
    }
  }

  private INDArray rows(INDArray buffer, int count) {
    return count == capacity ? buffer : buffer.get(NDArrayIndex.interval(0, count), NDArrayIndex.all());
  }

  /** Frees this network's persistent native arrays (not the shared step workspace). */
  @Override
  public void close() {
    closeBuffers();
    release(parameters);
    release(gradients);
    release(anchor);
    release(correction);
    optimizerState.forEach(Network::release);
    optimizerState.clear();
  }

  private void closeBuffers() {
    release(inputBuffer);
    release(logitsBuffer);
    release(logitGradientBuffer);
    capacity = 0;
  }

  private static void release(INDArray array) {
    if (array != null && array.closeable()) {
      array.close();
    }
  }
}
