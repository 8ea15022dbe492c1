package io.cohort.simulation.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.simulation.eval.EvaluationResult;
import io.cohort.simulation.eval.TribuoEvaluation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SummaryJsonTest {
  @TempDir Path out;

  @Test
  void write_runSummaryFromEvaluation_parsesBack() throws IOException {
    EvaluationResult eval = new TribuoEvaluation(List.of("a", "b", "c"))
        .evaluate(new int[] {0, 0, 0, 1, 1, 1, 2, 2}, new int[] {0, 0, 1, 1, 1, 2, 2, 2});
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("strategy", "fedavg");
    config.put("partitioner", "dirichlet:0.5");
    config.put("clients", 100);
    config.put("rounds", 20);
    Map<String, String> versions = SummaryJson.versions(Map.of("cohort", "0.1.0-SNAPSHOT", "nd4j", "1.0.0-M2.1",
        "vertx", "5.1.5"));
    RunSummary summary = RunSummary.of(config, 42L, Map.of("secure_aggregation", true), eval,
        Map.of("rounds_completed", 20), versions);

    Path file = SummaryJson.write(out.resolve("run"), summary);

    assertThat(file).isEqualTo(out.resolve("run").resolve("summary.json"));
    String text = Files.readString(file);
    assertThat(text).contains("\n  \"config\" : {\n    \"strategy\" : \"fedavg\"");
    JsonNode json = new ObjectMapper().readTree(text);
    assertThat(json.path("seed").asLong()).isEqualTo(42L);
    assertThat(json.path("config").path("partitioner").asText()).isEqualTo("dirichlet:0.5");
    assertThat(json.path("final_metrics").path("accuracy").asDouble()).isEqualTo(0.75);
    assertThat(json.path("final_metrics").path("macro_f1").asDouble()).isCloseTo(34.0 / 45,
        org.assertj.core.data.Offset.offset(1e-12));
    assertThat(json.path("final_metrics").path("rounds_completed").asInt()).isEqualTo(20);
    assertThat(json.path("per_class")).hasSize(3);
    assertThat(json.path("per_class").get(0).path("name").asText()).isEqualTo("a");
    assertThat(json.path("per_class").get(0).path("precision").asDouble()).isEqualTo(1.0);
    assertThat(json.path("per_class").get(0).has("auc_roc")).isTrue();
    assertThat(json.path("class_names").get(2).asText()).isEqualTo("c");
    assertThat(json.path("confusion_matrix").get(0).toString()).isEqualTo("[2,1,0]");
    assertThat(json.path("versions").path("java").asText()).isEqualTo(Runtime.version().toString());
    assertThat(json.path("versions").path("tribuo").asText()).startsWith("4.3");
    assertThat(json.path("versions").path("vertx").asText()).isEqualTo("5.1.5");
  }

  @Test
  void write_map_keepsKeyOrderAndNaN() throws IOException {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("z", 1);
    summary.put("a", Double.NaN);
    summary.put("nested", Map.of("k", List.of(1, 2)));
    Path file = SummaryJson.write(out, summary);
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.fieldNames()).toIterable().containsExactly("z", "a", "nested");
    assertThat(json.path("a").asText()).isEqualTo("NaN");
    assertThat(json.path("nested").path("k").get(1).asInt()).isEqualTo(2);
  }
}
