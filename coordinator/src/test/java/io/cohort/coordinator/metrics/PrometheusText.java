package io.cohort.coordinator.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/** Reads samples out of Prometheus text format 0.0.4, for assertions: series (name and labels as written) to value. */
public final class PrometheusText {
  private final Map<String, Double> samples = new LinkedHashMap<>();
  private final Map<String, String> types = new LinkedHashMap<>();

  private PrometheusText() {}

  /** Parses {@code text}; comment lines other than {@code # TYPE} are skipped. */
  public static PrometheusText parse(String text) {
    PrometheusText out = new PrometheusText();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        out.types.put(parts[0], parts[1]);
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      int cut = line.lastIndexOf(' ');
      out.samples.put(line.substring(0, cut), Double.parseDouble(line.substring(cut + 1)));
    }
    return out;
  }

  /** The value of the series written exactly as {@code series} (e.g. {@code a_total} or {@code a{reason="X"}}). */
  public OptionalDouble value(String series) {
    Double v = samples.get(series);
    return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
  }

  /** The metric family's {@code # TYPE}, or null. */
  public String type(String family) {
    return types.get(family);
  }

  /** Whether any series' name starts with {@code prefix}. */
  public boolean hasSeriesStartingWith(String prefix) {
    return samples.keySet().stream().anyMatch(s -> s.startsWith(prefix));
  }

  /** Every series and its value. */
  public Map<String, Double> samples() {
    return Map.copyOf(samples);
  }
}
