package io.cohort.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GaussianNoiseTest {
  private static final int MILLION = 1_000_000;

  @Test
  void addTo_millionSamplesFixedSeed_haveStatedMeanStdAndShape() {
    double sigma = 2.5;
    float[] v = new float[MILLION];
    GaussianNoise.seededForSimulationOnly(42).addTo(v, sigma);
    Moments m = Moments.of(v);
    // Standard errors on 1e6 samples: mean sigma/1000, std about sigma/1400.
    assertThat(m.mean).isCloseTo(0, within(0.005 * sigma));
    assertThat(m.std).isCloseTo(sigma, within(0.01 * sigma));
    assertThat(m.fractionWithinOneSigma(sigma)).isCloseTo(0.682689, within(0.002));
    assertThat(m.kurtosis).isCloseTo(3.0, within(0.05));
  }

  @Test
  void sample_secureRandom_hasStatedStd() {
    GaussianNoise noise = GaussianNoise.secure();
    float[] v = new float[200_000];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) noise.sample(0.5);
    }
    assertThat(Moments.of(v).std).isCloseTo(0.5, within(0.02 * 0.5)); // 5 standard errors of margin
    assertThat(noise.source()).isEqualTo("SecureRandom");
  }

  @Test
  void seededForSimulationOnly_sameSeed_sameNoise() {
    float[] a = new float[1001];
    float[] b = new float[1001];
    GaussianNoise.seededForSimulationOnly(7).addTo(a, 1.0);
    GaussianNoise.seededForSimulationOnly(7).addTo(b, 1.0);
    assertThat(a).containsExactly(b);
    float[] c = new float[1001];
    GaussianNoise.seededForSimulationOnly(8).addTo(c, 1.0);
    assertThat(c).isNotEqualTo(a);
  }

  @Test
  void addCentral_addsZTimesClipNorm() {
    float[] sum = new float[MILLION];
    java.util.Arrays.fill(sum, 3f);
    GaussianNoise.seededForSimulationOnly(1).addCentral(sum, 1.1, 0.5);
    Moments m = Moments.of(sum);
    assertThat(m.mean).isCloseTo(3, within(0.005));
    assertThat(m.std).isCloseTo(0.55, within(0.01 * 0.55));
  }

  @Test
  void addDistributed_sumOfMinSurvivorClients_carriesZTimesClipNorm() {
    int clients = 16;
    double z = 1.0;
    double clip = 2.0;
    float[] sum = new float[250_000];
    GaussianNoise noise = GaussianNoise.seededForSimulationOnly(3);
    for (int c = 0; c < clients; c++) {
      float[] update = new float[sum.length];
      noise.addDistributed(update, z, clip, clients);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += update[i];
      }
    }
    assertThat(Moments.of(sum).std).isCloseTo(z * clip, within(0.01 * z * clip));
    assertThat(GaussianNoise.distributedSigma(z, clip, clients)).isCloseTo(0.5, within(1e-15));
  }

  @Test
  void topUpSigma_restoresTheTargetVarianceAfterDropouts() {
    double z = 1.2;
    double clip = 0.7;
    int minSurvivors = 10;
    double perClient = GaussianNoise.distributedSigma(z, clip, minSurvivors);
    for (int survivors = 0; survivors <= 12; survivors++) {
      double topUp = GaussianNoise.topUpSigma(z, clip, minSurvivors, survivors);
      double variance = survivors * perClient * perClient + topUp * topUp;
      if (survivors <= minSurvivors) {
        assertThat(variance).as("survivors " + survivors).isCloseTo(z * z * clip * clip, within(1e-12));
      } else {
        assertThat(topUp).isZero();
        assertThat(variance).isGreaterThan(z * z * clip * clip);
      }
    }
  }

  @Test
  void addTo_zeroSigma_leavesVectorUnchanged() {
    float[] v = {1, 2, 3};
    GaussianNoise.secure().addTo(v, 0);
    assertThat(v).containsExactly(1, 2, 3);
  }

  @Test
  void invalidArguments_throwNamingTheField() {
    GaussianNoise noise = GaussianNoise.seededForSimulationOnly(0);
    assertThatThrownBy(() -> noise.addTo(new float[1], -1)).hasMessageContaining("sigma must be finite and >= 0");
    assertThatThrownBy(() -> noise.sample(Double.NaN)).hasMessageContaining("sigma");
    assertThatThrownBy(() -> GaussianNoise.centralSigma(-0.1, 1)).hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(() -> GaussianNoise.centralSigma(1, 0)).hasMessageContaining("clipNorm must be finite and > 0");
    assertThatThrownBy(() -> GaussianNoise.distributedSigma(1, 1, 0)).hasMessageContaining("minSurvivors must be >= 1");
    assertThatThrownBy(() -> GaussianNoise.topUpSigma(1, 1, 5, -1)).hasMessageContaining("survivors must be >= 0");
  }

  /** Sample moments, in double. */
  private record Moments(double mean, double std, double kurtosis, float[] values) {
    static Moments of(float[] v) {
      double sum = 0;
      for (float x : v) {
        sum += x;
      }
      double mean = sum / v.length;
      double m2 = 0;
      double m4 = 0;
      for (float x : v) {
        double d = x - mean;
        m2 += d * d;
        m4 += d * d * d * d;
      }
      m2 /= v.length;
      m4 /= v.length;
      return new Moments(mean, Math.sqrt(m2), m4 / (m2 * m2), v);
    }

    double fractionWithinOneSigma(double sigma) {
      int n = 0;
      for (float x : values) {
        n += Math.abs(x - mean) <= sigma ? 1 : 0;
      }
      return (double) n / values.length;
    }
  }
}
