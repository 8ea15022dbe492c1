package io.cohort.tribuo;

import java.util.List;
import java.util.Objects;

/**
 * The top features of a LIME explanation of one prediction.
 *
 * @param label the predicted label, whose probability the explanation models
 * @param probability the model's probability of that label for the explained example
 * @param features at most k features with a non-zero weight, by decreasing absolute weight
 * @param surrogateRmse root-mean-squared error of the sparse surrogate against the model's probability of {@code
 *     label} on LIME's samples: how faithful the explanation is locally (0 is perfect)
 */
public record TopFeatures(String label, double probability, List<FeatureWeight> features, double surrogateRmse) {
  /** Copies the list. */
  public TopFeatures {
    Objects.requireNonNull(label, "label");
    features = List.copyOf(features);
  }
}
