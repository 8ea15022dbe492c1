package io.cohort.protocol.model;

import io.cohort.protocol.v1.Architecture;
import io.cohort.protocol.v1.DType;
import io.cohort.protocol.v1.ModelSpec;
import io.cohort.protocol.v1.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What a model is: the kind of network, the shape of one input example and the number of classes. Both coordinator
 * and clients derive from it the same ordered parameter tensors ({@link #tensors()}), so the flat parameter vector
 * means the same on both sides.
 *
 * <p>Layouts: dense weights are {@code [in, out]}; conv weights are {@code [outChannels, inChannels, 5, 5]} (the
 * PyTorch/ONNX order); every layer has a bias. A CNN applies, per conv block, a 5x5 "valid" convolution, ReLU and a
 * 2x2 max-pool of stride 2, then flattens in channel-height-width order into the dense layers.
 *
 * @param kind the network family
 * @param inputShape one example's shape: {@code [features]} or {@code [channels, height, width]}
 * @param numClasses number of output classes (at least 2)
 * @param hiddenUnits width of each dense hidden layer (MLP and CNN head; empty for logistic regression)
 * @param convChannels output channels of each conv block (CNN only)
 */
public record ModelArchitecture(
    Kind kind, List<Integer> inputShape, int numClasses, List<Integer> hiddenUnits, List<Integer> convChannels) {

  /** Side of the square convolution kernel. */
  public static final int KERNEL = 5;
  /** Side and stride of the max-pool window. */
  public static final int POOL = 2;
  /**
   * The most parameters a model may have: 2^28 (1 GiB of float32). A model spec off the network that declares more is
   * refused before anything is allocated for it.
   */
  public static final int MAX_PARAMETERS = 1 << 28;

  /** The network families Cohort trains. */
  public enum Kind {
    LOGREG, MLP, CNN;

    /** Parses a CLI name ({@code logreg}, {@code mlp}, {@code cnn}). */
    public static Kind parse(String name) {
      for (Kind k : values()) {
        if (k.name().equalsIgnoreCase(name)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown model '" + name + "': expected logreg, mlp or cnn");
    }
  }

  public ModelArchitecture {
    inputShape = List.copyOf(inputShape);
    hiddenUnits = List.copyOf(hiddenUnits);
    convChannels = List.copyOf(convChannels);
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses);
    }
    if (inputShape.isEmpty() || inputShape.stream().anyMatch(d -> d < 1)) {
      throw new IllegalArgumentException("inputShape must be non-empty and positive, got " + inputShape);
    }
    if (hiddenUnits.stream().anyMatch(d -> d < 1) || convChannels.stream().anyMatch(d -> d < 1)) {
      throw new IllegalArgumentException("layer sizes must be positive");
    }
    if (kind == Kind.LOGREG && !hiddenUnits.isEmpty()) {
      throw new IllegalArgumentException("logistic regression has no hidden layers");
    }
    if (kind != Kind.CNN && !convChannels.isEmpty()) {
      throw new IllegalArgumentException("only a CNN has conv channels");
    }
    if (kind == Kind.CNN) {
      if (inputShape.size() != 3) {
        throw new IllegalArgumentException("a CNN needs inputShape [channels, height, width], got " + inputShape);
      }
      if (convChannels.isEmpty()) {
        throw new IllegalArgumentException("a CNN needs at least one conv block");
      }
      int h = inputShape.get(1);
      int w = inputShape.get(2);
      for (int i = 0; i < convChannels.size(); i++) {
        h = (h - KERNEL + 1) / POOL;
        w = (w - KERNEL + 1) / POOL;
        if (h < 1 || w < 1) {
          throw new IllegalArgumentException("input " + inputShape + " is too small for " + convChannels.size()
              + " conv blocks of " + KERNEL + "x" + KERNEL + " and pool " + POOL);
        }
      }
    }
    long flattened = 1;
    for (int d : inputShape) {
      flattened = Math.min(Long.MAX_VALUE / Integer.MAX_VALUE, flattened) * d; // saturates instead of overflowing
    }
    if (flattened > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("input " + inputShape + " has more than " + Integer.MAX_VALUE
          + " features; a model takes at most that many");
    }
    long parameters = countParameters(kind, inputShape, numClasses, hiddenUnits, convChannels);
    if (parameters > MAX_PARAMETERS) {
      throw new IllegalArgumentException("a model of " + (parameters == Long.MAX_VALUE ? "more than 2^63"
          : String.valueOf(parameters)) + " parameters is over the limit of " + MAX_PARAMETERS + " (input "
          + inputShape + ", hidden " + hiddenUnits + ", conv " + convChannels + ", " + numClasses + " classes)");
    }
  }

  /** The parameters of the layers given, in exact arithmetic; {@code Long.MAX_VALUE} if they overflow a long. */
  private static long countParameters(Kind kind, List<Integer> inputShape, int numClasses, List<Integer> hiddenUnits,
      List<Integer> convChannels) {
    try {
      long count = 0;
      long features = 1;
      for (int d : inputShape) {
        features = Math.multiplyExact(features, d);
      }
      if (kind == Kind.CNN) {
        long channels = inputShape.get(0);
        long h = inputShape.get(1);
        long w = inputShape.get(2);
        for (int out : convChannels) {
          count = Math.addExact(count, Math.addExact(Math.multiplyExact(Math.multiplyExact(out, channels),
              (long) KERNEL * KERNEL), out));
          channels = out;
          h = (h - KERNEL + 1) / POOL;
          w = (w - KERNEL + 1) / POOL;
        }
        features = Math.multiplyExact(Math.multiplyExact(channels, h), w);
      }
      for (int units : hiddenUnits) {
        count = Math.addExact(count, Math.addExact(Math.multiplyExact(features, units), units));
        features = units;
      }
      return Math.addExact(count, Math.addExact(Math.multiplyExact(features, numClasses), numClasses));
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Multinomial logistic regression for inputs of the given shape. */
  public static ModelArchitecture logreg(List<Integer> inputShape, int numClasses) {
    return new ModelArchitecture(Kind.LOGREG, inputShape, numClasses, List.of(), List.of());
  }

  /** The default sizes of each family (MLP hidden 128; CNN conv 16, 32 and hidden 128) for the given data shape. */
  public static ModelArchitecture defaultFor(Kind kind, List<Integer> inputShape, int numClasses) {
    return switch (kind) {
      case LOGREG -> new ModelArchitecture(kind, inputShape, numClasses, List.of(), List.of());
      case MLP -> new ModelArchitecture(kind, inputShape, numClasses, List.of(128), List.of());
      case CNN -> new ModelArchitecture(kind, inputShape, numClasses, List.of(128), List.of(16, 32));
    };
  }

  /** Number of features of one example when flattened. */
  public int inputSize() {
    int n = 1;
    for (int d : inputShape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** The ordered parameter tensors, with their offsets into the flat parameter vector. */
  public List<TensorShape> tensors() {
    List<TensorShape> out = new ArrayList<>();
    int offset = 0;
    int features = inputSize();
    if (kind == Kind.CNN) {
      int channels = inputShape.get(0);
      int h = inputShape.get(1);
      int w = inputShape.get(2);
      for (int i = 0; i < convChannels.size(); i++) {
        int outChannels = convChannels.get(i);
        offset = add(out, "conv" + i + "/W", List.of(outChannels, channels, KERNEL, KERNEL), offset);
        offset = add(out, "conv" + i + "/b", List.of(outChannels), offset);
        channels = outChannels;
        h = (h - KERNEL + 1) / POOL;
        w = (w - KERNEL + 1) / POOL;
      }
      features = channels * h * w;
    }
    int layer = 0;
    for (int units : hiddenUnits) {
      offset = add(out, "dense" + layer + "/W", List.of(features, units), offset);
      offset = add(out, "dense" + layer + "/b", List.of(units), offset);
      features = units;
      layer++;
    }
    offset = add(out, "dense" + layer + "/W", List.of(features, numClasses), offset);
    add(out, "dense" + layer + "/b", List.of(numClasses), offset);
    return List.copyOf(out);
  }

  private static int add(List<TensorShape> out, String name, List<Integer> shape, int offset) {
    TensorShape t = new TensorShape(name, shape, offset);
    out.add(t);
    return Math.addExact(offset, t.size());
  }

  /** Total number of parameters. */
  public int parameterCount() {
    List<TensorShape> ts = tensors();
    TensorShape last = ts.get(ts.size() - 1);
    return last.offset() + last.size();
  }

  /**
   * Seeded initial parameters: He-uniform weights for layers followed by ReLU, Glorot-uniform for the output layer,
   * zero biases ({@link WeightInit#HE_UNIFORM}). The same seed gives the same vector on every JVM.
   */
  public float[] initialParameters(long seed) {
    return initialParameters(seed, WeightInit.HE_UNIFORM);
  }

  /** Seeded initial parameters drawn by {@code init}. The same seed and scheme give the same vector on every JVM. */
  public float[] initialParameters(long seed, WeightInit init) {
    float[] params = new float[parameterCount()];
    SplittableRandom random = new SplittableRandom(seed);
    List<TensorShape> ts = tensors();
    for (int i = 0; i < ts.size(); i += 2) { // tensors come as (weights, bias) pairs
      TensorShape weights = ts.get(i);
      TensorShape bias = ts.get(i + 1);
      boolean output = i == ts.size() - 2;
      int fanIn;
      int fanOut;
      if (weights.shape().size() == 4) {
        int receptive = weights.shape().get(2) * weights.shape().get(3);
        fanIn = weights.shape().get(1) * receptive;
        fanOut = weights.shape().get(0) * receptive;
      } else {
        fanIn = weights.shape().get(0);
        fanOut = weights.shape().get(1);
      }
      double limit = switch (init) {
        case HE_UNIFORM -> output ? Math.sqrt(6.0 / (fanIn + fanOut)) : Math.sqrt(6.0 / fanIn);
        case TORCH_DEFAULT -> 1.0 / Math.sqrt(fanIn);
      };
      fillUniform(params, weights, limit, random);
      if (init == WeightInit.TORCH_DEFAULT) {
        fillUniform(params, bias, limit, random);
      }
    }
    return params;
  }

  private static void fillUniform(float[] params, TensorShape t, double limit, SplittableRandom random) {
    for (int j = 0; j < t.size(); j++) {
      params[t.offset() + j] = (float) ((random.nextDouble() * 2 - 1) * limit);
    }
  }

  /** The wire form, with the derived tensor list so a peer can check it agrees. */
  public ModelSpec toProto() {
    ModelSpec.Builder b = ModelSpec.newBuilder()
        .setArchitecture(Architecture.valueOf(kind.name()))
        .setNumClasses(numClasses);
    inputShape.forEach(d -> b.addInputShape(d));
    b.addAllHiddenUnits(hiddenUnits).addAllConvChannels(convChannels);
    for (TensorShape t : tensors()) {
      TensorSpec.Builder tb = TensorSpec.newBuilder().setName(t.name()).setDtype(DType.FLOAT32);
      t.shape().forEach(d -> tb.addShape(d));
      b.addTensors(tb);
    }
    return b.build();
  }

  /**
   * Reads the wire form and checks that its tensor list is the one this version derives.
   *
   * @throws IllegalArgumentException if the spec is invalid or describes different tensors
   */
  public static ModelArchitecture fromProto(ModelSpec spec) {
    if (spec.getArchitecture() == Architecture.ARCHITECTURE_UNSPECIFIED || spec.getArchitecture() == Architecture.UNRECOGNIZED) {
      throw new IllegalArgumentException("model spec has no known architecture");
    }
    for (long d : spec.getInputShapeList()) {
      if (d < 1 || d > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("model spec has input dimension " + d + "; each must be 1.."
            + Integer.MAX_VALUE);
      }
    }
    ModelArchitecture arch = new ModelArchitecture(
        Kind.valueOf(spec.getArchitecture().name()),
        spec.getInputShapeList().stream().map(Math::toIntExact).toList(),
        spec.getNumClasses(),
        spec.getHiddenUnitsList(),
        spec.getConvChannelsList());
    if (spec.getTensorsCount() > 0 && !arch.toProto().getTensorsList().equals(spec.getTensorsList())) {
      throw new IllegalArgumentException("model spec lists tensors that differ from those of " + arch.describe());
    }
    return arch;
  }

  /** A short human description, e.g. {@code mlp [1, 28, 28] -> 128 -> 10 (101,770 parameters)}. */
  public String describe() {
    StringBuilder s = new StringBuilder(kind.name().toLowerCase()).append(' ').append(inputShape);
    convChannels.forEach(c -> s.append(" -> conv").append(c));
    hiddenUnits.forEach(h -> s.append(" -> ").append(h));
    return s.append(" -> ").append(numClasses)
        .append(String.format(" (%,d parameters)", parameterCount())).toString();
  }
}
