package io.cohort.tribuo;

import com.google.protobuf.InvalidProtocolBufferException;
import com.oracle.labs.mlrg.olcut.util.Pair;
import io.cohort.protocol.model.Inference;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.ModelSpec;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.provenance.ModelProvenance;

/**
 * A Cohort global model as a Tribuo {@code Model<Label>}: {@link #predict(Example)} runs
 * {@link Inference#probabilities(float[])} on the example's dense row and returns every label's probability, so
 * Tribuo's {@code LabelEvaluator}, {@code LIMEBase} and anything else that takes a {@code Model<Label>} work on it.
 * Made by {@link TribuoModels#export}.
 *
 * <p>An example becomes a row through the export's {@link FeatureMapping}: a model feature that the example lacks is
 * 0, and a feature outside the model's domain is ignored. Unlike Tribuo's own models, an example with none of the
 * model's features is not refused: it is the all-zero row, which a dense model has a prediction for.
 *
 * <p>The feature domain ({@link #getFeatureIDMap()}) carries the statistics that LIME samples from: those of a
 * reference dataset, or unit ones (see {@link TribuoModels}). It is Java-serializable (the architecture travels as its
 * protocol {@code ModelSpec}); Tribuo's protobuf {@link #serialize()} is not supported: keep the protocol's frames for
 * long-term storage. Immutable and thread-safe, apart from the name that Tribuo lets any model change.
 */
public final class CohortModel extends Model<Label> {
  private static final long serialVersionUID = 1L;

  private final byte[] architectureSpec;
  private final float[] parameters;
  private final List<String> featureNames;
  private final List<String> labelNames;
  /** Row position of each feature id of the feature domain. */
  private final int[] positionOfId;
  private transient ModelArchitecture architecture;
  private transient Inference inference;

  CohortModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap,
      ImmutableOutputInfo<Label> outputIDInfo, ModelArchitecture architecture, float[] parameters,
      FeatureMapping mapping) {
    super(name, provenance, featureIDMap, outputIDInfo, true);
    this.architecture = architecture;
    this.architectureSpec = architecture.toProto().toByteArray();
    this.parameters = parameters;
    this.inference = new Inference(architecture, parameters);
    this.featureNames = mapping.featureNames();
    this.labelNames = mapping.labelNames();
    this.positionOfId = new int[featureIDMap.size()];
    for (int i = 0; i < featureNames.size(); i++) {
      positionOfId[featureIDMap.getID(featureNames.get(i))] = i;
    }
  }

  /** The architecture whose forward pass this model runs. */
  public ModelArchitecture architecture() {
    return architecture;
  }

  /** A copy of the flat parameters. */
  public float[] parameters() {
    return parameters.clone();
  }

  /** The mapping between examples and rows that this model was exported with. */
  public FeatureMapping mapping() {
    return FeatureMapping.of(featureNames, labelNames);
  }

  /** The dense row this model feeds to {@link Inference} for an example. */
  public float[] row(Example<?> example) {
    float[] row = new float[featureNames.size()];
    for (Feature f : example) {
      int id = featureIDMap.getID(f.getName());
      if (id >= 0) {
        row[positionOfId[id]] = (float) f.getValue();
      }
    }
    return row;
  }

  /**
   * Every label's probability ({@link Inference#probabilities(float[])}); the output is the most probable label (the
   * lowest class index on a tie).
   *
   * @throws IllegalArgumentException if a feature value is not finite
   */
  @Override
  public Prediction<Label> predict(Example<Label> example) {
    int used = 0;
    for (Feature f : example) {
      if (featureIDMap.getID(f.getName()) >= 0) {
        used++;
      }
    }
    double[] p = inference.probabilities(row(example));
    Map<String, Label> scores = new LinkedHashMap<>();
    int best = 0;
    for (int c = 0; c < p.length; c++) {
      scores.put(labelNames.get(c), new Label(labelNames.get(c), p[c]));
      if (p[c] > p[best]) {
        best = c;
      }
    }
    return new Prediction<>(new Label(labelNames.get(best), p[best]), scores, used, example, true);
  }

  /**
   * Feature importances read off the weights. Logistic regression: per label, the features by the absolute value of
   * their weight for that label (signed weights). MLP: under {@link Model#ALL_OUTPUTS}, the features by the L2 norm of
   * their first-layer weights. CNN: an empty map (a pixel has no weight of its own).
   *
   * @param n how many per label; negative for all
   */
  @Override
  public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
    int limit = n < 0 ? featureNames.size() : Math.min(n, featureNames.size());
    TensorShape first = architecture.tensors().get(0);
    int width = first.shape().get(first.shape().size() - 1);
    Map<String, List<Pair<String, Double>>> out = new LinkedHashMap<>();
    switch (architecture.kind()) {
      case LOGREG -> {
        for (int c = 0; c < labelNames.size(); c++) {
          List<Pair<String, Double>> weights = new ArrayList<>();
          for (int i = 0; i < featureNames.size(); i++) {
            weights.add(new Pair<>(featureNames.get(i), (double) parameters[first.offset() + i * width + c]));
          }
          out.put(labelNames.get(c), top(weights, limit));
        }
      }
      case MLP -> {
        List<Pair<String, Double>> norms = new ArrayList<>();
        for (int i = 0; i < featureNames.size(); i++) {
          double sum = 0;
          for (int j = 0; j < width; j++) {
            double w = parameters[first.offset() + i * width + j];
            sum += w * w;
          }
          norms.add(new Pair<>(featureNames.get(i), Math.sqrt(sum)));
        }
        out.put(ALL_OUTPUTS, top(norms, limit));
      }
      case CNN -> { }
    }
    return out;
  }

  private static List<Pair<String, Double>> top(List<Pair<String, Double>> all, int limit) {
    all.sort(Comparator.comparingDouble((Pair<String, Double> p) -> -Math.abs(p.getB())));
    return new ArrayList<>(all.subList(0, limit));
  }

  /** None: use {@link TribuoExplanations} for a LIME explanation. */
  @Override
  public Optional<Excuse<Label>> getExcuse(Example<Label> example) {
    return Optional.empty();
  }

  @Override
  protected CohortModel copy(String newName, ModelProvenance newProvenance) {
    return new CohortModel(newName, newProvenance, featureIDMap, outputIDInfo, architecture, parameters,
        mapping());
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    try {
      architecture = ModelArchitecture.fromProto(ModelSpec.parseFrom(architectureSpec));
      inference = new Inference(architecture, parameters);
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      InvalidObjectException invalid = new InvalidObjectException("corrupt Cohort model: " + e.getMessage());
      invalid.initCause(e);
      throw invalid;
    }
  }
}
