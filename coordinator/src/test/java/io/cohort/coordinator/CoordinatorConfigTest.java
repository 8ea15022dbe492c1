package io.cohort.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.privacy.DpConfig;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class CoordinatorConfigTest {
  private static final long GIB = 1L << 30;

  @Test
  void defaultMaxConcurrentUploads_smallModel_isCappedAt64() {
    assertThat(CoordinatorConfig.defaultMaxConcurrentUploads(100_000, 4 * GIB)).isEqualTo(64);
  }

  @Test
  void defaultMaxConcurrentUploads_largeModel_staysWithinASixteenthOfTheHeap() {
    // 100M parameters = 400 MB a staging vector; a sixteenth of 4 GiB holds none, and the floor is 2.
    assertThat(CoordinatorConfig.defaultMaxConcurrentUploads(100_000_000, 4 * GIB)).isEqualTo(2);
    // 10M parameters = 40 MB: 256 MiB / 40 MB = 6.
    assertThat(CoordinatorConfig.defaultMaxConcurrentUploads(10_000_000, 4 * GIB)).isEqualTo(6);
  }

  @Test
  void defaultMaxConcurrentUploads_neverBelowTwo() {
    assertThat(CoordinatorConfig.defaultMaxConcurrentUploads(1_000_000_000, GIB)).isEqualTo(2);
  }

  @Test
  void async_withSecureAggregation_refusedSayingWhyAndWhatToDo() {
    assertThatThrownBy(() -> CoordinatorConfig.builder(io.cohort.protocol.model.ModelArchitecture.logreg(
        java.util.List.of(2), 2)).async(new AsyncSettings(2, 1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--mode async does not support secure aggregation yet")
        .hasMessageContaining("--no-secure-agg");
  }

  @Test
  void build_compressionWithSecureAggregation_refusedSayingWhy() {
    CoordinatorConfig.Builder b = CoordinatorConfig.builder(ModelArchitecture.logreg(List.of(4), 3))
        .compression(UpdateCompression.q8()); // secure aggregation is on by default
    assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--compression q8 is not supported with secure aggregation")
        .hasMessageContaining("--no-secure-agg");
  }

  @Test
  void async_withDifferentialPrivacy_refused() {
    assertThatThrownBy(() -> CoordinatorConfig.builder(io.cohort.protocol.model.ModelArchitecture.logreg(
        java.util.List.of(2), 2)).secureAggregation(SecureAggregationSettings.off())
        .differentialPrivacy(new io.cohort.privacy.DpConfig(1.0, new io.cohort.privacy.DpConfig.FixedClip(1.0), 1e-5,
            java.util.OptionalDouble.empty(), io.cohort.privacy.DpConfig.Mode.CENTRAL))
        .async(new AsyncSettings(2, 1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--mode async does not support differential privacy yet");
  }

  @Test
  void asyncSettings_badValues_refused() {
    assertThatThrownBy(() -> new AsyncSettings(0, 1)).hasMessageContaining("at least 1 update");
    assertThatThrownBy(() -> new AsyncSettings(2, -1)).hasMessageContaining(">= 0 server steps");
    assertThat(AsyncSettings.stalenessWeight(0)).isEqualTo(1.0);
    assertThat(AsyncSettings.stalenessWeight(3)).isEqualTo(0.5);
  }

  @Test
  void build_compressionWithDifferentialPrivacy_refused() {
    CoordinatorConfig.Builder b = CoordinatorConfig.builder(ModelArchitecture.logreg(List.of(4), 3))
        .secureAggregation(SecureAggregationSettings.off()).compression(UpdateCompression.topK(0.1))
        .differentialPrivacy(new DpConfig(1.0, new DpConfig.FixedClip(1.0), 1e-5, OptionalDouble.empty(),
            DpConfig.Mode.CENTRAL));
    assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--compression topk:0.1 is not supported with differential privacy");
  }

  @Test
  void build_compressionWithPlaintextRounds_keptAndNoneByDefault() {
    ModelArchitecture model = ModelArchitecture.logreg(List.of(4), 3);
    assertThat(CoordinatorConfig.builder(model).build().compression()).isEqualTo(UpdateCompression.NONE);
    assertThat(CoordinatorConfig.builder(model).secureAggregation(SecureAggregationSettings.off())
        .compression(UpdateCompression.q4()).build().compression()).isEqualTo(UpdateCompression.q4());
  }

  @Test
  void scaffold_withCompressionOrAsync_refusedSayingWhy() {
    ModelArchitecture model = ModelArchitecture.logreg(List.of(4), 3);
    io.cohort.coordinator.strategy.Strategy scaffold = io.cohort.coordinator.strategy.Strategies.parse("scaffold", 1, 1);
    TrainSettings sgd = new TrainSettings(1, 16, 0.05, io.cohort.protocol.v1.Optimizer.SGD, 0, 0);
    assertThatThrownBy(() -> CoordinatorConfig.builder(model).secureAggregation(SecureAggregationSettings.off())
        .train(sgd).strategy(scaffold).compression(UpdateCompression.q8()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not combine with --compression yet");
    assertThatThrownBy(() -> CoordinatorConfig.builder(model).secureAggregation(SecureAggregationSettings.off())
        .train(sgd).strategy(scaffold).async(new AsyncSettings(2, 1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not combine with --mode async yet");
  }

  @Test
  void async_withOverSelection_refused() {
    assertThatThrownBy(() -> CoordinatorConfig.builder(ModelArchitecture.logreg(List.of(4), 3))
        .secureAggregation(SecureAggregationSettings.off()).async(new AsyncSettings(2, 1)).overSelection(0.3).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--over-select has no meaning with --mode async");
  }

  @Test
  void async_withFederatedEvaluation_refused() {
    assertThatThrownBy(() -> CoordinatorConfig.builder(ModelArchitecture.logreg(List.of(4), 3))
        .secureAggregation(SecureAggregationSettings.off()).async(new AsyncSettings(2, 1)).evaluateEvery(1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--eval-every does not combine with --mode async yet");
  }
}
