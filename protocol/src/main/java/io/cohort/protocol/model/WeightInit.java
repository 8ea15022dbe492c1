package io.cohort.protocol.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a run's initial parameters are drawn ({@link ModelArchitecture#initialParameters(long, WeightInit)}). The
 * coordinator draws them once, so the scheme is a run setting, not part of the model's wire form.
 */
public enum WeightInit {
  /**
   * He-uniform weights {@code U(±sqrt(6 / fanIn))} for layers followed by ReLU, Glorot-uniform {@code
   * U(±sqrt(6 / (fanIn + fanOut)))} for the output layer, zero biases (He et al. 2015; Glorot and Bengio 2010).
   */
  HE_UNIFORM("he"),
  /**
   * PyTorch's default for {@code nn.Linear} and {@code nn.Conv2d}: weights and biases alike {@code
   * U(±1 / sqrt(fanIn))} ({@code kaiming_uniform_(a = sqrt(5))}), where a conv layer's fan-in is its input
   * channels times the kernel area. Matches experiments written in PyTorch, such as NIID-Bench.
   */
  TORCH_DEFAULT("torch");

  private final String spec;

  WeightInit(String spec) {
    this.spec = spec;
  }

  /** The name {@link #parse} takes: {@code he} or {@code torch}. */
  public String spec() {
    return spec;
  }

  /**
   * The scheme named {@code spec}.
   *
   * @throws IllegalArgumentException naming the known schemes, if {@code spec} is none of them
   */
  public static WeightInit parse(String spec) {
    for (WeightInit w : values()) {
      if (w.spec.equals(spec.trim().toLowerCase(Locale.ROOT))) {
        return w;
      }
    }
    throw new IllegalArgumentException("unknown weight initialisation '" + spec + "'; use one of "
        + Arrays.stream(values()).map(WeightInit::spec).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return spec;
  }
}
