package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.transport.CoordinatorNode;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.Finished;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.Task;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A coordinator that restarts between a client's poll and the task's next step no longer knows the client; the
 * client registers again and goes on instead of ending its run. Against a scripted node on 127.0.0.1, because the
 * real coordinator's restart cannot be placed exactly between two requests.
 */
class CohortClientReRegisterTest {
  @Test
  @Timeout(30)
  void modelDownloadRefusedAsUnknownClient_registersAgainAndFinishesTheRun() {
    AtomicInteger registrations = new AtomicInteger();
    try (CoordinatorNode node = CoordinatorNode.http((exchange, body) -> {
      String path = exchange.getRequestURI().getPath();
      if (path.equals("/v1/register")) {
        int n = registrations.incrementAndGet();
        CoordinatorNode.reply(exchange, 200, RegisterResponse.newBuilder().setClientId("id-" + n)
            .setClientToken("token-" + n).setRunId("run-" + n).build());
      } else if (path.equals("/v1/tasks")) {
        CoordinatorNode.reply(exchange, 200, registrations.get() == 1
            ? Task.newBuilder().setFit(FitTask.newBuilder().setRunId("run-1").setRound(3).setModelVersion(2)).build()
            : Task.newBuilder().setFinished(Finished.newBuilder().setReason("all rounds done")).build());
      } else { // the model download, after the coordinator "restarted"
        CoordinatorNode.reply(exchange, 404, Error.newBuilder().setCode(ErrorCode.UNKNOWN_CLIENT)
            .setMessage("client id 'id-1' is not registered; register again").build());
      }
    })) {
      LocalDataset data = LocalDataset.of(new float[4 * 2], new int[4], List.of(2), 2);
      CohortClient client = CohortClient.builder().coordinator(node.base()).name("c").insecure()
          .data(DatasetSource.of(data, data)).trainer(new RefusingTrainer()).requireSecureAggregation(false)
          .retry(new RetryPolicy(Duration.ofMillis(10), Duration.ofMillis(20), 3)).pollWait(Duration.ofSeconds(1)).build();

      ClientReport report = client.run();

      assertThat(report.finishReason()).isEqualTo("all rounds done");
      assertThat(report.clientId()).isEqualTo("id-2");
      assertThat(report.roundsTrained()).isZero();
      assertThat(node.seen()).extracting(CoordinatorNode.Seen::path).containsExactly("/v1/register", "/v1/tasks",
          "/v1/runs/run-1/models/2", "/v1/register", "/v1/tasks");
    }
  }

  /** The download fails first, so training never starts. */
  private static final class RefusingTrainer implements LocalTrainer {
    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      throw new AssertionError("no model was downloaded, so nothing may be trained");
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data,
        int batchSize) {
      throw new AssertionError("not asked to evaluate");
    }

    @Override
    public void close() {}
  }
}
