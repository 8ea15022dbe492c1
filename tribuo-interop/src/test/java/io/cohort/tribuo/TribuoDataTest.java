package io.cohort.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.data.csv.CSVLoader;

class TribuoDataTest {
  @TempDir Path dir;

  @Test
  void readCsv_generatedFile_hasEveryRowFeatureAndLabel() throws IOException {
    MutableDataset<Label> d = TribuoData.readCsv(GeneratedCsv.copyTo(dir), "kind");
    assertThat(d.size()).isEqualTo(300);
    FeatureMapping m = FeatureMapping.of(d);
    assertThat(m.featureNames()).containsExactly("alpha", "beta", "gamma", "noise1", "noise2");
    assertThat(m.labelNames()).containsExactly("amber", "blue", "crimson");
  }

  @Test
  void toDense_firstRow_holdsTheCsvValuesInMappingOrder() throws IOException {
    Path csv = GeneratedCsv.copyTo(dir);
    DenseExamples dense = TribuoData.toDense(TribuoData.readCsv(csv, "kind"));
    assertThat(dense.size()).isEqualTo(300);
    assertThat(dense.features()).hasSize(300 * 5);
    // File order: alpha,noise1,kind,gamma,beta,noise2; mapping order: alpha, beta, gamma, noise1, noise2.
    String[] first = Files.readAllLines(csv).get(1).split(",");
    assertThat(dense.row(0)).containsExactly(Float.parseFloat(first[0]), Float.parseFloat(first[4]),
        Float.parseFloat(first[3]), Float.parseFloat(first[1]), Float.parseFloat(first[5]));
    assertThat(dense.mapping().labelNames().get(dense.labels()[0])).isEqualTo(first[2]);
    int[] perClass = new int[3];
    for (int y : dense.labels()) {
      perClass[y]++;
    }
    assertThat(perClass).containsExactly(100, 100, 100);
  }

  @Test
  void toDense_dataSource_equalsDataset() throws IOException {
    Path csv = GeneratedCsv.copyTo(dir);
    DenseExamples fromSource = TribuoData.toDense(new CSVLoader<>(new LabelFactory()).loadDataSource(csv, "kind"));
    DenseExamples fromDataset = TribuoData.toDense(TribuoData.readCsv(csv, "kind"));
    assertThat(fromSource.features()).containsExactly(fromDataset.features());
    assertThat(fromSource.labels()).containsExactly(fromDataset.labels());
    assertThat(fromSource.mapping()).isEqualTo(fromDataset.mapping());
  }

  @Test
  void toDataset_roundTrip_givesTheSameDenseRows() throws IOException {
    DenseExamples dense = TribuoData.toDense(TribuoData.readCsv(GeneratedCsv.copyTo(dir), "kind"));
    DenseExamples again = TribuoData.toDense(TribuoData.toDataset(dense), dense.mapping());
    assertThat(again.features()).containsExactly(dense.features());
    assertThat(again.labels()).containsExactly(dense.labels());
  }

  @Test
  void toDense_labelOutsideMapping_throwsNamingExampleAndLabel() throws IOException {
    MutableDataset<Label> d = TribuoData.readCsv(GeneratedCsv.copyTo(dir), "kind");
    FeatureMapping twoLabels = FeatureMapping.of(List.of("alpha", "beta"), List.of("amber", "blue"));
    assertThatThrownBy(() -> TribuoData.toDense(d, twoLabels)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageMatching("example \\d+: label 'crimson' is not one of the mapping's 2 labels.*");
  }

  @Test
  void select_copiesTheChosenRows() throws IOException {
    DenseExamples dense = TribuoData.toDense(TribuoData.readCsv(GeneratedCsv.copyTo(dir), "kind"));
    DenseExamples two = dense.select(new int[] {5, 2});
    assertThat(two.row(0)).containsExactly(dense.row(5));
    assertThat(two.labels()).containsExactly(dense.labels()[5], dense.labels()[2]);
  }

  @Test
  void readCsv_missingLabelColumn_throwsNamingIt() throws IOException {
    Path csv = GeneratedCsv.copyTo(dir);
    assertThatThrownBy(() -> TribuoData.readCsv(csv, "species")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("species");
  }

  @Test
  void readCsv_missingFile_throwsNoSuchFile() {
    assertThatThrownBy(() -> TribuoData.readCsv(dir.resolve("absent.csv"), "kind"))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void readCsv_nonNumericCell_throwsIOException() throws IOException {
    Path csv = Files.writeString(dir.resolve("bad.csv"), "a,b,y\n1,2,p\n3,oops,q\n");
    assertThatThrownBy(() -> TribuoData.readCsv(csv, "y")).isInstanceOf(IOException.class)
        .hasMessageContaining("bad.csv");
  }

  @Test
  void denseExamples_inconsistentSizes_throw() {
    FeatureMapping m = FeatureMapping.of(List.of("a", "b"), List.of("x", "y"));
    assertThatThrownBy(() -> new DenseExamples(new float[3], new int[2], m)).hasMessageContaining("need 4 values");
    assertThatThrownBy(() -> new DenseExamples(new float[2], new int[] {2}, m)).hasMessageContaining("outside");
  }
}
