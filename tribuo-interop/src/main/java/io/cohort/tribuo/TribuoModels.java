package io.cohort.tribuo;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import io.cohort.protocol.model.ModelArchitecture;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.MutableOutputInfo;
import org.tribuo.RealInfo;
import org.tribuo.VariableInfo;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.impl.EmptyDatasetProvenance;
import org.tribuo.provenance.impl.EmptyTrainerProvenance;

/**
 * Exports a Cohort model (an architecture and its flat parameters) as a Tribuo {@code Model<Label>}: a
 * {@link CohortModel}, whose predictions are {@link io.cohort.protocol.model.Inference}'s.
 *
 * <p>The exported model's feature domain is what LIME samples perturbations from. With a <b>reference dataset</b>
 * (typically the exporting party's own training data), each feature's domain entry is that dataset's own Tribuo
 * statistics, and the label counts are its label counts, so LIME behaves as it would for a Tribuo model trained on
 * it. Without one, every feature gets <b>unit statistics</b> (mean 0, variance 1, range [-3, 3]) as if the features
 * were standardised: LIME then perturbs each feature by a standard normal around the explained row, which suits
 * standardised or [0, 1] data and is only a local probe for data on other scales.
 *
 * <p>The model carries provenance: the architecture, the SHA-256 of the parameters (little-endian float32) and which
 * statistics the domain holds. Stateless and thread-safe.
 */
public final class TribuoModels {
  /** Unit statistics span [-UNIT_RANGE, UNIT_RANGE], three standard deviations. */
  static final double UNIT_RANGE = 3.0;
  private static final LabelFactory LABELS = new LabelFactory();

  private TribuoModels() {}

  /**
   * Exports with an explicit mapping and unit feature statistics.
   *
   * @param model the architecture; its input must be flat ({@code inputSize() == featureNames.size()})
   * @param parameters the flat parameters (copied)
   * @param featureNames the feature at each input position
   * @param labelNames the label of each class index
   * @throws IllegalArgumentException if the sizes disagree or a name list is invalid ({@link FeatureMapping#of(List,
   *     List)})
   */
  public static CohortModel export(ModelArchitecture model, float[] parameters, List<String> featureNames,
      List<String> labelNames) {
    return export(model, parameters, FeatureMapping.of(featureNames, labelNames));
  }

  /**
   * Exports under {@code mapping} with unit feature statistics; see {@link #export(ModelArchitecture, float[], List,
   * List)}.
   */
  public static CohortModel export(ModelArchitecture model, float[] parameters, FeatureMapping mapping) {
    check(model, parameters, mapping);
    List<VariableInfo> infos = new ArrayList<>();
    int total = mapping.classCount(); // one observation of each label
    for (String name : mapping.featureNames()) {
      infos.add(new RealInfo(name, total, UNIT_RANGE, -UNIT_RANGE, 0.0, total - 1.0));
    }
    long[] counts = new long[mapping.classCount()];
    java.util.Arrays.fill(counts, 1);
    return build(model, parameters, mapping, new ImmutableFeatureMap(infos), outputInfo(mapping, counts),
        "unit");
  }

  /**
   * Exports under {@code mapping}, with the feature statistics and label counts of a reference dataset.
   *
   * @param reference labelled data whose statistics LIME samples from
   * @throws IllegalArgumentException if the sizes disagree, the reference never saw a mapped feature, or it holds a
   *     label outside the mapping
   */
  public static CohortModel export(ModelArchitecture model, float[] parameters, FeatureMapping mapping,
      Dataset<Label> reference) {
    check(model, parameters, mapping);
    Objects.requireNonNull(reference, "reference");
    List<VariableInfo> infos = new ArrayList<>();
    for (String name : mapping.featureNames()) {
      VariableInfo info = reference.getFeatureMap().get(name);
      if (info == null) {
        throw new IllegalArgumentException("the reference dataset never saw feature '" + name + "'; export without"
            + " a reference for unit statistics");
      }
      infos.add(info.copy());
    }
    long[] counts = new long[mapping.classCount()];
    for (Example<Label> example : reference) {
      counts[mapping.classOf(example)]++;
    }
    for (int c = 0; c < counts.length; c++) {
      counts[c] = Math.max(counts[c], 1); // every label of the mapping is in the model's output domain
    }
    return build(model, parameters, mapping, new ImmutableFeatureMap(infos), outputInfo(mapping, counts),
        "reference dataset of " + reference.size() + " examples");
  }

  private static void check(ModelArchitecture model, float[] parameters, FeatureMapping mapping) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(parameters, "parameters");
    Objects.requireNonNull(mapping, "mapping");
    if (model.inputSize() != mapping.featureCount()) {
      throw new IllegalArgumentException(model.describe() + " takes " + model.inputSize() + " features, but the"
          + " mapping names " + mapping.featureCount());
    }
    if (model.numClasses() != mapping.classCount()) {
      throw new IllegalArgumentException(model.describe() + " has " + model.numClasses() + " classes, but the"
          + " mapping names " + mapping.classCount() + " labels");
    }
  }

  private static ImmutableOutputInfo<Label> outputInfo(FeatureMapping mapping, long[] counts) {
    MutableOutputInfo<Label> info = LABELS.generateInfo();
    for (int c = 0; c < counts.length; c++) {
      Label label = new Label(mapping.labelNames().get(c));
      for (long k = 0; k < counts[c]; k++) {
        info.observe(label);
      }
    }
    return info.generateImmutableOutputInfo();
  }

  private static CohortModel build(ModelArchitecture model, float[] parameters, FeatureMapping mapping,
      ImmutableFeatureMap features, ImmutableOutputInfo<Label> labels, String statistics) {
    float[] copy = parameters.clone();
    Map<String, Provenance> instance = new LinkedHashMap<>();
    instance.put("cohort-architecture", new StringProvenance("cohort-architecture", model.describe()));
    instance.put("cohort-parameters-sha256", new StringProvenance("cohort-parameters-sha256", sha256(copy)));
    instance.put("cohort-feature-statistics", new StringProvenance("cohort-feature-statistics", statistics));
    ModelProvenance provenance = new ModelProvenance(CohortModel.class.getName(), OffsetDateTime.now(),
        new EmptyDatasetProvenance(), new EmptyTrainerProvenance(), instance);
    return new CohortModel("cohort-" + model.kind().name().toLowerCase(), provenance, features, labels, model, copy,
        mapping);
  }

  /** SHA-256 of the parameters as little-endian float32, in hex. */
  static String sha256(float[] parameters) {
    ByteBuffer bytes = ByteBuffer.allocate(parameters.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(parameters);
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
