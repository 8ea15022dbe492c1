package io.cohort.simulation.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tribuo.Example;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.ConfusionMetrics;
import org.tribuo.classification.evaluation.LabelConfusionMatrix;
import org.tribuo.classification.evaluation.LabelMetrics;
import org.tribuo.evaluation.metrics.EvaluationMetric;
import org.tribuo.evaluation.metrics.MetricTarget;
import org.tribuo.impl.ArrayExample;

/**
 * Evaluates class predictions made outside Tribuo with Tribuo's classification metrics.
 *
 * <p>The label domain is fixed from the class names ({@link LabelFactory#constructInfoForExternalModel}, label id =
 * class index), so every class counts in the macro averages even when it is absent from a test set. Each
 * prediction becomes an {@link org.tribuo.Prediction} whose example carries the true label and no features (one
 * shared, feature-less {@link ArrayExample} per class; Tribuo's metrics read only its output), then a
 * {@link LabelConfusionMatrix} and {@link ConfusionMetrics} give accuracy, precision, recall and F1, and, when
 * probabilities are given, {@link LabelMetrics#AUCROC} the one-vs-rest AUC of each class.
 *
 * <p>Instances are immutable and thread-safe. Evaluating 10,000 predictions takes a few milliseconds once warm.
 */
public final class TribuoEvaluation {
  private static final double MIN_PROBABILITY = 1e-15;

  private final List<String> classNames;
  private final List<Label> labels;
  private final List<Example<Label>> examples;
  private final ImmutableOutputInfo<Label> domain;

  /**
   * Creates an evaluator for a fixed set of classes.
   *
   * @param classNames name of each class, indexed by label; at least two, distinct and non-blank
   * @throws IllegalArgumentException if the names are fewer than two, blank or repeated
   */
  public TribuoEvaluation(List<String> classNames) {
    this.classNames = List.copyOf(classNames);
    if (this.classNames.size() < 2) {
      throw new IllegalArgumentException("need at least two class names, got " + this.classNames);
    }
    if (new HashSet<>(this.classNames).size() != this.classNames.size()
        || this.classNames.stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException("class names must be distinct and non-blank, got " + this.classNames);
    }
    List<Label> ls = new ArrayList<>();
    List<Example<Label>> es = new ArrayList<>();
    Map<Label, Integer> ids = new HashMap<>();
    for (int i = 0; i < this.classNames.size(); i++) {
      Label label = new Label(this.classNames.get(i));
      ls.add(label);
      es.add(new ArrayExample<>(label));
      ids.put(label, i);
    }
    this.labels = List.copyOf(ls);
    this.examples = List.copyOf(es);
    this.domain = new LabelFactory().constructInfoForExternalModel(ids);
  }

  /** The class names, indexed by label. */
  public List<String> classNames() {
    return classNames;
  }

  /** Evaluates hard predictions. See {@link #evaluate(int[], int[], float[])}. */
  public EvaluationResult evaluate(int[] trueLabels, int[] predicted) {
    return evaluate(trueLabels, predicted, null);
  }

  /**
   * Evaluates predictions.
   *
   * @param trueLabels true class of each example, in {@code [0, classes)}
   * @param predicted predicted class of each example, in {@code [0, classes)}
   * @param probabilities {@code null}, or the predicted class probabilities, row-major {@code [n, classes]}; they
   *     add AUC and log-loss to the result
   * @throws IllegalArgumentException if the arrays are empty, differ in length or hold a label out of range
   */
  public EvaluationResult evaluate(int[] trueLabels, int[] predicted, float[] probabilities) {
    Objects.requireNonNull(trueLabels, "trueLabels");
    Objects.requireNonNull(predicted, "predicted");
    int n = trueLabels.length;
    int k = classNames.size();
    validate(trueLabels, predicted, probabilities, n, k);

    List<Prediction<Label>> predictions = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      predictions.add(probabilities == null
          ? new Prediction<>(labels.get(predicted[i]), 0, examples.get(trueLabels[i]))
          : new Prediction<>(labels.get(predicted[i]), scores(probabilities, i * k), 0, examples.get(trueLabels[i]),
              true));
    }
    LabelConfusionMatrix cm = new LabelConfusionMatrix(domain, predictions);

    int[][] confusion = new int[k][k];
    for (int t = 0; t < k; t++) {
      for (int p = 0; p < k; p++) {
        confusion[t][p] = (int) cm.confusion(labels.get(p), labels.get(t));
      }
    }
    List<ClassMetrics> perClass = new ArrayList<>(k);
    double aucSum = 0;
    int aucCount = 0;
    for (int c = 0; c < k; c++) {
      Label label = labels.get(c);
      MetricTarget<Label> target = new MetricTarget<>(label);
      int support = (int) cm.support(label);
      Double auc = null;
      if (probabilities != null && support > 0 && support < n) {
        auc = LabelMetrics.AUCROC(label, predictions);
        aucSum += auc;
        aucCount++;
      }
      perClass.add(new ClassMetrics(classNames.get(c), support, ConfusionMetrics.precision(target, cm),
          ConfusionMetrics.recall(target, cm), ConfusionMetrics.f1(target, cm), auc));
    }
    MetricTarget<Label> macro = new MetricTarget<>(EvaluationMetric.Average.MACRO);
    Double macroAuc = probabilities == null ? null : aucCount == 0 ? Double.NaN : aucSum / aucCount;
    Double logLoss = probabilities == null ? null : logLoss(trueLabels, probabilities, k);
    return new EvaluationResult(classNames, n, ConfusionMetrics.accuracy(EvaluationMetric.Average.MICRO, cm),
        ConfusionMetrics.f1(macro, cm), ConfusionMetrics.precision(macro, cm), ConfusionMetrics.recall(macro, cm),
        perClass, confusion, macroAuc, logLoss);
  }

  private Map<String, Label> scores(float[] probabilities, int offset) {
    Map<String, Label> scores = new LinkedHashMap<>(classNames.size() * 2);
    for (int c = 0; c < classNames.size(); c++) {
      scores.put(classNames.get(c), new Label(classNames.get(c), probabilities[offset + c]));
    }
    return scores;
  }

  private static double logLoss(int[] trueLabels, float[] probabilities, int k) {
    double sum = 0;
    for (int i = 0; i < trueLabels.length; i++) {
      sum -= Math.log(Math.max(MIN_PROBABILITY, probabilities[i * k + trueLabels[i]]));
    }
    return sum / trueLabels.length;
  }

  private static void validate(int[] trueLabels, int[] predicted, float[] probabilities, int n, int k) {
    if (n == 0) {
      throw new IllegalArgumentException("nothing to evaluate: no predictions");
    }
    if (predicted.length != n) {
      throw new IllegalArgumentException(n + " true labels but " + predicted.length + " predictions");
    }
    if (probabilities != null && probabilities.length != (long) n * k) {
      throw new IllegalArgumentException("probabilities must be " + n + " x " + k + " = " + (long) n * k
          + " values, got " + probabilities.length);
    }
    for (int i = 0; i < n; i++) {
      if (trueLabels[i] < 0 || trueLabels[i] >= k) {
        throw new IllegalArgumentException("true label " + trueLabels[i] + " of example " + i + " is outside [0, "
            + k + ")");
      }
      if (predicted[i] < 0 || predicted[i] >= k) {
        throw new IllegalArgumentException("predicted label " + predicted[i] + " of example " + i
            + " is outside [0, " + k + ")");
      }
    }
  }
}
