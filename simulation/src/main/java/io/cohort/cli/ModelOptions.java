package io.cohort.cli;

import io.cohort.coordinator.TrainSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.WeightInit;
import io.cohort.protocol.v1.Optimizer;
import java.util.List;
import picocli.CommandLine.Option;

/** The model and local-training options shared by {@code simulate} and {@code coordinator}. */
final class ModelOptions {
  @Option(names = "--model", defaultValue = "mlp", description = "logreg, mlp or cnn (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--hidden", split = ",", description = "dense hidden layer sizes (default: mlp 128, cnn 128)")
  List<Integer> hidden;

  @Option(names = "--conv-channels", split = ",", description = "CNN conv block channels (default: 16,32)")
  List<Integer> convChannels;

  @Option(names = "--local-epochs", defaultValue = "1", description = "local epochs per round (default: ${DEFAULT-VALUE})")
  int localEpochs;

  @Option(names = "--batch-size", defaultValue = "16", description = "local batch size (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(names = "--optimizer", defaultValue = "adam", description = "adam or sgd (default: ${DEFAULT-VALUE})")
  String optimizer;

  @Option(names = "--lr", description = "local learning rate (default: 0.001 for adam, 0.05 for sgd)")
  Double learningRate;

  @Option(names = "--momentum", description = "SGD momentum (default: 0.9 for sgd; 0 with --strategy scaffold)")
  Double momentum;

  @Option(names = "--l2", defaultValue = "0", description = "L2 penalty on weights (default: ${DEFAULT-VALUE})")
  double l2;

  @Option(names = "--init", defaultValue = "he", converter = WeightInitConverter.class,
      description = "initial weights: he (He-uniform, Glorot for the output layer, zero biases) or torch (PyTorch's "
          + "default, U(+-1/sqrt(fan-in)) for weights and biases) (default: ${DEFAULT-VALUE})")
  WeightInit init;

  /** Parses {@code --init}. */
  static final class WeightInitConverter implements picocli.CommandLine.ITypeConverter<WeightInit> {
    @Override
    public WeightInit convert(String value) {
      return WeightInit.parse(value);
    }
  }

  ModelArchitecture architecture() {
    return architecture(List.of(1, 28, 28), 10);
  }

  /** The model for examples of {@code inputShape} and {@code numClasses} classes (a CNN needs image data). */
  ModelArchitecture architecture(List<Integer> inputShape, int numClasses) {
    ModelArchitecture.Kind kind = ModelArchitecture.Kind.parse(model);
    if (kind == ModelArchitecture.Kind.CNN && inputShape.size() != 3) {
      throw new IllegalArgumentException("--model cnn needs image data; tabular rows of " + inputShape.get(0)
          + " features take --model logreg or mlp");
    }
    ModelArchitecture defaults = ModelArchitecture.defaultFor(kind, inputShape, numClasses);
    return new ModelArchitecture(kind, defaults.inputShape(), defaults.numClasses(),
        hidden != null ? hidden : defaults.hiddenUnits(),
        convChannels != null ? convChannels : defaults.convChannels());
  }

  /**
   * The local-training settings; {@code strategy} (the {@code --strategy} value) sets SGD's default momentum: 0 for
   * SCAFFOLD, whose control variates assume plain SGD steps (Karimireddy et al. 2020), else 0.9.
   */
  TrainSettings train(String strategy) {
    boolean plainSgd = strategy != null && strategy.trim().split(":", 2)[0].equals("scaffold");
    Optimizer opt = switch (optimizer.toLowerCase()) {
      case "adam" -> Optimizer.ADAM;
      case "sgd" -> Optimizer.SGD;
      default -> throw new IllegalArgumentException("--optimizer must be adam or sgd, got '" + optimizer + "'");
    };
    double lr = learningRate != null ? learningRate : opt == Optimizer.ADAM ? 1e-3 : 0.05;
    double m = momentum != null ? momentum : opt == Optimizer.SGD && !plainSgd ? 0.9 : 0.0;
    return new TrainSettings(localEpochs, batchSize, lr, opt, m, l2);
  }
}
