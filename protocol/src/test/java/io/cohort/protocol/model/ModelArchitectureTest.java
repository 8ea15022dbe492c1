package io.cohort.protocol.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.protocol.v1.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelArchitectureTest {
  private static final List<Integer> IMAGE = List.of(1, 28, 28);

  @Test
  void tensors_eachDefaultModel_haveTheDocumentedShapesAndCounts() {
    ModelArchitecture logreg = ModelArchitecture.defaultFor(ModelArchitecture.Kind.LOGREG, IMAGE, 10);
    assertThat(logreg.tensors()).extracting(TensorShape::name, TensorShape::shape).containsExactly(
        org.assertj.core.groups.Tuple.tuple("dense0/W", List.of(784, 10)),
        org.assertj.core.groups.Tuple.tuple("dense0/b", List.of(10)));
    assertThat(ModelArchitecture.defaultFor(ModelArchitecture.Kind.MLP, IMAGE, 10).parameterCount())
        .isEqualTo(784 * 128 + 128 + 128 * 10 + 10);
    ModelArchitecture cnn = ModelArchitecture.defaultFor(ModelArchitecture.Kind.CNN, IMAGE, 10);
    // 28 -> conv5 24 -> pool 12 -> conv5 8 -> pool 4: 32 * 4 * 4 = 512 features into the dense head
    assertThat(cnn.tensors()).extracting(TensorShape::shape).containsExactly(List.of(16, 1, 5, 5), List.of(16),
        List.of(32, 16, 5, 5), List.of(32), List.of(512, 128), List.of(128), List.of(128, 10), List.of(10));
    assertThat(cnn.parameterCount()).isEqualTo(80_202);
  }

  @Test
  void initialParameters_sameSeedSame_otherSeedDiffers_biasesZero() {
    ModelArchitecture mlp = ModelArchitecture.defaultFor(ModelArchitecture.Kind.MLP, IMAGE, 10);
    float[] a = mlp.initialParameters(5);
    assertThat(mlp.initialParameters(5)).containsExactly(a);
    assertThat(mlp.initialParameters(6)).isNotEqualTo(a);
    TensorShape bias = mlp.tensors().get(1);
    for (int i = 0; i < bias.size(); i++) {
      assertThat(a[bias.offset() + i]).isZero();
    }
    double limit = Math.sqrt(6.0 / 784); // He-uniform for the first (ReLU) layer
    for (int i = 0; i < 784 * 128; i++) {
      assertThat(Math.abs(a[i])).isLessThanOrEqualTo((float) limit);
    }
  }

  @Test
  void initialParameters_torchDefault_weightsAndBiasesWithinOneOverRootFanIn_fillingTheRange() {
    ModelArchitecture cnn = new ModelArchitecture(ModelArchitecture.Kind.CNN, IMAGE, 10, List.of(120, 84),
        List.of(6, 16));
    float[] p = cnn.initialParameters(3, WeightInit.TORCH_DEFAULT);
    assertThat(cnn.initialParameters(3, WeightInit.TORCH_DEFAULT)).containsExactly(p);
    // fan-in: conv0 1x5x5, conv1 6x5x5, then the dense layers' inputs 16x4x4, 120 and 84; a bias shares its layer's
    int[] fanIns = {25, 150, 256, 120, 84};
    List<TensorShape> tensors = cnn.tensors();
    for (int layer = 0; layer < fanIns.length; layer++) {
      double limit = 1 / Math.sqrt(fanIns[layer]);
      for (TensorShape t : List.of(tensors.get(2 * layer), tensors.get(2 * layer + 1))) {
        double largest = 0;
        for (int i = 0; i < t.size(); i++) {
          largest = Math.max(largest, Math.abs(p[t.offset() + i]));
        }
        assertThat(largest).as(t.name()).isLessThanOrEqualTo(limit)
            .isGreaterThan(t.size() >= 84 ? 0.9 * limit : 0.0); // large tensors reach the edge of the range
      }
    }
    assertThat(WeightInit.parse("torch")).isEqualTo(WeightInit.TORCH_DEFAULT);
    assertThat(WeightInit.parse("he")).isEqualTo(WeightInit.HE_UNIFORM);
    assertThatThrownBy(() -> WeightInit.parse("xavier")).hasMessageContaining("he, torch");
    // He-uniform stays the default, drawing the same vector as before the scheme became a choice
    assertThat(cnn.initialParameters(3)).containsExactly(cnn.initialParameters(3, WeightInit.HE_UNIFORM));
  }

  @Test
  void fromProto_roundTrips_andRefusesTensorsThatDisagree() {
    ModelArchitecture cnn = ModelArchitecture.defaultFor(ModelArchitecture.Kind.CNN, IMAGE, 10);
    assertThat(ModelArchitecture.fromProto(cnn.toProto())).isEqualTo(cnn);
    ModelSpec tampered = cnn.toProto().toBuilder().setTensors(0, cnn.toProto().getTensors(0).toBuilder()
        .setShape(0, 17)).build();
    assertThatThrownBy(() -> ModelArchitecture.fromProto(tampered)).hasMessageContaining("differ");
  }

  @Test
  void constructor_invalidShapes_explainWhatIsWrong() {
    assertThatThrownBy(() -> new ModelArchitecture(ModelArchitecture.Kind.CNN, List.of(784), 10, List.of(),
        List.of(8))).hasMessageContaining("[channels, height, width]");
    assertThatThrownBy(() -> new ModelArchitecture(ModelArchitecture.Kind.CNN, List.of(1, 8, 8), 10, List.of(),
        List.of(8, 8))).hasMessageContaining("too small");
    assertThatThrownBy(() -> ModelArchitecture.Kind.parse("rnn")).hasMessageContaining("logreg, mlp or cnn");
    assertThatThrownBy(() -> new ModelArchitecture(ModelArchitecture.Kind.MLP, IMAGE, 1, List.of(), List.of()))
        .hasMessageContaining("numClasses");
  }

  /** Found by ProtocolMessagesFuzz: an input dimension beyond int range threw ArithmeticException, not a refusal. */
  @Test
  void fromProto_inputDimensionBeyondIntRange_isRefusedWithItsValue() {
    ModelSpec spec = ModelArchitecture.logreg(List.of(4), 3).toProto().toBuilder().clearTensors()
        .setInputShape(0, 1L << 33).build();
    assertThatThrownBy(() -> ModelArchitecture.fromProto(spec)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("input dimension 8589934592");
  }

  @Test
  void aModelOverTheParameterLimit_isRefusedBeforeAnythingIsAllocated() {
    assertThatThrownBy(() -> ModelArchitecture.logreg(List.of(1 << 25), 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("over the limit of 268435456");
    assertThatThrownBy(() -> ModelArchitecture.defaultFor(ModelArchitecture.Kind.MLP,
        List.of(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE), 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 2147483647 features");
    assertThatThrownBy(() -> new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(1 << 20), 10,
        List.of(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 2^63");
    assertThat(ModelArchitecture.logreg(List.of(1 << 20), 255).parameterCount()).isEqualTo((1 << 20) * 255 + 255);
  }

  /** A CNN whose conv stack is small but whose flattened input is beyond int range is refused too. */
  @Test
  void aCnnWhoseInputHasMoreThanIntMaxFeatures_isRefused() {
    assertThatThrownBy(() -> new ModelArchitecture(ModelArchitecture.Kind.CNN, List.of(1, 65536, 65536), 2, List.of(),
        List.of(1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 2147483647 features");
  }
}
