package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A model whose weight tensor spans several chunks (3M parameters, 12 MB) goes down to a real SDK client and its
 * update comes back up through the streaming upload, and the aggregate is exact. For a 100M-parameter model run it by
 * hand with a bigger heap: {@code mvn -pl simulation verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=LargeModelIT "-Dcohort.test.jvmArgs=-Xmx12g -Dcohort.largeModel.features=50000000"}.
 */
class LargeModelIT {
  /** Trivial "training": every parameter moves by +0.5, so the expected aggregate is known exactly. */
  static final class ShiftTrainer implements LocalTrainer {
    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      float[] out = initial.clone();
      for (int i = 0; i < out.length; i++) {
        out[i] += 0.5f;
      }
      return new FitOutcome(out, data.size(), 1.0, 0.5);
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batch) {
      return new EvaluationOutcome(data.size(), 1.0, 0.5);
    }

    @Override
    public void close() {}
  }

  @Test
  void round_modelOfSeveralChunks_travelsBothWaysExactly() throws Exception {
    int features = Integer.getInteger("cohort.largeModel.features", 1_500_000);
    ModelArchitecture model = ModelArchitecture.logreg(List.of(features), 2);
    assertThat(model.tensors().get(0).size()).isGreaterThan(2 * TensorChunks.DEFAULT_CHUNK_ELEMENTS);
    Vertx vertx = Vertx.vertx();
    try {
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(model)
          .secureAggregation(SecureAggregationSettings.off()).rounds(1).seed(4).build()).await();
      LocalDataset one = LocalDataset.of(new float[features], new int[] {1}, List.of(features), 2);
      // Over TLS with a signed upload: the signature covers every chunk frame of the streamed update.
      ClientReport report = CohortClient.builder().coordinator(URI.create(coordinator.url())).name("big")
          .trustedCoordinatorCa(coordinator.caCertificate()).enrolmentToken(coordinator.issueEnrolmentToken())
          .requireSecureAggregation(false).data(DatasetSource.of(one, one)).trainer(new ShiftTrainer()).build().run();
      assertThat(report.roundsTrained()).isEqualTo(1);
      RoundRecord round = coordinator.completion().await().get(0);
      float[] initial = model.initialParameters(4);
      float[] expected = new float[initial.length];
      for (int i = 0; i < initial.length; i++) {
        expected[i] = (float) (initial[i] + (double) ((initial[i] + 0.5f) - initial[i]));
      }
      // Arrays.equals, not containsExactly: AssertJ's element diff is quadratic on 3M entries.
      assertThat(java.util.Arrays.equals(round.parameters(), expected)).isTrue();
      assertThat(round.parameters()[0]).isNotEqualTo(initial[0]);
      coordinator.close().await();
    } finally {
      vertx.close().await();
    }
  }
}
