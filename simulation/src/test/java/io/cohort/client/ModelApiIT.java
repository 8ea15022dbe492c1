package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.nd4j.Nd4jTrainer;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.crypto.pki.TlsContexts;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.TensorChunk;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The model registry over HTTPS with the API token: a real coordinator trains two rounds with three SDK clients (the
 * ND4J trainer), then the predict API answers for the latest version with the probabilities the ND4J trainer computes
 * in-process for the final model, the download returns that model's exact parameters, and each kind of bad request
 * gets its 4xx.
 */
class ModelApiIT {
  private static final ModelArchitecture MODEL =
      new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(16), 3, List.of(8), List.of());
  private static final String TOKEN = "test-api-token-0123456789";

  private static LocalDataset data(long seed, int n) {
    Random random = new Random(seed);
    float[] x = new float[n * 16];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = random.nextInt(3);
      for (int j = 0; j < 16; j++) {
        x[i * 16 + j] = (float) random.nextGaussian() + (j % 3 == y[i] ? 1.5f : 0f);
      }
    }
    return LocalDataset.of(x, y, List.of(16), 3);
  }

  @Test
  void predictLatest_afterTwoRounds_matchesTheModelEvaluatedInProcess_andBadRequestsGet4xx() throws Exception {
    Vertx vertx = Vertx.vertx();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try (Nd4jTrainer trainer = new Nd4jTrainer()) {
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).rounds(2).minClients(3)
          .secureAggregation(SecureAggregationSettings.off()).apiToken(TOKEN).pollWait(Duration.ofSeconds(1))
          .build()).await();
      List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        LocalDataset local = data(i, 60);
        CohortClient client = CohortClient.builder().coordinator(URI.create(coordinator.url())).name("c" + i)
            .data(DatasetSource.of(local, local)).trainer(new ClientResilienceIT.SyncTrainer(trainer))
            .trustedCoordinatorCa(coordinator.caCertificate()).enrolmentToken(coordinator.issueEnrolmentToken())
            .requireSecureAggregation(false).pollWait(Duration.ofSeconds(1)).build();
        runs.add(CompletableFuture.supplyAsync(client::run, pool));
      }
      List<RoundRecord> rounds = coordinator.completion().toCompletionStage().toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
      for (CompletableFuture<ClientReport> run : runs) {
        run.get(30, TimeUnit.SECONDS);
      }
      float[] finalModel = rounds.get(1).parameters();
      HttpClient http = HttpClient.newBuilder()
          .sslContext(TlsContexts.client(coordinator.caCertificate(), Optional.empty())).build();
      String base = coordinator.url();

      JsonObject list = new JsonObject(get(http, base + "/v1/models", TOKEN).body());
      assertThat(list.getLong("latest")).isEqualTo(2);
      assertThat(list.getJsonArray("versions")).hasSize(3);
      JsonObject second = list.getJsonArray("versions").getJsonObject(2);
      assertThat(second.getInteger("round")).isEqualTo(2);
      assertThat(second.getInteger("clients")).isEqualTo(3);
      assertThat(second.getString("committedAt")).isNotNull();
      JsonObject provenance = list.getJsonObject("provenance");
      assertThat(provenance.getJsonObject("settings").getInteger("rounds")).isEqualTo(2);
      assertThat(provenance.getJsonObject("settings").getLong("seed")).isEqualTo(1);
      assertThat(provenance.getString("gitCommit")).as("built from a checkout").matches("[0-9a-f]{40}");
      assertThat(provenance.getJsonObject("versions").getString("java")).isNotBlank();

      LocalDataset probe = data(99, 20);
      JsonArray instances = new JsonArray();
      float[] example = new float[16];
      for (int i = 0; i < probe.size(); i++) {
        probe.copyFeatures(i, example, 0);
        JsonArray row = new JsonArray();
        for (float v : example) {
          row.add(v);
        }
        instances.add(row);
      }
      HttpResponse<String> predicted = post(http, base + "/v1/models/latest/predict", TOKEN,
          new JsonObject().put("instances", instances).encode());
      assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
      JsonObject answer = new JsonObject(predicted.body());
      assertThat(answer.getLong("version")).isEqualTo(2);
      float[] expected = trainer.predictProbabilities(MODEL, finalModel, probe, 8);
      JsonArray predictions = answer.getJsonArray("predictions");
      assertThat(predictions).hasSize(probe.size());
      for (int i = 0; i < probe.size(); i++) {
        JsonArray p = predictions.getJsonObject(i).getJsonArray("probabilities");
        int best = 0;
        for (int c = 0; c < 3; c++) {
          assertThat(p.getDouble(c)).isCloseTo(expected[i * 3 + c], within(1e-5));
          best = expected[i * 3 + c] > expected[i * 3 + best] ? c : best;
        }
        assertThat(predictions.getJsonObject(i).getInteger("label")).isEqualTo(best);
      }

      // The download is the exact final model, in the protocol's frames.
      HttpResponse<byte[]> download = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models/2"))
          .header("authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(download.statusCode()).isEqualTo(200);
      try (InputStream in = new ByteArrayInputStream(download.body())) {
        ModelHeader header = Frames.readRequired(in, ModelHeader.parser(), "ModelHeader");
        assertThat(header.getVersion()).isEqualTo(2);
        float[] parameters = new float[MODEL.parameterCount()];
        TensorChunks.Assembler assembler = new TensorChunks.Assembler(MODEL.tensors(), parameters);
        TensorChunk chunk;
        while ((chunk = Frames.read(in, TensorChunk.parser())) != null) {
          assembler.accept(chunk);
        }
        assembler.finish();
        assertThat(parameters).containsExactly(finalModel);
      }

      // Each kind of bad request, and what it gets.
      String row = new JsonArray(instances.getJsonArray(0).getList()).encode();
      assertThat(get(http, base + "/v1/models", null).statusCode()).isEqualTo(401);
      assertThat(get(http, base + "/v1/models", "wrong-token-0123456789").statusCode()).isEqualTo(401);
      assertBad(post(http, base + "/v1/models/latest/predict", TOKEN, "{\"instances\": [[1, 2"), 400, "JSON");
      assertBad(post(http, base + "/v1/models/latest/predict", TOKEN, "{\"instances\": [[1, 2, 3]]}"), 400,
          "row 0 has 3 values");
      assertBad(post(http, base + "/v1/models/latest/predict", TOKEN,
          "{\"instances\": [" + row.replaceFirst("[-0-9.eE]+", "\"x\"") + "]}"), 400, "not a finite number");
      assertBad(post(http, base + "/v1/models/latest/predict", TOKEN, "{\"instances\": []}"), 400, "non-empty");
      assertBad(post(http, base + "/v1/models/latest/predict", TOKEN,
          "{\"instances\": [" + row.replaceFirst("[-0-9.eE]+", "1e39") + "]}"), 400, "within float range");
      StringBuilder many = new StringBuilder("{\"instances\": [");
      for (int i = 0; i < 257; i++) {
        many.append(i == 0 ? "" : ",").append(row);
      }
      assertBad(post(http, base + "/v1/models/latest/predict", TOKEN, many.append("]}").toString()), 400,
          "at most 256 rows");
      assertBad(post(http, base + "/v1/models/7/predict", TOKEN, "{\"features\": " + row + "}"), 404,
          "does not exist");
      assertBad(post(http, base + "/v1/models/seven/predict", TOKEN, "{\"features\": " + row + "}"), 400,
          "neither a number");
      assertBad(post(http, base + "/v1/models/latest/predict", TOKEN, "[" + "0,".repeat(5_000_000) + "0]"), 413,
          "exceeds");
      // A LIME explanation of two rows' predictions: k features named by input position, for the predicted label.
      String two = "{\"instances\": [" + row + "," + new JsonArray(instances.getJsonArray(1).getList()).encode() + "]}";
      HttpResponse<String> explained = post(http, base + "/v1/models/latest/predict?explain=true&k=3", TOKEN, two);
      assertThat(explained.statusCode()).as(explained.body()).isEqualTo(200);
      for (Object p : new JsonObject(explained.body()).getJsonArray("predictions")) {
        JsonObject prediction = (JsonObject) p;
        JsonObject explanation = prediction.getJsonObject("explanation");
        assertThat(explanation.getInteger("label")).isEqualTo(prediction.getInteger("label"));
        assertThat(explanation.getJsonArray("features")).isNotEmpty().hasSizeLessThanOrEqualTo(3);
        assertThat(explanation.getJsonArray("features").getJsonObject(0).getString("feature")).matches("f([0-9]|1[0-5])");
      }
      StringBuilder nine = new StringBuilder("{\"instances\": [");
      for (int i = 0; i < 9; i++) {
        nine.append(i == 0 ? "" : ",").append(row);
      }
      assertBad(post(http, base + "/v1/models/latest/predict?explain=true", TOKEN, nine.append("]}").toString()), 400,
          "at most 8 rows");
      assertBad(post(http, base + "/v1/models/latest/predict?explain=true&k=0", TOKEN, two), 400, "k must be");
      // After all that, the API still answers.
      assertThat(post(http, base + "/v1/models/1/predict", TOKEN, "{\"features\": " + row + "}").statusCode())
          .isEqualTo(200);
      coordinator.close().await();
    } finally {
      pool.shutdownNow();
      vertx.close().await();
    }
  }

  private static void assertBad(HttpResponse<String> response, int status, String message) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(new JsonObject(response.body()).getString("error")).contains(message);
  }

  private static HttpResponse<String> get(HttpClient http, String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * More predict requests at once than the API answers ({@code MAX_IN_FLIGHT}): the excess get 429 saying to retry,
   * while those admitted are answered; none waits unbounded or fails otherwise.
   */
  @Test
  void predict_moreRequestsAtOnceThanItAnswers_excessGet429_admittedOnesAreAnswered() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure().rounds(1)
          .minClients(3).secureAggregation(SecureAggregationSettings.off()).apiToken(TOKEN).build()).await();
      JsonArray rows = new JsonArray();
      for (int r = 0; r < io.cohort.coordinator.http.ModelApiRoutes.MAX_EXPLAINED_ROWS; r++) {
        JsonArray row = new JsonArray();
        for (int j = 0; j < 16; j++) {
          row.add(0.1 * (r + j));
        }
        rows.add(row);
      }
      String body = new JsonObject().put("instances", rows).encode(); // explained: seconds a request
      HttpClient http = HttpClient.newHttpClient();
      int requests = io.cohort.coordinator.http.ModelApiRoutes.MAX_IN_FLIGHT + 4;
      List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        replies.add(http.sendAsync(HttpRequest.newBuilder(URI.create(coordinator.url()
            + "/v1/models/0/predict?explain=true")).timeout(Duration.ofSeconds(120))
            .header("authorization", "Bearer " + TOKEN).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      int answered = 0;
      int refused = 0;
      for (CompletableFuture<HttpResponse<String>> reply : replies) {
        HttpResponse<String> r = reply.get(120, TimeUnit.SECONDS);
        if (r.statusCode() == 200) {
          answered++;
        } else {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
          assertThat(r.body()).contains("already answering " + io.cohort.coordinator.http.ModelApiRoutes.MAX_IN_FLIGHT
              + " predict requests; retry shortly");
          refused++;
        }
      }
      assertThat(answered).as("answered").isBetween(1, io.cohort.coordinator.http.ModelApiRoutes.MAX_IN_FLIGHT);
      assertThat(refused).as("refused with 429").isGreaterThanOrEqualTo(requests
          - io.cohort.coordinator.http.ModelApiRoutes.MAX_IN_FLIGHT);
      coordinator.close().await();
    } finally {
      vertx.close().await();
    }
  }

  private static HttpResponse<String> post(HttpClient http, String url, String token, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("authorization", "Bearer " + token).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
