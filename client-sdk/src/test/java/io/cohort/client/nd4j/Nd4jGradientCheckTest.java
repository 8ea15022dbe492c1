package io.cohort.client.nd4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.LocalDataset;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.ModelArchitecture.Kind;
import io.cohort.protocol.model.TensorShape;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Compares the analytic gradients of {@link Network} (built in double precision) with central differences of the
 * objective {@code mean cross-entropy + l2/2 * sum of squared weights}, for every parameter.
 */
class Nd4jGradientCheckTest {
  private static final double L2 = 0.05;
  private static final double STEP = 1e-6;
  private static final double TOLERANCE = 1e-6;
  private static final int BATCH = 5;

  @Test
  void gradients_logreg_matchCentralDifferences() {
    check(ModelArchitecture.logreg(List.of(6), 3));
  }

  @Test
  void gradients_mlpWithTwoHiddenLayers_matchCentralDifferences() {
    check(new ModelArchitecture(Kind.MLP, List.of(2, 3), 3, List.of(5, 4), List.of()));
  }

  @Test
  void gradients_cnnOneBlock_matchCentralDifferences() {
    check(new ModelArchitecture(Kind.CNN, List.of(1, 12, 12), 3, List.of(4), List.of(2)));
  }

  @Test
  void gradients_cnnTwoBlocksMultiChannelOddPooling_matchCentralDifferences() {
    // 16x18 -> conv 12x14 -> pool 6x7 -> conv 2x3 -> pool 1x1 (the odd sides are floored); no hidden layer.
    check(new ModelArchitecture(Kind.CNN, List.of(2, 16, 18), 3, List.of(), List.of(3, 2)));
  }

  private static void check(ModelArchitecture model) {
    LocalDataset data = TestData.prototypes(model.inputShape(), model.numClasses(), BATCH, 0.5, 11);
    double[] params = randomParameters(model);
    boolean[] weight = weightMask(model);
    try (Network network = new Network(model, DataType.DOUBLE)) {
      network.ensureCapacity(BATCH);
      network.loadBatch(data, null, 0, BATCH);
      network.setParameters(params);
      network.trainStep(BATCH, L2, null);
      double[] analytic = new double[params.length];
      network.copyGradients(analytic);

      double worst = 0;
      int worstIndex = 0;
      for (int i = 0; i < params.length; i++) {
        double saved = params[i];
        params[i] = saved + STEP;
        double plus = objective(network, params, weight);
        params[i] = saved - STEP;
        double minus = objective(network, params, weight);
        params[i] = saved;
        double numeric = (plus - minus) / (2 * STEP);
        double error = Math.abs(numeric - analytic[i]) / Math.max(1, Math.abs(numeric) + Math.abs(analytic[i]));
        if (error > worst) {
          worst = error;
          worstIndex = i;
        }
      }
      assertThat(worst).as("worst relative gradient error of %s, at parameter %d of %s", model.describe(),
          worstIndex, tensorOf(model, worstIndex)).isLessThan(TOLERANCE);
      assertThat(Arrays.stream(analytic).map(Math::abs).max().orElse(0)).as("largest gradient").isGreaterThan(1e-3);
    }
  }

  private static double objective(Network network, double[] params, boolean[] weight) {
    network.setParameters(params);
    double[] logits = network.logits(BATCH);
    double loss = SoftmaxCrossEntropy.compute(logits, BATCH, network.numClasses(), network.batchLabels(), null, null)
        .lossSum() / BATCH;
    double penalty = 0;
    for (int i = 0; i < params.length; i++) {
      if (weight[i]) {
        penalty += params[i] * params[i];
      }
    }
    return loss + 0.5 * L2 * penalty;
  }

  // Non-zero biases too, so that no unit sits exactly at a ReLU kink by symmetry.
  private static double[] randomParameters(ModelArchitecture model) {
    float[] init = model.initialParameters(3);
    SplittableRandom random = new SplittableRandom(5);
    double[] params = new double[init.length];
    for (int i = 0; i < init.length; i++) {
      params[i] = init[i] + random.nextDouble(-0.1, 0.1);
    }
    return params;
  }

  private static String tensorOf(ModelArchitecture model, int index) {
    return model.tensors().stream().filter(t -> index >= t.offset() && index < t.offset() + t.size())
        .map(TensorShape::name).findFirst().orElseThrow();
  }

  private static boolean[] weightMask(ModelArchitecture model) {
    boolean[] mask = new boolean[model.parameterCount()];
    for (TensorShape t : model.tensors()) {
      if (t.shape().size() > 1) {
        Arrays.fill(mask, t.offset(), t.offset() + t.size(), true);
      }
    }
    return mask;
  }
}
