package io.cohort.protocol.model;

import java.util.List;
import java.util.Objects;

/**
 * The forward pass of a {@link ModelArchitecture} in plain Java: what a global model predicts, without ND4J, for the
 * coordinator's predict API and for exports. It computes what the SDK's trainer computes (dense layers {@code x W +
 * b}, ReLU after every hidden layer; per CNN block a 5x5 valid convolution, bias, ReLU and a 2x2 max-pool of stride
 * 2, flattened channel-height-width; softmax at the end), in double precision, one example at a time.
 *
 * <p>Immutable and thread-safe; it keeps (does not copy) the parameter array, which must not change afterwards.
 */
public final class Inference {
  private final ModelArchitecture model;
  private final float[] parameters;
  private final List<TensorShape> tensors;

  /**
   * @throws IllegalArgumentException if {@code parameters} does not have the model's parameter count
   */
  public Inference(ModelArchitecture model, float[] parameters) {
    this.model = Objects.requireNonNull(model, "model");
    this.parameters = Objects.requireNonNull(parameters, "parameters");
    if (parameters.length != model.parameterCount()) {
      throw new IllegalArgumentException(model.describe() + " has " + model.parameterCount() + " parameters, got "
          + parameters.length);
    }
    this.tensors = model.tensors();
  }

  /** The model this runs. */
  public ModelArchitecture model() {
    return model;
  }

  /**
   * The class probabilities of one example.
   *
   * @param example the flattened input ({@link ModelArchitecture#inputSize()} values, channel-height-width for images)
   * @throws IllegalArgumentException if {@code example} has the wrong length or a value that is not finite
   */
  public double[] probabilities(float[] example) {
    if (example.length != model.inputSize()) {
      throw new IllegalArgumentException("an example of " + model.describe() + " has " + model.inputSize()
          + " features, got " + example.length);
    }
    double[] x = new double[example.length];
    for (int i = 0; i < x.length; i++) {
      if (!Float.isFinite(example[i])) {
        throw new IllegalArgumentException("feature " + i + " is not finite: " + example[i]);
      }
      x[i] = example[i];
    }
    int t = 0;
    if (model.kind() == ModelArchitecture.Kind.CNN) {
      int channels = model.inputShape().get(0);
      int h = model.inputShape().get(1);
      int w = model.inputShape().get(2);
      for (int block = 0; block < model.convChannels().size(); block++) {
        TensorShape weights = tensors.get(t++);
        TensorShape bias = tensors.get(t++);
        int out = model.convChannels().get(block);
        x = convReluPool(x, channels, h, w, out, weights.offset(), bias.offset());
        channels = out;
        h = (h - ModelArchitecture.KERNEL + 1) / ModelArchitecture.POOL;
        w = (w - ModelArchitecture.KERNEL + 1) / ModelArchitecture.POOL;
      }
    }
    int layers = model.hiddenUnits().size() + 1;
    for (int layer = 0; layer < layers; layer++) {
      TensorShape weights = tensors.get(t++);
      TensorShape bias = tensors.get(t++);
      x = dense(x, weights.shape().get(1), weights.offset(), bias.offset(), layer < layers - 1);
    }
    return softmax(x);
  }

  /** The most probable class of one example (the lowest index on a tie). */
  public int predict(float[] example) {
    double[] p = probabilities(example);
    int best = 0;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > p[best]) {
        best = c;
      }
    }
    return best;
  }

  private double[] dense(double[] in, int units, int weightOffset, int biasOffset, boolean relu) {
    double[] out = new double[units];
    for (int j = 0; j < units; j++) {
      out[j] = parameters[biasOffset + j];
    }
    for (int i = 0; i < in.length; i++) {
      double v = in[i];
      if (v == 0) {
        continue;
      }
      int row = weightOffset + i * units;
      for (int j = 0; j < units; j++) {
        out[j] += v * parameters[row + j];
      }
    }
    if (relu) {
      for (int j = 0; j < units; j++) {
        out[j] = Math.max(0, out[j]);
      }
    }
    return out;
  }

  private double[] convReluPool(double[] in, int channels, int h, int w, int outChannels, int weightOffset,
      int biasOffset) {
    int k = ModelArchitecture.KERNEL;
    int ch = h - k + 1;
    int cw = w - k + 1;
    int ph = ch / ModelArchitecture.POOL;
    int pw = cw / ModelArchitecture.POOL;
    double[] out = new double[outChannels * ph * pw];
    double[] conv = new double[ch * cw];
    for (int o = 0; o < outChannels; o++) {
      java.util.Arrays.fill(conv, parameters[biasOffset + o]);
      for (int c = 0; c < channels; c++) {
        int kernel = weightOffset + (o * channels + c) * k * k;
        int plane = c * h * w;
        for (int y = 0; y < ch; y++) {
          for (int x = 0; x < cw; x++) {
            double sum = 0;
            for (int ky = 0; ky < k; ky++) {
              int row = plane + (y + ky) * w + x;
              int krow = kernel + ky * k;
              for (int kx = 0; kx < k; kx++) {
                sum += in[row + kx] * parameters[krow + kx];
              }
            }
            conv[y * cw + x] += sum;
          }
        }
      }
      for (int y = 0; y < ph; y++) {
        for (int x = 0; x < pw; x++) {
          double best = Double.NEGATIVE_INFINITY;
          for (int dy = 0; dy < ModelArchitecture.POOL; dy++) {
            for (int dx = 0; dx < ModelArchitecture.POOL; dx++) {
              best = Math.max(best, conv[(y * ModelArchitecture.POOL + dy) * cw + x * ModelArchitecture.POOL + dx]);
            }
          }
          out[(o * ph + y) * pw + x] = Math.max(0, best); // max-pool then ReLU equals ReLU then max-pool
        }
      }
    }
    return out;
  }

  private static double[] softmax(double[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] p = new double[logits.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }
}
