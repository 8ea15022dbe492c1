package io.cohort.tribuo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The committed test CSV is exactly what its documented generator writes (a golden file). */
class GeneratedCsvTest {
  @Test
  void resource_isTheGeneratorsOutput() throws IOException {
    try (InputStream in = GeneratedCsv.class.getResourceAsStream(GeneratedCsv.RESOURCE)) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(GeneratedCsv.generate());
    }
  }
}
