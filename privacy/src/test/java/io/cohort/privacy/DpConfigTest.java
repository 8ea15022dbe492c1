package io.cohort.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class DpConfigTest {
  private static final DpConfig.FixedClip CLIP = new DpConfig.FixedClip(1.0);

  @Test
  void constructor_validValues_keepsThem() {
    DpConfig config = new DpConfig(1.1, CLIP, 1e-5, OptionalDouble.of(8), DpConfig.Mode.CENTRAL);
    assertThat(config.updateNoiseMultiplier()).isEqualTo(1.1);
    assertThat(config.clip().initialClipNorm()).isEqualTo(1.0);
    assertThat(config.epsilonBudget()).hasValue(8);
  }

  @Test
  void constructor_invalidValues_throwNamingFieldAndRange() {
    assertThatThrownBy(() -> new DpConfig(-1, CLIP, 1e-5, OptionalDouble.empty(), DpConfig.Mode.CENTRAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("noiseMultiplier must be finite and >= 0, got -1.0");
    assertThatThrownBy(() -> new DpConfig(Double.NaN, CLIP, 1e-5, OptionalDouble.empty(), DpConfig.Mode.CENTRAL))
        .hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(() -> new DpConfig(1, CLIP, 0, OptionalDouble.empty(), DpConfig.Mode.CENTRAL))
        .hasMessage("delta must be in (0, 1), got 0.0");
    assertThatThrownBy(() -> new DpConfig(1, CLIP, 1, OptionalDouble.empty(), DpConfig.Mode.CENTRAL))
        .hasMessage("delta must be in (0, 1), got 1.0");
    assertThatThrownBy(() -> new DpConfig(1, CLIP, 1e-5, OptionalDouble.of(0), DpConfig.Mode.CENTRAL))
        .hasMessage("epsilonBudget must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> new DpConfig(1, CLIP, 1e-5, null, DpConfig.Mode.CENTRAL))
        .hasMessageContaining("epsilonBudget");
    assertThatThrownBy(() -> new DpConfig(1, null, 1e-5, OptionalDouble.empty(), DpConfig.Mode.CENTRAL))
        .hasMessageContaining("clip must be set");
    assertThatThrownBy(() -> new DpConfig(1, CLIP, 1e-5, OptionalDouble.empty(), null))
        .hasMessage("mode must be CENTRAL or DISTRIBUTED");
  }

  @Test
  void clips_invalidValues_throwNamingFieldAndRange() {
    assertThatThrownBy(() -> new DpConfig.FixedClip(0)).hasMessage("clip.clipNorm must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> new DpConfig.AdaptiveClip(-1, 0.5, 0.2, 1))
        .hasMessage("clip.initialClipNorm must be finite and > 0, got -1.0");
    assertThatThrownBy(() -> new DpConfig.AdaptiveClip(1, 1.0, 0.2, 1))
        .hasMessage("clip.targetQuantile must be in (0, 1), got 1.0");
    assertThatThrownBy(() -> new DpConfig.AdaptiveClip(1, 0.5, 0, 1))
        .hasMessage("clip.learningRate must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> new DpConfig.AdaptiveClip(1, 0.5, 0.2, -1))
        .hasMessage("clip.countNoiseStddev must be finite and >= 0, got -1.0");
  }

  @Test
  void constructor_adaptiveWithTooLittleCountNoise_throws() {
    DpConfig.AdaptiveClip adaptive = DpConfig.AdaptiveClip.withDefaults(1.0, 0.4);
    assertThatThrownBy(() -> new DpConfig(1.0, adaptive, 1e-5, OptionalDouble.empty(), DpConfig.Mode.DISTRIBUTED))
        .hasMessageContaining("clip.countNoiseStddev must be > noiseMultiplier / 2 = 0.5");
    // Without noise nothing is private anyway, so nothing to split.
    assertThat(new DpConfig(0, adaptive, 1e-5, OptionalDouble.empty(), DpConfig.Mode.CENTRAL).updateNoiseMultiplier())
        .isZero();
  }

  @Test
  void updateNoiseMultiplier_adaptive_isTheSplitZ() {
    DpConfig config = new DpConfig(1.0, DpConfig.AdaptiveClip.withDefaults(0.5, 5.0), 1e-5, OptionalDouble.empty(),
        DpConfig.Mode.CENTRAL);
    assertThat(config.updateNoiseMultiplier()).isCloseTo(1 / Math.sqrt(0.99), within(1e-14));
    assertThat(((DpConfig.AdaptiveClip) config.clip()).targetQuantile()).isEqualTo(0.5);
    assertThat(((DpConfig.AdaptiveClip) config.clip()).learningRate()).isEqualTo(0.2);
  }

  @Test
  void privacyReport_of_fillsMechanismAndWhoAddsNoise() {
    DpConfig central = new DpConfig(1.1, CLIP, 1e-5, OptionalDouble.empty(), DpConfig.Mode.CENTRAL);
    PrivacyReport report = PrivacyReport.of(central, 1.0, 2.5);
    assertThat(report.noiseAddedBy()).isEqualTo("coordinator");
    assertThat(report.mechanism()).contains("fixed clipping").contains("Balle");
    assertThat(report.epsilon()).isEqualTo(2.5);
    DpConfig distributed = new DpConfig(1.1, DpConfig.AdaptiveClip.withDefaults(1, 5), 1e-5, OptionalDouble.empty(),
        DpConfig.Mode.DISTRIBUTED);
    PrivacyReport other = PrivacyReport.of(distributed, 0.8, Double.POSITIVE_INFINITY);
    assertThat(other.noiseAddedBy()).isEqualTo("clients");
    assertThat(other.mechanism()).contains("adaptive clipping");
    assertThat(other.clipNorm()).isEqualTo(0.8);
  }

  @Test
  void privacyReport_invalidValues_throwNamingTheField() {
    assertThatThrownBy(() -> new PrivacyReport("m", 1, 1, 1e-5, Double.NaN, "clients"))
        .hasMessageContaining("epsilon must be >= 0");
    assertThatThrownBy(() -> new PrivacyReport("m", 1, 1, 1e-5, 1, "server"))
        .hasMessageContaining("noiseAddedBy must be \"coordinator\" or \"clients\"");
    assertThatThrownBy(() -> new PrivacyReport(" ", 1, 1, 1e-5, 1, "clients")).hasMessageContaining("mechanism");
  }
}
