package io.cohort.client.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Pins the libnd4j conventions the CNN relies on: libnd4j's own {@code conv2d} is checked against plain loops,
 * {@link ConvPoolLayer}'s im2col formulation against {@code conv2d} / {@code conv2d_bp} (in double precision), and the
 * heap {@link Im2Col} against libnd4j's {@code im2col} / {@code col2im} ops (in single precision).
 */
class Nd4jConvOpsTest {
  private static final int N = 3;
  private static final int IN_C = 2;
  private static final int H = 11;
  private static final int W = 12;
  private static final int OUT_C = 4;
  private static final int K = 5;
  private static final int OUT_H = H - K + 1;
  private static final int OUT_W = W - K + 1;
  // conv2d / conv2d_bp: kernel, stride, padding, dilation, VALID, NCHW (0), weights [oC, iC, kH, kW] (1).
  private static final int[] CONV_ARGS = {K, K, 1, 1, 0, 0, 1, 1, 0, 0, 1};

  private final SplittableRandom random = new SplittableRandom(1);
  private final INDArray flat = Nd4j.create(DataType.DOUBLE, 7 + 2 * (OUT_C * IN_C * K * K + OUT_C));
  // Weight and bias views in the middle of flat vectors, as Network lays them out.
  private final INDArray weights = view(flat, 7, OUT_C, IN_C, K, K);
  private final INDArray bias = view(flat, 7 + OUT_C * IN_C * K * K, OUT_C);
  private final INDArray weightGradient = view(flat, 7 + OUT_C * IN_C * K * K + OUT_C, OUT_C, IN_C, K, K);
  private final INDArray biasGradient = view(flat, 7 + 2 * OUT_C * IN_C * K * K + OUT_C, OUT_C);
  private final INDArray input = randoms(N, IN_C, H, W);

  Nd4jConvOpsTest() {
    weights.assign(randoms(OUT_C, IN_C, K, K));
    bias.assign(randoms(OUT_C));
  }

  @Test
  void conv2dOp_oihwWeightViews_matchesPlainLoops() {
    INDArray out = referenceConv();

    for (int s = 0; s < N; s++) {
      for (int o = 0; o < OUT_C; o++) {
        for (int i = 0; i < OUT_H; i++) {
          for (int j = 0; j < OUT_W; j++) {
            double expected = bias.getDouble(o);
            for (int c = 0; c < IN_C; c++) {
              for (int ki = 0; ki < K; ki++) {
                for (int kj = 0; kj < K; kj++) {
                  expected += input.getDouble(s, c, i + ki, j + kj) * weights.getDouble(o, c, ki, kj);
                }
              }
            }
            assertThat(out.getDouble(s, o, i, j)).isCloseTo(expected, within(1e-12));
          }
        }
      }
    }
  }

  @Test
  void convPoolLayer_forward_matchesConv2dReluMaxPool() {
    INDArray expected = Nd4j.create(DataType.DOUBLE, N, OUT_C, OUT_H / 2, OUT_W / 2);
    ConvOps.maxPool(Transforms.relu(referenceConv(), false), 2, expected);

    INDArray actual = new ConvPoolLayer(weights, bias, weightGradient, biasGradient, 2).forward(input);

    assertThat(actual.shape()).containsExactly(N, OUT_C, OUT_H / 2, OUT_W / 2);
    assertThat(actual.sub(expected).amaxNumber().doubleValue()).isLessThan(1e-12);
  }

  @Test
  void convPoolLayer_backward_matchesConv2dBp() {
    ConvPoolLayer layer = new ConvPoolLayer(weights, bias, weightGradient, biasGradient, 2);
    INDArray pooled = layer.forward(input);
    INDArray pooledGradient = randoms(pooled.shape());
    // Reference: route through the pool and the ReLU, then libnd4j's conv2d_bp.
    INDArray activation = Transforms.relu(referenceConv(), false);
    INDArray convGradient = activation.like();
    ConvOps.maxPoolBackward(activation, pooledGradient, 2, convGradient);
    ConvOps.reluBackward(activation, convGradient);
    INDArray expectedInput = input.like();
    INDArray expectedWeights = weights.like();
    INDArray expectedBias = bias.like();
    Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
        .addInputs(input, weights, bias, convGradient)
        .addOutputs(expectedInput, expectedWeights, expectedBias)
        .addIntegerArguments(CONV_ARGS)
        .build());

    INDArray actualInput = layer.backward(pooledGradient.dup(), true);

    assertThat(actualInput.sub(expectedInput).amaxNumber().doubleValue()).isLessThan(1e-12);
    assertThat(weightGradient.sub(expectedWeights).amaxNumber().doubleValue()).isLessThan(1e-12);
    assertThat(biasGradient.sub(expectedBias).amaxNumber().doubleValue()).isLessThan(1e-12);
    assertThat(expectedWeights.amaxNumber().doubleValue()).isGreaterThan(1e-3);
  }

  @Test
  void im2colUnfold_floatRowsViewAtAnOffset_matchesLibnd4jIm2col() {
    INDArray batch = randoms(N + 2, IN_C, H, W).castTo(DataType.FLOAT);
    INDArray rows = batch.get(NDArrayIndex.interval(1, N + 1), NDArrayIndex.all(), NDArrayIndex.all(),
        NDArrayIndex.all()); // a view at a non-zero offset, as a partial last batch is
    INDArray expected = Nd4j.create(DataType.FLOAT, N, IN_C, K, K, OUT_H, OUT_W);
    Nd4j.exec(DynamicCustomOp.builder("im2col").addInputs(rows).addOutputs(expected)
        .addIntegerArguments(K, K, 1, 1, 0, 0, 1, 1, 0).build());
    INDArray actual = Nd4j.create(DataType.FLOAT, N, IN_C, K, K, OUT_H, OUT_W);

    new Im2Col(K).unfold(rows, actual);

    assertThat(actual).isEqualTo(expected);
    assertThat(actual.amaxNumber().doubleValue()).isGreaterThan(0.5);
  }

  @Test
  void im2colFold_float_matchesLibnd4jCol2im() {
    INDArray columns = randoms(N, IN_C, K, K, OUT_H, OUT_W).castTo(DataType.FLOAT);
    INDArray expected = Nd4j.create(DataType.FLOAT, N, IN_C, H, W);
    Nd4j.exec(DynamicCustomOp.builder("col2im").addInputs(columns).addOutputs(expected)
        .addIntegerArguments(1, 1, 0, 0, H, W, 1, 1, 0).build());
    INDArray actual = Nd4j.rand(DataType.FLOAT, N, IN_C, H, W); // overwritten, not added to
    Im2Col im2col = new Im2Col(K);
    im2col.unfold(actual, Nd4j.create(DataType.FLOAT, N, IN_C, K, K, OUT_H, OUT_W)); // leaves scratch behind

    im2col.fold(columns, actual);

    assertThat(actual.sub(expected).amaxNumber().doubleValue()).isLessThan(1e-5);
    assertThat(expected.amaxNumber().doubleValue()).isGreaterThan(1);
  }

  @Test
  void im2col_batchInSeveralChunks_matchesLibnd4jBothWays() {
    INDArray images = randoms(N, IN_C, H, W).castTo(DataType.FLOAT);
    INDArray expectedColumns = Nd4j.create(DataType.FLOAT, N, IN_C, K, K, OUT_H, OUT_W);
    Nd4j.exec(DynamicCustomOp.builder("im2col").addInputs(images).addOutputs(expectedColumns)
        .addIntegerArguments(K, K, 1, 1, 0, 0, 1, 1, 0).build());
    INDArray expectedImages = Nd4j.create(DataType.FLOAT, N, IN_C, H, W);
    Nd4j.exec(DynamicCustomOp.builder("col2im").addInputs(expectedColumns).addOutputs(expectedImages)
        .addIntegerArguments(1, 1, 0, 0, H, W, 1, 1, 0).build());
    // room for just over one example's columns: every example is a chunk of its own
    Im2Col chunked = new Im2Col(K, IN_C * K * K * OUT_H * OUT_W + 1);
    INDArray columns = Nd4j.create(DataType.FLOAT, N, IN_C, K, K, OUT_H, OUT_W);
    INDArray folded = Nd4j.create(DataType.FLOAT, N, IN_C, H, W);

    chunked.unfold(images, columns);
    chunked.fold(columns, folded);

    assertThat(columns).isEqualTo(expectedColumns);
    assertThat(folded.sub(expectedImages).amaxNumber().doubleValue()).isLessThan(1e-5);
  }

  @Test
  void im2col_columnsOfTheWrongShapeOrType_throw() {
    INDArray images = Nd4j.create(DataType.FLOAT, N, IN_C, H, W);
    Im2Col im2col = new Im2Col(K);

    assertThatThrownBy(() -> im2col.unfold(images, Nd4j.create(DataType.FLOAT, N, IN_C, K, K, OUT_H, OUT_W + 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit");
    assertThatThrownBy(() -> im2col.unfold(images, Nd4j.create(DataType.DOUBLE, N, IN_C, K, K, OUT_H, OUT_W)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("columns are DOUBLE");
  }

  @Test
  void maxPool_oddInputSide_floorsLikeTheArchitecture() {
    INDArray in = randoms(N, OUT_C, 5, 7);
    INDArray out = Nd4j.create(DataType.DOUBLE, N, OUT_C, 2, 3);

    ConvOps.maxPool(in, 2, out);

    for (int s = 0; s < N; s++) {
      for (int c = 0; c < OUT_C; c++) {
        for (int i = 0; i < 2; i++) {
          for (int j = 0; j < 3; j++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < 2; a++) {
              for (int d = 0; d < 2; d++) {
                max = Math.max(max, in.getDouble(s, c, 2 * i + a, 2 * j + d));
              }
            }
            assertThat(out.getDouble(s, c, i, j)).isEqualTo(max);
          }
        }
      }
    }
  }

  @Test
  void reluBackward_nonPositiveActivation_zeroesGradient() {
    INDArray activation = Nd4j.createFromArray(new double[] {0.5, 0, -1, 2});
    INDArray gradient = Nd4j.createFromArray(new double[] {1, 2, 3, 4});

    ConvOps.reluBackward(activation, gradient);

    assertThat(gradient.toDoubleVector()).containsExactly(1, 0, 0, 4);
  }

  @Test
  void repeatAlongBatch_viewAtAnOffset_repeatsTheMatrix() {
    INDArray matrix = view(flat, 7, 3, 5);

    INDArray repeated = ConvOps.repeatAlongBatch(matrix, 4);

    for (int b = 0; b < 4; b++) {
      assertThat(repeated.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all())).isEqualTo(matrix);
    }
  }

  private INDArray referenceConv() {
    INDArray out = Nd4j.create(DataType.DOUBLE, N, OUT_C, OUT_H, OUT_W);
    Nd4j.exec(DynamicCustomOp.builder("conv2d")
        .addInputs(input, weights, bias)
        .addOutputs(out)
        .addIntegerArguments(CONV_ARGS)
        .build());
    return out;
  }

  private INDArray randoms(long... shape) {
    INDArray out = Nd4j.create(DataType.DOUBLE, shape);
    for (long i = 0; i < out.length(); i++) {
      out.putScalar(i, random.nextDouble(-1, 1));
    }
    return out;
  }

  private static INDArray view(INDArray flat, long offset, long... shape) {
    long length = 1;
    for (long d : shape) {
      length *= d;
    }
    INDArray slice = flat.get(NDArrayIndex.interval(offset, offset + length));
    return shape.length == 1 ? slice : slice.reshape('c', shape);
  }
}
