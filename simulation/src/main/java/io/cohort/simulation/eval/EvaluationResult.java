package io.cohort.simulation.eval;

import java.util.List;
import java.util.Locale;

/**
 * The outcome of {@link TribuoEvaluation#evaluate}: overall and per-class metrics and the confusion matrix.
 *
 * <p>Macro averages are unweighted means over every class of the domain, including classes absent from the data
 * (which count 0), as Tribuo computes them.
 *
 * @param classNames class names, indexed by label
 * @param examples number of predictions evaluated
 * @param accuracy share of correct predictions
 * @param macroF1 mean of the per-class F1 scores
 * @param macroPrecision mean of the per-class precisions
 * @param macroRecall mean of the per-class recalls
 * @param perClass metrics of each class, indexed by label
 * @param confusionMatrix {@code confusionMatrix[t][p]} = examples of true class {@code t} predicted as {@code p}
 * @param macroAucRoc mean one-vs-rest AUC over the classes that have one; {@code null} without probabilities
 * @param logLoss mean negative log probability of the true class (probabilities clipped at 1e-15); {@code null}
 *     without probabilities
 */
public record EvaluationResult(List<String> classNames, int examples, double accuracy, double macroF1,
    double macroPrecision, double macroRecall, List<ClassMetrics> perClass, int[][] confusionMatrix,
    Double macroAucRoc, Double logLoss) {

  /** Copies the lists and the matrix, so the result is immutable. */
  public EvaluationResult {
    classNames = List.copyOf(classNames);
    perClass = List.copyOf(perClass);
    confusionMatrix = deepCopy(confusionMatrix);
  }

  /** A copy of the confusion matrix, rows = true class, columns = predicted class. */
  @Override
  public int[][] confusionMatrix() {
    return deepCopy(confusionMatrix);
  }

  private static int[][] deepCopy(int[][] m) {
    int[][] copy = new int[m.length][];
    for (int i = 0; i < m.length; i++) {
      copy[i] = m[i].clone();
    }
    return copy;
  }

  /** A printable report: the summary line, a per-class table and the confusion matrix. */
  @Override
  public String toString() {
    int width = Math.max(5, classNames.stream().mapToInt(String::length).max().orElse(5));
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "accuracy %.4f   macro-F1 %.4f   macro-precision %.4f   macro-recall %.4f",
        accuracy, macroF1, macroPrecision, macroRecall));
    if (macroAucRoc != null) {
      sb.append(String.format(Locale.ROOT, "   macro-AUC %.4f   log-loss %.4f", macroAucRoc, logLoss));
    }
    sb.append(String.format(Locale.ROOT, "   (%d examples)%n", examples));
    String nameFormat = "%-" + width + "s";
    sb.append(String.format(Locale.ROOT, nameFormat + " %8s %9s %7s %7s%s%n", "class", "support", "precision",
        "recall", "f1", macroAucRoc != null ? String.format(Locale.ROOT, " %7s", "auc") : ""));
    for (ClassMetrics m : perClass) {
      sb.append(String.format(Locale.ROOT, nameFormat + " %8d %9.4f %7.4f %7.4f", m.name(), m.support(),
          m.precision(), m.recall(), m.f1()));
      if (macroAucRoc != null) {
        sb.append(m.aucRoc() == null ? String.format(Locale.ROOT, " %7s", "-")
            : String.format(Locale.ROOT, " %7.4f", m.aucRoc()));
      }
      sb.append(System.lineSeparator());
    }
    sb.append("confusion matrix (rows: true class, columns: predicted class)").append(System.lineSeparator());
    int rowWidth = 0;
    for (int t = 0; t < classNames.size(); t++) {
      rowWidth = Math.max(rowWidth, (t + " " + classNames.get(t)).length());
    }
    String rowFormat = "%-" + rowWidth + "s";
    int cell = Math.max(3, Integer.toString(examples).length()) + 1;
    sb.append(String.format(Locale.ROOT, rowFormat, ""));
    for (int p = 0; p < classNames.size(); p++) {
      sb.append(String.format(Locale.ROOT, "%" + cell + "d", p));
    }
    sb.append(System.lineSeparator());
    for (int t = 0; t < classNames.size(); t++) {
      sb.append(String.format(Locale.ROOT, rowFormat, t + " " + classNames.get(t)));
      for (int p = 0; p < classNames.size(); p++) {
        sb.append(String.format(Locale.ROOT, "%" + cell + "d", confusionMatrix[t][p]));
      }
      sb.append(System.lineSeparator());
    }
    return sb.toString();
  }
}
