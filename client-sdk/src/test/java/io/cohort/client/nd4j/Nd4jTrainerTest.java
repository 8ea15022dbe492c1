package io.cohort.client.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.TrainingPlan;
import io.cohort.client.TrainingPlan.Optimizer;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.ModelArchitecture.Kind;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.factory.Nd4j;

/** Behaviour of {@link Nd4jTrainer} through its public API, on small generated data sets. */
class Nd4jTrainerTest {
  private static final ModelArchitecture LOGREG = ModelArchitecture.logreg(List.of(20), 4);
  private static final ModelArchitecture MLP = new ModelArchitecture(Kind.MLP, List.of(20), 4, List.of(16), List.of());
  private static final ModelArchitecture CNN =
      new ModelArchitecture(Kind.CNN, List.of(1, 12, 12), 4, List.of(16), List.of(4));
  private static final LocalDataset VECTORS = TestData.prototypes(List.of(20), 4, 203, 0.4, 1);
  private static final LocalDataset IMAGES = TestData.prototypes(List.of(1, 12, 12), 4, 203, 0.5, 2);

  private static Nd4jTrainer trainer;

  @BeforeAll
  static void start() {
    trainer = new Nd4jTrainer();
  }

  @AfterAll
  static void stop() {
    trainer.close();
  }

  enum Case {
    LOGREG_SGD(LOGREG, sgd(0.1, 0.9)), LOGREG_ADAM(LOGREG, adam(0.03)),
    MLP_SGD(MLP, sgd(0.05, 0.9)), MLP_ADAM(MLP, adam(0.02)),
    CNN_SGD(CNN, sgd(0.05, 0.9)), CNN_ADAM(CNN, adam(0.01));

    final ModelArchitecture model;
    final TrainingPlan plan;

    Case(ModelArchitecture model, TrainingPlan plan) {
      this.model = model;
      this.plan = plan;
    }
  }

  @ParameterizedTest
  @EnumSource(Case.class)
  void fit_learnableData_reducesLossAndFitsTrainingSet(Case c) {
    LocalDataset data = dataFor(c.model);
    float[] initial = c.model.initialParameters(7);
    EvaluationOutcome before = trainer.evaluate(c.model, initial, data, 64);

    FitOutcome fit = trainer.fit(c.model, initial, data, c.plan);
    EvaluationOutcome after = trainer.evaluate(c.model, fit.parameters(), data, 64);

    assertThat(fit.numExamples()).isEqualTo(data.size());
    assertThat(fit.parameters()).hasSize(c.model.parameterCount());
    assertThat(after.loss()).isLessThan(0.5 * before.loss());
    assertThat(after.accuracy()).isGreaterThan(0.9);
    assertThat(fit.loss()).isLessThan(before.loss());
    assertThat(fit.accuracy()).isGreaterThan(0.5);
  }

  @Test
  void fit_sameSeed_givesBitIdenticalParameters() {
    for (ModelArchitecture model : List.of(MLP, CNN)) {
      float[] initial = model.initialParameters(3);
      TrainingPlan plan = new TrainingPlan(2, 16, 0.01, Optimizer.ADAM, 0, 1e-3, 42);
      FitOutcome first = trainer.fit(model, initial, dataFor(model), plan);
      FitOutcome again = trainer.fit(model, initial, dataFor(model), plan);
      FitOutcome freshTrainer;
      try (Nd4jTrainer other = new Nd4jTrainer()) {
        freshTrainer = other.fit(model, initial, dataFor(model), plan);
      }

      assertThat(again.parameters()).isEqualTo(first.parameters());
      assertThat(freshTrainer.parameters()).isEqualTo(first.parameters());
      assertThat(again.loss()).isEqualTo(first.loss());
    }
  }

  @Test
  void fit_oneTrainerPerThreadInParallel_matchesSequentialResult() throws Exception {
    float[] initial = CNN.initialParameters(6);
    TrainingPlan plan = sgd(0.05, 0.9);
    float[] expected = trainer.fit(CNN, initial, IMAGES, plan).parameters();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Callable<float[]> job = () -> {
        try (Nd4jTrainer own = new Nd4jTrainer()) {
          return own.fit(CNN, initial, IMAGES, plan).parameters();
        }
      };
      List<Future<float[]>> results = pool.invokeAll(List.of(job, job));

      for (Future<float[]> result : results) {
        assertThat(result.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void fit_trainerHandedToAnotherThread_givesSameResult() throws Exception {
    float[] initial = CNN.initialParameters(6);
    TrainingPlan plan = adam(0.01);
    float[] here = trainer.fit(CNN, initial, IMAGES, plan).parameters();
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      float[] there = other.submit(() -> trainer.fit(CNN, initial, IMAGES, plan).parameters()).get();

      assertThat(there).isEqualTo(here);
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void fit_leavesNoWorkspaceOpen_andCloseReleasesThisThreadsStepWorkspace() {
    Nd4jTrainer own = new Nd4jTrainer();
    own.fit(MLP, MLP.initialParameters(1), VECTORS, adam(0.01));

    assertThat(Nd4j.getWorkspaceManager().anyWorkspaceActiveForCurrentThread()).isFalse();
    assertThat(Nd4j.getWorkspaceManager().getAllWorkspacesIdsForCurrentThread()).contains(Network.STEP_WORKSPACE_ID);
    own.close();
    assertThat(Nd4j.getWorkspaceManager().getAllWorkspacesIdsForCurrentThread())
        .doesNotContain(Network.STEP_WORKSPACE_ID);
    // The shared trainer of this class simply gets a new workspace on its next step.
    assertThat(trainer.fit(LOGREG, LOGREG.initialParameters(1), VECTORS, adam(0.01)).numExamples())
        .isEqualTo(VECTORS.size());
  }

  @Test
  void fit_differentSeed_givesDifferentParameters() {
    float[] initial = MLP.initialParameters(3);
    FitOutcome a = trainer.fit(MLP, initial, VECTORS, new TrainingPlan(1, 16, 0.05, Optimizer.SGD, 0.9, 0, 1));
    FitOutcome b = trainer.fit(MLP, initial, VECTORS, new TrainingPlan(1, 16, 0.05, Optimizer.SGD, 0.9, 0, 2));

    assertThat(b.parameters()).isNotEqualTo(a.parameters());
  }

  @Test
  void fit_afterOtherArchitecturesEvictedTheNetwork_givesSameResult() {
    TrainingPlan plan = sgd(0.05, 0.5);
    float[] initial = MLP.initialParameters(9);
    FitOutcome first = trainer.fit(MLP, initial, VECTORS, plan);
    trainer.fit(LOGREG, LOGREG.initialParameters(1), VECTORS, plan);
    trainer.fit(CNN, CNN.initialParameters(1), IMAGES, plan);

    FitOutcome rebuilt = trainer.fit(MLP, initial, VECTORS, plan);

    assertThat(rebuilt.parameters()).isEqualTo(first.parameters());
  }

  @Test
  void fit_doesNotModifyInitial() {
    float[] initial = CNN.initialParameters(4);
    float[] copy = initial.clone();

    FitOutcome fit = trainer.fit(CNN, initial, IMAGES, adam(0.01));

    assertThat(initial).isEqualTo(copy);
    assertThat(fit.parameters()).isNotEqualTo(copy).isNotSameAs(initial);
  }

  @Test
  void fit_withL2_givesSmallerWeights() {
    // Same data, seed and steps; only the decay differs. (That biases are not decayed is pinned by the gradient check.)
    float[] initial = LOGREG.initialParameters(5);
    TrainingPlan plain = new TrainingPlan(1, 32, 0.1, Optimizer.SGD, 0, 0, 1);
    TrainingPlan decayed = new TrainingPlan(1, 32, 0.1, Optimizer.SGD, 0, 0.5, 1);

    float[] withoutL2 = trainer.fit(LOGREG, initial, VECTORS, plain).parameters();
    float[] withL2 = trainer.fit(LOGREG, initial, VECTORS, decayed).parameters();

    assertThat(squaredNorm(withL2, 0, 80)).isLessThan(0.9 * squaredNorm(withoutL2, 0, 80));
  }

  @Test
  void evaluate_calledTwiceAndBetweenFits_changesNothing() {
    float[] params = MLP.initialParameters(8);
    float[] copy = params.clone();
    TrainingPlan plan = adam(0.01);
    FitOutcome reference;
    try (Nd4jTrainer other = new Nd4jTrainer()) {
      reference = other.fit(MLP, params, VECTORS, plan);
    }

    EvaluationOutcome first = trainer.evaluate(MLP, params, VECTORS, 50);
    EvaluationOutcome second = trainer.evaluate(MLP, params, VECTORS, 50);
    trainer.evaluate(MLP, reference.parameters(), VECTORS, 7);
    FitOutcome afterEvaluations = trainer.fit(MLP, params, VECTORS, plan);

    assertThat(second).isEqualTo(first);
    assertThat(first.numExamples()).isEqualTo(VECTORS.size());
    assertThat(params).isEqualTo(copy);
    assertThat(afterEvaluations.parameters()).isEqualTo(reference.parameters());
  }

  @Test
  void evaluate_batchSizeDoesNotChangeTheResult() {
    float[] params = CNN.initialParameters(2);

    EvaluationOutcome whole = trainer.evaluate(CNN, params, IMAGES, 1000);
    EvaluationOutcome small = trainer.evaluate(CNN, params, IMAGES, 17);

    assertThat(small.loss()).isCloseTo(whole.loss(), within(1e-5));
    assertThat(small.accuracy()).isEqualTo(whole.accuracy());
  }

  @Test
  void predictProbabilities_rowsAreDistributionsConsistentWithLabelsAndEvaluate() {
    float[] params = trainer.fit(MLP, MLP.initialParameters(1), VECTORS, adam(0.01)).parameters();
    int classes = MLP.numClasses();

    float[] probabilities = trainer.predictProbabilities(MLP, params, VECTORS, 32);
    int[] labels = trainer.predictLabels(MLP, params, VECTORS, 32);
    EvaluationOutcome evaluation = trainer.evaluate(MLP, params, VECTORS, 32);

    assertThat(probabilities).hasSize(VECTORS.size() * classes);
    assertThat(labels).hasSize(VECTORS.size());
    double loss = 0;
    int correct = 0;
    for (int i = 0; i < VECTORS.size(); i++) {
      double sum = 0;
      int best = 0;
      for (int c = 0; c < classes; c++) {
        sum += probabilities[i * classes + c];
        best = probabilities[i * classes + c] > probabilities[i * classes + best] ? c : best;
      }
      assertThat(sum).isCloseTo(1, within(1e-5));
      assertThat(labels[i]).isEqualTo(best);
      correct += labels[i] == VECTORS.label(i) ? 1 : 0;
      loss -= Math.log(probabilities[i * classes + VECTORS.label(i)]);
    }
    assertThat((double) correct / VECTORS.size()).isEqualTo(evaluation.accuracy());
    assertThat(loss / VECTORS.size()).isCloseTo(evaluation.loss(), within(1e-4));
  }

  @Test
  void fit_subsetViewOfSharedData_trainsOnTheViewOnly() {
    LocalDataset firstTen = VECTORS.select(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});

    FitOutcome fit = trainer.fit(MLP, MLP.initialParameters(1), firstTen, sgd(0.05, 0.9));

    // The same ten examples copied into arrays of their own must train to the same bits.
    float[] features = new float[10 * 20];
    int[] labels = new int[10];
    for (int i = 0; i < 10; i++) {
      firstTen.copyFeatures(i, features, i * 20);
      labels[i] = firstTen.label(i);
    }
    LocalDataset copy = LocalDataset.of(features, labels, List.of(20), 4);
    assertThat(fit.numExamples()).isEqualTo(10);
    assertThat(trainer.fit(MLP, MLP.initialParameters(1), copy, sgd(0.05, 0.9)).parameters())
        .isEqualTo(fit.parameters())
        .isNotEqualTo(trainer.fit(MLP, MLP.initialParameters(1), VECTORS, sgd(0.05, 0.9)).parameters());
  }

  @Test
  void fit_wrongParameterLength_throwsNamingLengths() {
    assertThatThrownBy(() -> trainer.fit(MLP, new float[10], VECTORS, adam(0.01)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initial has 10 values")
        .hasMessageContaining(String.valueOf(MLP.parameterCount()));
    assertThatThrownBy(() -> trainer.evaluate(MLP, new float[MLP.parameterCount() + 1], VECTORS, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parameters has " + (MLP.parameterCount() + 1) + " values");
  }

  @Test
  void fit_exampleShapeNotMatchingModel_throwsNamingShapes() {
    LocalDataset flatImages = TestData.prototypes(List.of(144), 4, 8, 0.1, 3);
    LocalDataset wrongSize = TestData.prototypes(List.of(21), 4, 8, 0.1, 3);

    assertThatThrownBy(() -> trainer.fit(CNN, CNN.initialParameters(1), flatImages, adam(0.01)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[144]")
        .hasMessageContaining("[1, 12, 12]");
    assertThatThrownBy(() -> trainer.predictLabels(MLP, MLP.initialParameters(1), wrongSize, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shape [21]");
  }

  @Test
  void fit_denseModelGivenSameSizeDifferentShape_accepted() {
    LocalDataset images = TestData.prototypes(List.of(1, 4, 5), 4, 8, 0.1, 3);

    FitOutcome fit = trainer.fit(MLP, MLP.initialParameters(1), images, adam(0.01));

    assertThat(fit.numExamples()).isEqualTo(8);
  }

  @Test
  void fit_moreClassesInDataThanModel_throws() {
    LocalDataset sixClasses = TestData.prototypes(List.of(20), 6, 12, 0.1, 3);

    assertThatThrownBy(() -> trainer.fit(MLP, MLP.initialParameters(1), sixClasses, adam(0.01)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numClasses 6");
  }

  @Test
  void fit_emptyData_throws() {
    LocalDataset empty = VECTORS.select(new int[0]);

    assertThatThrownBy(() -> trainer.fit(MLP, MLP.initialParameters(1), empty, adam(0.01)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one example");
    assertThat(trainer.evaluate(MLP, MLP.initialParameters(1), empty, 8).numExamples()).isZero();
  }

  @Test
  void evaluate_nonPositiveBatchSize_throws() {
    assertThatThrownBy(() -> trainer.evaluate(MLP, MLP.initialParameters(1), VECTORS, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize");
  }

  @Test
  void fit_afterClose_throwsIllegalState() {
    Nd4jTrainer closed = new Nd4jTrainer();
    closed.fit(LOGREG, LOGREG.initialParameters(1), VECTORS, adam(0.01));
    closed.close();
    closed.close();

    assertThatThrownBy(() -> closed.fit(LOGREG, LOGREG.initialParameters(1), VECTORS, adam(0.01)))
        .isInstanceOf(IllegalStateException.class);
  }

  private static LocalDataset dataFor(ModelArchitecture model) {
    return model.kind() == Kind.CNN ? IMAGES : VECTORS;
  }

  private static TrainingPlan sgd(double lr, double momentum) {
    return new TrainingPlan(5, 16, lr, Optimizer.SGD, momentum, 1e-4, 17);
  }

  private static TrainingPlan adam(double lr) {
    return new TrainingPlan(5, 16, lr, Optimizer.ADAM, 0, 1e-4, 17);
  }

  private static double squaredNorm(float[] values, int from, int to) {
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += values[i] * values[i];
    }
    return sum;
  }
}
