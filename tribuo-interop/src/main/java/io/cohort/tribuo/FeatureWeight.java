package io.cohort.tribuo;

import java.util.Objects;

/**
 * One feature of an explanation and its weight in the local surrogate model: positive pushes the explained label's
 * probability up, negative pushes it down.
 *
 * @param feature the feature's name
 * @param weight its LIME weight (for standardised features, as Tribuo's LARS-lasso fits them)
 */
public record FeatureWeight(String feature, double weight) {
  /** Checks the name. */
  public FeatureWeight {
    Objects.requireNonNull(feature, "feature");
  }
}
