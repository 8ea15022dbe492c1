package io.cohort.client;

import io.cohort.client.nd4j.Nd4jTrainer;
import io.cohort.client.transport.HttpTransport;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Ack;
import io.cohort.protocol.v1.EvaluateResult;
import io.cohort.protocol.v1.EvaluateTask;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.LeaveRequest;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.TrainConfig;
import io.cohort.protocol.v1.UpdateHeader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A federated-learning participant: it registers with a coordinator, waits for tasks, trains on its private data and
 * returns only the update (trained minus global parameters) and its example count. The raw data never leaves the
 * process.
 *
 * <pre>{@code
 * LocalDataset mine = LocalDataset.of(features, labels, List.of(1, 28, 28), 10);
 * try (CohortClient client = CohortClient.builder()
 *     .coordinator(URI.create("http://127.0.0.1:7000"))
 *     .name("hospital-a")
 *     .data(DatasetSource.of(mine, mine))
 *     .build()) {
 *   ClientReport report = client.run(); // returns when the coordinator's run is finished
 * }
 * }</pre>
 *
 * <p>Transient failures (connection refused or reset, coordinator overloaded) are retried with the {@link
 * RetryPolicy}; if the coordinator forgets the client (it restarted), the client registers again. {@link #run()}
 * blocks the calling thread; {@link #stop()} from another thread ends it and leaves the federation.
 */
public final class CohortClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CohortClient.class);

  private final HttpTransport transport;
  private final String name;
  private final DatasetSource data;
  private final LocalTrainer trainer;
  private final boolean ownsTrainer;
  private final RetryPolicy retry;
  private final Duration pollWait;
  private volatile boolean stopped;
  private volatile boolean runFinished;
  // Written by the run loop, read by stop() from another thread.
  private volatile String clientId;
  private volatile String token;
  private String runId;
  private HttpTransport.DownloadedModel cached;
  private int trained;
  private int rejected;
  private int evaluations;

  private CohortClient(Builder b) {
    this.transport = new HttpTransport(b.coordinator, b.http != null ? b.http : HttpTransport.defaultHttpClient());
    this.name = b.name != null ? b.name : "client-" + UUID.randomUUID();
    this.data = b.data;
    this.ownsTrainer = b.trainer == null;
    this.trainer = b.trainer != null ? b.trainer : new Nd4jTrainer();
    this.retry = b.retry;
    this.pollWait = b.pollWait;
  }

  /** Starts configuring a client. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Takes part in the coordinator's run until it finishes or {@link #stop()} is called.
   *
   * @throws CohortException if the coordinator stays unreachable beyond the retry policy, or refuses the client
   */
  public ClientReport run() {
    String finish = "stopped";
    try {
      register();
      while (!stopped) {
        Task task = withRetry("poll", () -> pollOnce());
        switch (task.getKindCase()) {
          case FIT -> skipIfGone(() -> fit(task.getFit()), task.getFit().getRound());
          case EVALUATE -> skipIfGone(() -> evaluate(task.getEvaluate()), task.getEvaluate().getRound());
          case FINISHED -> {
            finish = task.getFinished().getReason();
            runFinished = true;
            stopped = true;
          }
          default -> { } // Wait: the poll already waited on the coordinator's side
        }
      }
    } catch (CohortException e) {
      if (!stopped) {
        throw e;
      }
    }
    return new ClientReport(clientId, trained, rejected, evaluations, finish);
  }

  /**
   * Asks a running {@link #run()} to end after its current step, and leaves the federation (unless the coordinator's
   * run already finished, when there is nothing to leave).
   */
  public void stop() {
    stopped = true;
    if (!runFinished) {
      leaveQuietly();
    }
  }

  /** Stops, and releases the trainer if the client created it. */
  @Override
  public void close() {
    stop();
    if (ownsTrainer) {
      trainer.close();
    }
  }

  private void register() {
    RegisterResponse response = withRetry("register", () -> transport.register(RegisterRequest.newBuilder()
        .setClientName(name)
        .setProtocolVersion(1)
        .setSdkVersion(Version.SDK)
        .build()));
    clientId = response.getClientId();
    token = response.getClientToken();
    runId = response.getRunId();
    LOG.debug("{} registered as {} in run {}", name, clientId, runId);
  }

  private Task pollOnce() {
    try {
      return transport.poll(PollRequest.newBuilder().setClientId(clientId).setClientToken(token)
          .setWaitMs((int) pollWait.toMillis()).build());
    } catch (CohortException e) {
      if (e.code().equals("UNKNOWN_CLIENT") && !stopped) { // after stop() the client has left on purpose
        LOG.info("{}: the coordinator no longer knows this client; registering again", name);
        register();
        return pollOnce();
      }
      throw e;
    }
  }

  /**
   * Runs a task, but if its model version is gone (the round closed and the model moved on while this client was
   * slow), logs it and goes back to polling instead of ending the run.
   */
  private void skipIfGone(Runnable work, int round) {
    try {
      work.run();
    } catch (CohortException e) {
      if (!e.code().equals("NOT_FOUND")) {
        throw e;
      }
      LOG.warn("{}: skipped round {}: {}", name, round, e.getMessage());
    }
  }

  private void fit(FitTask task) {
    HttpTransport.DownloadedModel model = model(task.getRunId(), task.getModelVersion());
    LocalDataset train = load(true);
    TrainConfig c = task.getConfig();
    TrainingPlan plan = new TrainingPlan(c.getLocalEpochs(), c.getBatchSize(), c.getLearningRate(),
        c.getOptimizer() == io.cohort.protocol.v1.Optimizer.SGD ? TrainingPlan.Optimizer.SGD
            : TrainingPlan.Optimizer.ADAM,
        c.getMomentum(), c.getL2(), mixSeed(c.getSeed(), name));
    FitOutcome outcome = trainer.fit(model.architecture(), model.parameters(), train, plan);
    float[] delta = new float[outcome.parameters().length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = outcome.parameters()[i] - model.parameters()[i];
    }
    UpdateHeader header = UpdateHeader.newBuilder()
        .setClientId(clientId)
        .setClientToken(token)
        .setRunId(task.getRunId())
        .setRound(task.getRound())
        .setModelVersion(task.getModelVersion())
        .setNumExamples(outcome.numExamples())
        .setTrainLoss((float) outcome.loss())
        .setTrainAccuracy((float) outcome.accuracy())
        .build();
    if (deliver("update", task.getRound(),
        () -> transport.uploadUpdate(header, model.architecture().tensors(), delta))) {
      trained++;
    } else {
      rejected++;
    }
  }

  private void evaluate(EvaluateTask task) {
    HttpTransport.DownloadedModel model = model(task.getRunId(), task.getModelVersion());
    EvaluationOutcome outcome = trainer.evaluate(model.architecture(), model.parameters(), load(false),
        task.getBatchSize());
    EvaluateResult result = EvaluateResult.newBuilder()
        .setClientId(clientId)
        .setClientToken(token)
        .setRunId(task.getRunId())
        .setRound(task.getRound())
        .setModelVersion(task.getModelVersion())
        .setNumExamples(outcome.numExamples())
        .setLoss((float) outcome.loss())
        .setAccuracy((float) outcome.accuracy())
        .build();
    if (deliver("evaluation", task.getRound(), () -> transport.evaluation(result))) {
      evaluations++;
    }
  }

  /**
   * Sends a result with retries; returns whether the coordinator accepted it. A refusal (say the round closed while
   * the client trained) is logged and the client goes on; a transport failure that outlasts the retries ends the run.
   */
  private boolean deliver(String what, int round, Supplier<Ack> send) {
    try {
      Ack ack = withRetry(what, send);
      LOG.debug("{}: {} for round {} accepted: {}", name, what, round, ack.getMessage());
      return true;
    } catch (CohortException e) {
      if (e.retryable()) {
        throw e;
      }
      LOG.warn("{}: {} for round {} refused: {}", name, what, round, e.getMessage());
      return false;
    }
  }

  private HttpTransport.DownloadedModel model(String run, long version) {
    HttpTransport.DownloadedModel m = cached;
    if (m == null || m.version() != version || !run.equals(runId)) {
      m = withRetry("model download", () -> transport.downloadModel(clientId, token, run, version));
      cached = m;
    }
    return m;
  }

  private LocalDataset load(boolean training) {
    try {
      LocalDataset d = training ? data.load() : data.loadEvaluation();
      if (d == null || d.size() == 0) {
        throw new CohortException("NO_DATA", "the DatasetSource returned no examples", false, null);
      }
      return d;
    } catch (IOException e) {
      throw new CohortException("NO_DATA", "loading local data failed: " + e.getMessage(), false, e);
    }
  }

  private <T> T withRetry(String what, Supplier<T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (CohortException e) {
        if (!e.retryable() || attempt >= retry.maxAttempts() || stopped) {
          throw e;
        }
        Duration delay = retry.delay(attempt);
        LOG.debug("{}: {} failed ({}), retry {} in {} ms", name, what, e.getMessage(), attempt, delay.toMillis());
        try {
          Thread.sleep(delay.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new CohortException("INTERRUPTED", what + " interrupted", false, ie);
        }
      }
    }
  }

  private void leaveQuietly() {
    if (clientId == null) {
      return;
    }
    try {
      transport.leave(LeaveRequest.newBuilder().setClientId(clientId).setClientToken(token).build());
    } catch (CohortException e) {
      LOG.debug("{}: leave not delivered: {}", name, e.getMessage());
    }
  }

  /** The round seed with this client's name mixed in, so clients shuffle differently but runs repeat. */
  static long mixSeed(long seed, String name) {
    long h = seed ^ (name.hashCode() * 0x9E3779B97F4A7C15L);
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    return h ^ (h >>> 33);
  }

  /** Configures a {@link CohortClient}. */
  public static final class Builder {
    private URI coordinator;
    private String name;
    private DatasetSource data;
    private LocalTrainer trainer;
    private RetryPolicy retry = RetryPolicy.defaults();
    private Duration pollWait = Duration.ofSeconds(20);
    private HttpClient http;

    private Builder() {}

    /** The coordinator's base URL, e.g. {@code http://127.0.0.1:7000}. Required. */
    public Builder coordinator(URI coordinator) {
      this.coordinator = coordinator;
      return this;
    }

    /** A stable name for this client (defaults to a random one). */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** The private data. Required. */
    public Builder data(DatasetSource data) {
      this.data = data;
      return this;
    }

    /** The local trainer; defaults to an {@link Nd4jTrainer} owned (and closed) by the client. */
    public Builder trainer(LocalTrainer trainer) {
      this.trainer = trainer;
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** How long one poll may wait for a task (1 s .. 5 min). */
    public Builder pollWait(Duration pollWait) {
      this.pollWait = pollWait;
      return this;
    }

    /** Share one JDK HTTP client (and its connections) among many clients. */
    public Builder httpClient(HttpClient http) {
      this.http = http;
      return this;
    }

    /** Validates and builds. */
    public CohortClient build() {
      if (coordinator == null || coordinator.getScheme() == null
          || !(coordinator.getScheme().equals("http") || coordinator.getScheme().equals("https"))) {
        throw new IllegalArgumentException("coordinator must be an http(s) URL such as http://127.0.0.1:7000, got "
            + coordinator);
      }
      if (data == null) {
        throw new IllegalArgumentException("data must be given: the DatasetSource the client trains on");
      }
      if (name != null && (name.isBlank() || name.length() > 256)) {
        throw new IllegalArgumentException("name must be 1..256 characters");
      }
      if (pollWait == null || pollWait.compareTo(Duration.ofSeconds(1)) < 0
          || pollWait.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException("pollWait must be between 1 s and 5 min, got " + pollWait);
      }
      return new CohortClient(this);
    }
  }
}
