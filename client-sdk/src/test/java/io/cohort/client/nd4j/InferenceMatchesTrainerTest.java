package io.cohort.client.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.LocalDataset;
import io.cohort.protocol.model.Inference;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The plain-Java forward pass computes the probabilities the ND4J trainer computes, for every model family. */
class InferenceMatchesTrainerTest {
  private static Nd4jTrainer trainer;

  @BeforeAll
  static void start() {
    trainer = new Nd4jTrainer();
  }

  @AfterAll
  static void stop() {
    trainer.close();
  }

  static List<ModelArchitecture> models() {
    return List.of(
        ModelArchitecture.logreg(List.of(12), 3),
        new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(20), 4, List.of(16, 8), List.of()),
        new ModelArchitecture(ModelArchitecture.Kind.CNN, List.of(2, 16, 16), 5, List.of(10), List.of(3, 4)),
        // not square, odd sizes: a height/width swap or the pool's rounding would show
        new ModelArchitecture(ModelArchitecture.Kind.CNN, List.of(1, 13, 17), 3, List.of(6), List.of(2)));
  }

  @ParameterizedTest
  @MethodSource("models")
  void probabilities_randomModelAndInputs_matchTheTrainerWithin1e5(ModelArchitecture model) {
    Random random = new Random(model.parameterCount());
    float[] parameters = model.initialParameters(7);
    for (int i = 0; i < parameters.length; i++) {
      parameters[i] += (float) (random.nextGaussian() * 0.05); // biases too, so every term of the pass matters
    }
    int n = 9;
    float[] features = new float[n * model.inputSize()];
    for (int i = 0; i < features.length; i++) {
      features[i] = (float) random.nextGaussian();
    }
    LocalDataset data = LocalDataset.of(features, new int[n], model.inputShape(), model.numClasses());
    float[] expected = trainer.predictProbabilities(model, parameters, data, 4);

    Inference inference = new Inference(model, parameters);
    for (int e = 0; e < n; e++) {
      float[] example = java.util.Arrays.copyOfRange(features, e * model.inputSize(), (e + 1) * model.inputSize());
      double[] p = inference.probabilities(example);
      assertThat(p).hasSize(model.numClasses());
      for (int c = 0; c < p.length; c++) {
        assertThat(p[c]).as("example %d, class %d", e, c).isCloseTo(expected[e * model.numClasses() + c],
            within(1e-5));
      }
    }
  }
}
