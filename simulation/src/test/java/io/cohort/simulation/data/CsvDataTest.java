package io.cohort.simulation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.testing.GeneratedCsv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvDataTest {
  @TempDir Path dir;

  @Test
  void load_generatedCsv_holdsOutAFifthWithTheMappingsShapeAndLabels() throws IOException {
    CsvData csv = CsvData.load(GeneratedCsv.copyTo(dir), GeneratedCsv.LABEL, 1);
    FashionMnistData data = csv.data();
    assertThat(data.train().size()).isEqualTo(240);
    assertThat(data.test().size()).isEqualTo(60);
    assertThat(data.train().exampleShape()).containsExactly(5);
    assertThat(data.classNames()).containsExactly("amber", "blue", "crimson");
    assertThat(csv.mapping().featureNames()).containsExactly("alpha", "beta", "gamma", "noise1", "noise2");
    assertThat(data.source().getFileName().toString()).isEqualTo("generated-3class.csv");
  }

  @Test
  void load_sameSeed_sameSplit_otherSeed_otherSplit_rowsNeitherLostNorDuplicated() throws IOException {
    Path file = GeneratedCsv.copyTo(dir);
    CsvData a = CsvData.load(file, GeneratedCsv.LABEL, 1);
    CsvData b = CsvData.load(file, GeneratedCsv.LABEL, 1);
    CsvData c = CsvData.load(file, GeneratedCsv.LABEL, 2);
    assertThat(a.data().test().features()).containsExactly(b.data().test().features());
    assertThat(a.data().test().features()).isNotEqualTo(c.data().test().features());
    Set<List<Float>> rows = new HashSet<>();
    for (LabeledImages part : List.of(a.data().train(), a.data().test())) {
      for (int i = 0; i < part.size(); i++) {
        Float[] row = new Float[5];
        for (int j = 0; j < 5; j++) {
          row[j] = part.features()[i * 5 + j];
        }
        rows.add(List.of(row));
      }
    }
    assertThat(rows).hasSize(300);
  }

  @Test
  void load_oneRow_throws() throws IOException {
    Path file = Files.writeString(dir.resolve("one.csv"), "a,y\n1,p\n");
    assertThatThrownBy(() -> CsvData.load(file, "y", 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
