package io.cohort.simulation.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes {@code summary.json}, pretty-printed, from a {@link RunSummary} or any map.
 *
 * <p>Records are written with snake_case property names; {@code NaN} and infinities are written as the strings
 * {@code "NaN"} and {@code "Infinity"} (Jackson's default), so the file stays valid JSON.
 */
public final class SummaryJson {
  /** The file name under the output directory. */
  public static final String FILE_NAME = "summary.json";

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .build();

  private SummaryJson() {}

  /** The configured mapper (shared, thread-safe; do not reconfigure). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Writes {@code outDir/summary.json} atomically.
   *
   * @return the file written
   * @throws IOException if a value cannot be serialised or the file cannot be written
   */
  public static Path write(Path outDir, RunSummary summary) throws IOException {
    return writeValue(outDir, summary);
  }

  /**
   * Writes an arbitrary map as {@code outDir/summary.json} atomically, keys in iteration order.
   *
   * @return the file written
   * @throws IOException if a value cannot be serialised or the file cannot be written
   */
  public static Path write(Path outDir, Map<String, ?> summary) throws IOException {
    return writeValue(outDir, new LinkedHashMap<>(summary));
  }

  /**
   * The versions every summary should carry, with {@code java} and {@code tribuo} filled in from the running JVM
   * and class path and the rest (e.g. {@code cohort}, {@code nd4j}, {@code vertx}) taken from {@code others}.
   */
  public static Map<String, String> versions(Map<String, String> others) {
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put("java", Runtime.version().toString());
    versions.put("tribuo", org.tribuo.Tribuo.VERSION);
    versions.putAll(others);
    return versions;
  }

  private static Path writeValue(Path outDir, Object value) throws IOException {
    byte[] json = MAPPER.writeValueAsBytes(value);
    return AtomicFiles.write(outDir, FILE_NAME, out -> {
      out.write(json);
      out.write('\n');
    });
  }
}
