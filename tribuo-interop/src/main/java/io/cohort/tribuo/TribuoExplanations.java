package io.cohort.tribuo;

import com.oracle.labs.mlrg.olcut.util.Pair;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.explanations.lime.LIMEBase;
import org.tribuo.classification.explanations.lime.LIMEExplanation;
import org.tribuo.regression.slm.LARSLassoTrainer;

/**
 * LIME explanations (Ribeiro, Singh and Guestrin, 2016) of a {@code Model<Label>}'s predictions through Tribuo's
 * {@link LIMEBase}: it samples perturbations of the example from the model's feature domain, labels them with the
 * model's probabilities, weights them by their distance to the example, and fits a sparse linear surrogate with
 * Tribuo's LARS-lasso ({@link LARSLassoTrainer}) that keeps at most k features. The top features are the surrogate's
 * non-zero weights for the predicted label.
 *
 * <p>Deterministic: the same model, example, k, seed and sample count give the same explanation. For a
 * {@link CohortModel}, the samples follow its feature statistics (see {@link TribuoModels}). Stateless and
 * thread-safe (each call has its own random generator).
 */
public final class TribuoExplanations {
  /** LIME samples per explanation unless told otherwise. */
  public static final int DEFAULT_SAMPLES = 1000;
  /** The seed of {@link #explain(Model, Example, int)}. */
  public static final long DEFAULT_SEED = 1L;
  /**
   * Tribuo's LARS logs every selected feature at INFO, several lines per explanation; unless the application set a
   * level for it, it is raised to WARNING. Held here so that java.util.logging keeps the setting.
   */
  private static final Logger LARS_LOG = Logger.getLogger("org.tribuo.regression.slm");

  static {
    if (LARS_LOG.getLevel() == null) {
      LARS_LOG.setLevel(Level.WARNING);
    }
  }

  private TribuoExplanations() {}

  /** {@link #explain(Model, Example, int, long, int)} with {@link #DEFAULT_SEED} and {@link #DEFAULT_SAMPLES}. */
  public static TopFeatures explain(Model<Label> model, Example<Label> example, int k) {
    return explain(model, example, k, DEFAULT_SEED, DEFAULT_SAMPLES);
  }

  /** {@link #explain(Model, Example, int, long, int)} with {@link #DEFAULT_SAMPLES}. */
  public static TopFeatures explain(Model<Label> model, Example<Label> example, int k, long seed) {
    return explain(model, example, k, seed, DEFAULT_SAMPLES);
  }

  /**
   * The top {@code k} features of a LIME explanation of the model's prediction for {@code example}.
   *
   * @param model a model that generates probabilities and is not a Tribuo {@code ExternalModel} (LIME's terms)
   * @param k how many features at most, at least 1
   * @param seed seeds LIME's sampling
   * @param samples how many perturbations LIME draws, at least 10
   * @throws IllegalArgumentException if {@code k} or {@code samples} is out of range, or LIME refuses the model
   */
  public static TopFeatures explain(Model<Label> model, Example<Label> example, int k, long seed, int samples) {
    return topFeatures(lime(model, example, k, seed, samples), k);
  }

  /**
   * Tribuo's full LIME explanation (surrogate model, prediction, surrogate evaluation), for callers that want more
   * than the top features; arguments as {@link #explain(Model, Example, int, long, int)}.
   */
  public static LIMEExplanation lime(Model<Label> model, Example<Label> example, int k, long seed, int samples) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(example, "example");
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    if (samples < 10) {
      throw new IllegalArgumentException("samples must be at least 10, got " + samples);
    }
    LIMEBase lime = new LIMEBase(new SplittableRandom(seed), model, new LARSLassoTrainer(k), samples);
    return lime.explain(example);
  }

  /**
   * The top {@code k} LIME features of one row for a model given as architecture and parameters, with unit feature
   * statistics ({@link TribuoModels#export(ModelArchitecture, float[], List, List)}) and {@link #DEFAULT_SAMPLES}
   * samples: what {@code POST /v1/models/{version}/predict?explain=true} returns per row.
   *
   * @param row the example, in {@code featureNames} order
   * @param featureNames the feature at each input position (e.g. {@code f0 .. f783} when the model has no names)
   * @param labelNames the label of each class index
   * @throws IllegalArgumentException if the sizes disagree, a value is not finite, or {@code k} is below 1
   */
  public static TopFeatures topFeatures(ModelArchitecture model, float[] params, float[] row,
      List<String> featureNames, List<String> labelNames, int k, long seed) {
    CohortModel exported = TribuoModels.export(model, params, featureNames, labelNames);
    for (int i = 0; i < row.length; i++) {
      if (!Float.isFinite(row[i])) {
        throw new IllegalArgumentException("feature " + i + " is not finite: " + row[i]);
      }
    }
    return explain(exported, exported.mapping().example(row), k, seed, DEFAULT_SAMPLES);
  }

  private static TopFeatures topFeatures(LIMEExplanation explanation, int k) {
    Label predicted = explanation.getPrediction().getOutput();
    String label = predicted.getLabel();
    Map<String, List<Pair<String, Double>>> top = explanation.getModel().getTopFeatures(k);
    List<Pair<String, Double>> weights = top.containsKey(label) ? top.get(label) : top.get(Model.ALL_OUTPUTS);
    List<FeatureWeight> features = new ArrayList<>();
    if (weights != null) {
      for (Pair<String, Double> w : weights) {
        if (!Model.BIAS_FEATURE.equals(w.getA()) && w.getB() != 0.0 && features.size() < k) {
          features.add(new FeatureWeight(w.getA(), w.getB()));
        }
      }
    }
    return new TopFeatures(label, predicted.getScore(), features, explanation.getRMSE(label));
  }
}
