package io.cohort.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

class FeatureMappingTest {
  private static final LabelFactory LABELS = new LabelFactory();

  private static MutableDataset<Label> dataset() {
    MutableDataset<Label> d = new MutableDataset<>(new SimpleDataSourceProvenance("test", LABELS), LABELS);
    d.add(new ArrayExample<>(new Label("10"), new String[] {"zeta", "b"}, new double[] {1, 2}));
    d.add(new ArrayExample<>(new Label("2"), new String[] {"a", "b"}, new double[] {3, 4}));
    d.add(new ArrayExample<>(new Label("10"), new String[] {"B"}, new double[] {5}));
    return d;
  }

  @Test
  void ofDataset_sortsFeaturesAndLabelsByName() {
    FeatureMapping m = FeatureMapping.of(dataset());
    assertThat(m.featureNames()).containsExactly("B", "a", "b", "zeta");
    assertThat(m.labelNames()).containsExactly("10", "2"); // String order, not numeric
    assertThat(m.featureCount()).isEqualTo(4);
    assertThat(m.classCount()).isEqualTo(2);
  }

  @Test
  void ofDataset_featureOrderIsTribuosOwnFeatureIds() {
    MutableDataset<Label> d = dataset();
    FeatureMapping m = FeatureMapping.of(d);
    for (int i = 0; i < m.featureCount(); i++) {
      assertThat(d.getFeatureIDMap().getID(m.featureNames().get(i))).isEqualTo(i);
    }
  }

  @Test
  void ofLists_keepsTheGivenOrder() {
    FeatureMapping m = FeatureMapping.of(List.of("z", "a"), List.of("yes", "no"));
    assertThat(m.featureIndex("z")).isZero();
    assertThat(m.featureIndex("a")).isEqualTo(1);
    assertThat(m.featureIndex("missing")).isEqualTo(-1);
    assertThat(m.labelIndex("no")).isEqualTo(1);
  }

  @Test
  void row_missingFeatureIsZero_unmappedFeatureIgnored() {
    FeatureMapping m = FeatureMapping.of(List.of("a", "b", "c"), List.of("x", "y"));
    ArrayExample<Label> e = new ArrayExample<>(new Label("y"), new String[] {"c", "a", "other"},
        new double[] {3, 1, 99});
    assertThat(m.row(e)).containsExactly(1f, 0f, 3f);
    assertThat(m.classOf(e)).isEqualTo(1);
  }

  @Test
  void classOf_unseenLabel_throwsNamingIt() {
    FeatureMapping m = FeatureMapping.of(List.of("a"), List.of("x", "y"));
    ArrayExample<Label> e = new ArrayExample<>(new Label("z"), new String[] {"a"}, new double[] {1});
    assertThatThrownBy(() -> m.classOf(e)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label 'z' is not one of the mapping's 2 labels [x, y]");
  }

  @Test
  void classOf_unlabelledExample_throws() {
    FeatureMapping m = FeatureMapping.of(List.of("a"), List.of("x", "y"));
    assertThatThrownBy(() -> m.classOf(m.example(new float[] {1}))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unlabelled");
  }

  @Test
  void row_nonFiniteValue_throwsNamingTheFeature() {
    FeatureMapping m = FeatureMapping.of(List.of("a"), List.of("x", "y"));
    ArrayExample<Label> e = new ArrayExample<>(new Label("x"), new String[] {"a"}, new double[] {Double.NaN});
    assertThatThrownBy(() -> m.row(e)).hasMessageContaining("feature 'a' is not finite");
  }

  @Test
  void of_invalidNames_throw() {
    assertThatThrownBy(() -> FeatureMapping.of(List.of("a", "a"), List.of("x", "y")))
        .hasMessageContaining("duplicate feature name 'a'");
    assertThatThrownBy(() -> FeatureMapping.of(List.of("a"), List.of("x")))
        .hasMessageContaining("at least 2 labels");
    assertThatThrownBy(() -> FeatureMapping.of(List.of(), List.of("x", "y")))
        .hasMessageContaining("at least one feature");
    assertThatThrownBy(() -> FeatureMapping.of(List.of(" "), List.of("x", "y")))
        .hasMessageContaining("blank");
  }

  @Test
  void example_wrongRowLength_throws() {
    FeatureMapping m = FeatureMapping.of(List.of("a", "b"), List.of("x", "y"));
    assertThatThrownBy(() -> m.example(new float[] {1})).hasMessageContaining("has 2 values, got 1");
  }

  @Property(tries = 200)
  void rowOfExample_isTheRow(@ForAll @Size(4) List<@FloatRange(min = -1e6f, max = 1e6f) Float> values,
      @ForAll boolean second) {
    FeatureMapping m = FeatureMapping.of(List.of("d", "c", "b", "a"), List.of("x", "y"));
    float[] row = new float[4];
    for (int i = 0; i < 4; i++) {
      row[i] = values.get(i);
    }
    ArrayExample<Label> e = m.example(row, second ? 1 : 0);
    assertThat(m.row(e)).containsExactly(row);
    assertThat(m.classOf(e)).isEqualTo(second ? 1 : 0);
  }
}
