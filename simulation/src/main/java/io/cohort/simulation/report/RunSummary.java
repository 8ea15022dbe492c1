package io.cohort.simulation.report;

import io.cohort.simulation.eval.ClassMetrics;
import io.cohort.simulation.eval.EvaluationResult;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The content of {@code summary.json}: what was run and how it ended.
 *
 * <p>Written by {@link SummaryJson} with snake_case property names ({@code final_metrics}, {@code per_class},
 * {@code class_names}, {@code confusion_matrix}); map keys are written as given.
 *
 * @param config the run's configuration (strategy, partitioner, clients, rounds, ...), in display order
 * @param seed the seed everything was derived from
 * @param privacy what protected the clients: secure aggregation and differential privacy (see {@code of})
 * @param finalMetrics metrics of the final model (accuracy, macro_f1, ...) and of the run (rounds, seconds, ...)
 * @param perClass metrics of each class of the final model, indexed by label
 * @param classNames class names, indexed by label
 * @param confusionMatrix final confusion matrix, rows = true class, columns = predicted class
 * @param versions component versions, e.g. {@code java}, {@code cohort}, {@code nd4j}, {@code tribuo}, {@code vertx}
 */
public record RunSummary(Map<String, Object> config, long seed, Map<String, Object> privacy,
    Map<String, Object> finalMetrics,
    List<ClassMetrics> perClass, List<String> classNames, int[][] confusionMatrix, Map<String, String> versions) {

  /** Copies the collections, keeping map order; {@code null} values in maps are allowed (written as null). */
  public RunSummary {
    config = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(config, "config")));
    privacy = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(privacy, "privacy")));
    finalMetrics = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(finalMetrics,
        "finalMetrics")));
    perClass = List.copyOf(perClass);
    classNames = List.copyOf(classNames);
    versions = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(versions, "versions")));
    confusionMatrix = Arrays.stream(Objects.requireNonNull(confusionMatrix, "confusionMatrix"))
        .map(int[]::clone).toArray(int[][]::new);
  }

  /**
   * A summary whose final metrics, per-class metrics and confusion matrix come from an evaluation.
   *
   * @param config the run's configuration
   * @param seed the run's seed
   * @param privacy what protected the clients: secure aggregation, and the differential-privacy mechanism, noise,
   *     clipping, delta, epsilon and who added the noise
   * @param evaluation evaluation of the final model on the test set
   * @param runMetrics further final metrics (e.g. {@code rounds}, {@code seconds}, {@code loss}), added after the
   *     evaluation's
   * @param versions component versions
   */
  public static RunSummary of(Map<String, Object> config, long seed, Map<String, Object> privacy,
      EvaluationResult evaluation, Map<String, Object> runMetrics, Map<String, String> versions) {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("accuracy", evaluation.accuracy());
    metrics.put("macro_f1", evaluation.macroF1());
    metrics.put("macro_precision", evaluation.macroPrecision());
    metrics.put("macro_recall", evaluation.macroRecall());
    if (evaluation.macroAucRoc() != null) {
      metrics.put("macro_auc_roc", evaluation.macroAucRoc());
      metrics.put("log_loss", evaluation.logLoss());
    }
    metrics.put("test_examples", evaluation.examples());
    metrics.putAll(runMetrics);
    return new RunSummary(config, seed, privacy, metrics, evaluation.perClass(), evaluation.classNames(),
        evaluation.confusionMatrix(), versions);
  }
}
