package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.metrics.PrometheusText;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real coordinator on loopback runs one round with a raw client, refuses a bad upload and a bad registration, and
 * then {@code GET /metrics} (plain HTTP, no credentials) shows all of it: the round, the accepted and rejected
 * updates, every body byte of the protocol exchanges, the registered client, and the JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3); // 15 parameters

  private Vertx vertx;
  private Coordinator coordinator;
  private RawClient raw;
  private RoundRecord round;
  private long bytesPosted;
  private long bytesAnswered;
  private PrometheusText metrics;
  private HttpResponse<String> scrape;

  @BeforeAll
  void runOneRoundThenScrape() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(
        TimeUnit.MILLISECONDS));
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(1)
        .roundTimeout(Duration.ofSeconds(60)).seed(5).build()).await();
    raw = new RawClient(coordinator.url());

    RegisterResponse alice = post("/v1/register", Frames.encode(RegisterRequest.newBuilder().setClientName("alice")
        .setProtocolVersion(1).build()), 200).as(RegisterResponse.parser());
    FitTask task = post("/v1/tasks", Frames.encode(PollRequest.newBuilder().setClientId(alice.getClientId())
        .setClientToken(alice.getClientToken()).setWaitMs(5000).build()), 200).as(Task.parser()).getFit();
    RawClient.Reply model = raw.get("/v1/runs/" + task.getRunId() + "/models/0", alice.getClientId(),
        alice.getClientToken());
    assertThat(model.status()).isEqualTo(200);
    bytesAnswered += model.body().length;

    UpdateHeader header = UpdateHeader.newBuilder().setClientId(alice.getClientId())
        .setClientToken(alice.getClientToken()).setRunId(task.getRunId()).setRound(task.getRound())
        .setModelVersion(task.getModelVersion()).setNumExamples(10).setTrainLoss(1f).setTrainAccuracy(0.5f).build();
    List<com.google.protobuf.MessageLite> frames = new ArrayList<>();
    frames.add(header);
    frames.addAll(TensorChunks.split(MODEL.tensors(), new float[15], 1 << 20));
    // The bad requests: an upload from a client nobody registered, and a registration that does not parse.
    List<com.google.protobuf.MessageLite> forged = new ArrayList<>(frames);
    forged.set(0, header.toBuilder().setClientId("nobody").build());
    assertThat(post("/v1/updates", RawClient.frames(forged), 401).error().getCode())
        .isEqualTo(ErrorCode.UNKNOWN_CLIENT);
    byte[] garbage = {0, 0, 0, 5, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertThat(post("/v1/register", garbage, 400).error().getCode()).isEqualTo(ErrorCode.MALFORMED);
    post("/v1/updates", RawClient.frames(frames), 200);
    round = coordinator.completion().await().get(0);

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    scrape = http.send(HttpRequest.newBuilder(URI.create(coordinator.url() + "/metrics"))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    metrics = PrometheusText.parse(scrape.body());
  }

  @AfterAll
  void stop() {
    if (coordinator != null) {
      coordinator.close().await();
    }
    vertx.close().await();
  }

  private RawClient.Reply post(String path, byte[] body, int expectedStatus) throws Exception {
    RawClient.Reply reply = raw.post(path, body);
    assertThat(reply.status()).as(path).isEqualTo(expectedStatus);
    bytesPosted += body.length;
    bytesAnswered += reply.body().length;
    return reply;
  }

  private double value(String series) {
    return metrics.value(series).orElseThrow(() -> new AssertionError(series + " missing from:\n" + scrape.body()));
  }

  @Test
  void metrics_plainGet_servesPrometheusText() {
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(metrics.type("cohort_rounds_completed_total")).isEqualTo("counter");
  }

  @Test
  void metrics_afterOneRound_countsTheRound() {
    assertThat(round.completed()).isTrue();
    assertThat(value("cohort_rounds_completed_total")).isEqualTo(1);
    assertThat(value("cohort_rounds_failed_total")).isZero();
    assertThat(value("cohort_round_duration_seconds_count{outcome=\"completed\"}")).isEqualTo(1);
    assertThat(value("cohort_round_duration_seconds_sum{outcome=\"completed\"}")).isPositive();
    assertThat(value("cohort_aggregation_seconds_count")).isEqualTo(1);
  }

  @Test
  void metrics_afterOneRound_countsAcceptedAndRejectedUpdates() {
    assertThat(value("cohort_updates_accepted_total")).isEqualTo(1);
    assertThat(value("cohort_updates_rejected_total{reason=\"UNKNOWN_CLIENT\"}")).isEqualTo(1);
    // The bad registration is a refused request, not a rejected update.
    assertThat(value("cohort_updates_rejected_total{reason=\"MALFORMED\"}")).isZero();
    assertThat(value("cohort_requests_refused_total{reason=\"MALFORMED\"}")).isEqualTo(1);
    assertThat(value("cohort_requests_refused_total{reason=\"UNKNOWN_CLIENT\"}")).isEqualTo(1);
  }

  @Test
  void metrics_refusals_agreeWithStatus() throws Exception {
    RawClient.Reply status = raw.get("/v1/status", "", "");
    JsonObject refusals = new JsonObject(new String(status.body(), StandardCharsets.UTF_8)).getJsonObject("refusals");
    assertThat(refusals.getLong("UNKNOWN_CLIENT")).isEqualTo(1);
    assertThat(refusals.getLong("MALFORMED")).isEqualTo(1);
    assertThat(refusals.size()).isEqualTo(2);
  }

  @Test
  void metrics_bytes_equalEveryProtocolBody() {
    assertThat(bytesPosted).isPositive();
    assertThat(value("cohort_bytes_received_total")).isEqualTo(bytesPosted);
    assertThat(value("cohort_bytes_sent_total")).isEqualTo(bytesAnswered);
  }

  @Test
  void metrics_clients_showTheRegisteredClient() {
    assertThat(value("cohort_clients_registered")).isEqualTo(1);
    assertThat(value("cohort_clients_online")).isEqualTo(1);
  }

  @Test
  void metrics_withoutCluster_hasJvmButNoClusterGauges() {
    assertThat(metrics.hasSeriesStartingWith("jvm_memory_used_bytes")).isTrue();
    assertThat(value("jvm_threads_live_threads")).isPositive();
    assertThat(metrics.hasSeriesStartingWith("cohort_cluster_")).isFalse();
  }

  @Test
  void coordinatorMetrics_returnsTheSameSeries() {
    PrometheusText direct = PrometheusText.parse(coordinator.metrics().await());
    assertThat(direct.value("cohort_rounds_completed_total")).hasValue(1);
    assertThat(direct.value("cohort_clients_registered")).hasValue(1);
  }
}
