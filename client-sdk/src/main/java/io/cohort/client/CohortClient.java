package io.cohort.client;

import io.cohort.client.nd4j.Nd4jTrainer;
import io.cohort.client.transport.HttpTransport;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.crypto.secagg.EncryptedShare;
import io.cohort.crypto.secagg.RevealedShare;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.secagg.SecAggWire;
import io.cohort.protocol.v1.Ack;
import io.cohort.privacy.AdaptiveClipping;
import io.cohort.privacy.GaussianNoise;
import io.cohort.privacy.L2Clipping;
import io.cohort.protocol.v1.Decline;
import io.cohort.protocol.v1.DifferentialPrivacy;
import io.cohort.protocol.v1.MaskedInputTask;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.ShareBundle;
import io.cohort.protocol.v1.ShareKeysTask;
import io.cohort.protocol.v1.UnmaskBundle;
import io.cohort.protocol.v1.UnmaskTask;
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
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
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
 *     .coordinator(URI.create("https://coordinator.example:7000"))
 *     .trustedCoordinatorCa(Path.of("ca.pem"))         // from the coordinator's operator
 *     .identityDirectory(Path.of("cohort-identity"))   // key and certificate, kept owner-only
 *     .enrolmentToken(token)                           // one-time; needed only until the identity is stored
 *     .name("hospital-a")
 *     .data(DatasetSource.of(mine, mine))
 *     .build()) {
 *   ClientReport report = client.run(); // returns when the coordinator's run is finished
 * }
 * }</pre>
 *
 * <p>Transport security is on by default: the client talks HTTPS to a coordinator whose CA it pins, enrols once with
 * a one-time token (it makes its own key and sends only a certificate request), then authenticates every request
 * with its client certificate (mutual TLS) and signs every update and secure-aggregation message with its key.
 * {@link Builder#insecure()} turns all of that off, for a coordinator run with {@code --insecure}.
 *
 * <p>Transient failures (connection refused or reset, coordinator overloaded) are retried with the {@link
 * RetryPolicy}; if the coordinator forgets the client (it restarted), the client registers again. {@link #run()}
 * blocks the calling thread; {@link #stop()} from another thread ends it and leaves the federation.
 *
 * <p>In a SCAFFOLD run (Karimireddy et al. 2020; the task's {@code TrainConfig.scaffold}) the client corrects its
 * local gradients with the server's control variate {@code c}, which comes with the model, and its own {@code c_i},
 * which it keeps in memory for the run, zero at first, and updates once the coordinator accepted its update: a client
 * that restarts starts again from zero, which is what the paper does for a client sampled for the first time. The
 * trainer must support {@link LocalTrainer#fit(ModelArchitecture, float[], LocalDataset, TrainingPlan, float[])}
 * (the SDK's {@link Nd4jTrainer} does).
 *
 * <p>A coordinator cluster is given as all its nodes' URLs ({@link Builder#coordinators(List)}): the client follows
 * a node's redirect to the node that drives the run, and when a node stops answering it tries the next one; see
 * there.
 */
public final class CohortClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CohortClient.class);
  private static final GaussianNoise NOISE = GaussianNoise.secure();
  /** How long a client that is offline for a round stays silent before it looks at its task again. */
  private static final Duration OFFLINE_PAUSE = Duration.ofMillis(500);

  private final List<URI> coordinators;
  private final ClientTls tls; // null: insecure (cleartext HTTP, bearer token)
  private volatile HttpTransport transport; // with TLS: made on the first run(), after enrolment
  private final String name;
  private final DatasetSource data;
  private final LocalTrainer trainer;
  private final boolean ownsTrainer;
  private final RetryPolicy retry;
  private final Duration pollWait;
  private final CrashInjector crashes;
  private final Availability availability;
  private final boolean requireSecureAggregation;
  private final ClientListener listener;
  private SecureRoundSession secure;
  private final UpdateCompressor compressor = new UpdateCompressor();
  private final ScaffoldControl scaffold = new ScaffoldControl(); // c_i of a SCAFFOLD run, in memory only
  private volatile boolean stopped;
  private volatile boolean runFinished;
  /** The coordinator's reason for the end of the run, once it said so. */
  private volatile String finishReason;
  // Written by the run loop, read by stop() from another thread.
  private volatile String clientId;
  private volatile String token;
  private String runId;
  private HttpTransport.DownloadedModel cached;
  private int trained;
  private int rejected;
  private int evaluations;
  private int offlineRound;

  private CohortClient(Builder b) {
    this.coordinators = b.coordinators;
    this.tls = b.insecure ? null : new ClientTls(b.trustedCa, b.identityDirectory, b.enrolmentToken);
    this.transport = b.insecure
        ? new HttpTransport(b.coordinators, b.http != null ? b.http : HttpTransport.defaultHttpClient()) : null;
    this.name = b.name != null ? b.name : "client-" + UUID.randomUUID();
    this.data = b.data;
    this.ownsTrainer = b.trainer == null;
    this.trainer = b.trainer != null ? b.trainer : new Nd4jTrainer();
    this.retry = b.retry;
    this.pollWait = b.pollWait;
    this.crashes = b.crashes;
    this.availability = b.availability;
    this.requireSecureAggregation = b.requireSecureAggregation;
    this.listener = b.listener;
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
      connect();
      register();
      while (!stopped) {
        Task task = withRetry("poll", () -> pollOnce());
        int round = roundOf(task);
        if (round > 0 && !availability.online(round)) {
          stayAway(round);
          continue;
        }
        try {
          runTask(task);
        } catch (CohortException e) {
          if (!e.code().equals("UNKNOWN_CLIENT") || stopped) {
            throw e;
          }
          // The coordinator restarted (or failed over to a node that never saw this client) between the poll and
          // this step: join it afresh and poll again; the task is lost, the run is not.
          LOG.info("{}: the coordinator no longer knows this client ({}); registering again", name, e.getMessage());
          register();
        }
        if (runFinished) {
          finish = finishReason;
        }
      }
    } catch (CohortException e) {
      if (!stopped) {
        throw e;
      }
    }
    return new ClientReport(clientId, trained, rejected, evaluations, finish);
  }

  /** Carries out one polled task (a wait does nothing: the poll already waited on the coordinator's side). */
  private void runTask(Task task) {
    switch (task.getKindCase()) {
      case FIT -> skipIfGone(() -> {
        if (task.getFit().hasSecureAggregation()) {
          advertiseKeys(task.getFit());
        } else {
          fit(task.getFit());
        }
      }, task.getFit().getRound());
      case SHARE_KEYS -> shareKeys(task.getShareKeys());
      case MASKED_INPUT -> skipIfGone(() -> maskedInput(task.getMaskedInput()),
          task.getMaskedInput().getRound());
      case UNMASK -> unmask(task.getUnmask());
      case EVALUATE -> skipIfGone(() -> evaluate(task.getEvaluate()), task.getEvaluate().getRound());
      case FINISHED -> {
        finishReason = task.getFinished().getReason();
        runFinished = true;
        stopped = true;
      }
      default -> { } // Wait
    }
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

  /** With TLS: loads the stored identity or enrols with the token, then builds the mTLS, signing transport. */
  private void connect() {
    if (transport == null) {
      transport = tls.connect(coordinators, name, call -> withRetry("enrolment", call));
    }
  }

  private void register() {
    RegisterResponse response = withRetry("register", () -> transport.register(RegisterRequest.newBuilder()
        .setClientName(name)
        .setProtocolVersion(1)
        .setSdkVersion(Version.SDK)
        .build()));
    secure = null; // a new registration (a new id, or a coordinator that restarted) starts every round afresh
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

  /** The round a task belongs to, or 0 for a wait or the end of the run. */
  private static int roundOf(Task task) {
    return switch (task.getKindCase()) {
      case FIT -> task.getFit().getRound();
      case SHARE_KEYS -> task.getShareKeys().getRound();
      case MASKED_INPUT -> task.getMaskedInput().getRound();
      case UNMASK -> task.getUnmask().getRound();
      case EVALUATE -> task.getEvaluate().getRound();
      default -> 0;
    };
  }

  /**
   * Offline for {@code round} (see {@link Availability}): the task stays unanswered and the client is silent for a
   * moment; the coordinator keeps handing out the same task until the round closes, so the client is back as soon as
   * a task of another round (or the end of the run) comes.
   */
  private void stayAway(int round) {
    if (round != offlineRound) {
      offlineRound = round;
      LOG.debug("{}: offline for round {}; its tasks go unanswered", name, round);
    }
    try {
      Thread.sleep(OFFLINE_PAUSE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CohortException("INTERRUPTED", "interrupted while offline for round " + round, false, e);
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
    if (requireSecureAggregation) {
      leaveQuietly();
      throw new CohortException("PLAINTEXT_REFUSED", "the coordinator asked for a plaintext update in round "
          + task.getRound() + ", but this client requires secure aggregation. Run the coordinator with secure "
          + "aggregation (its default), or build the client with requireSecureAggregation(false) "
          + "(--no-secure-agg) to send updates in the clear.", false, null);
    }
    HttpTransport.DownloadedModel model = model(task.getRunId(), task.getModelVersion());
    LocalDataset train = load(true);
    ScaffoldRound round = ScaffoldRound.of(task, model, scaffold);
    TrainingPlan plan = plan(task.getConfig());
    FitOutcome outcome = round == null ? trainer.fit(model.architecture(), model.parameters(), train, plan)
        : trainer.fit(model.architecture(), model.parameters(), train, plan, round.correction());
    float[] delta = new float[outcome.parameters().length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = outcome.parameters()[i] - model.parameters()[i];
    }
    float centredBit = task.hasDifferentialPrivacy() ? privatise(delta, task.getDifferentialPrivacy()) : 0f;
    if (crash(task.getRound(), RoundStage.UPLOAD)) {
      return;
    }
    UpdateHeader.Builder header = UpdateHeader.newBuilder()
        .setClientId(clientId)
        .setClientToken(token)
        .setRunId(task.getRunId())
        .setRound(task.getRound())
        .setModelVersion(task.getModelVersion())
        .setNumExamples(outcome.numExamples())
        .setTrainLoss((float) outcome.loss())
        .setTrainAccuracy((float) outcome.accuracy());
    if (task.hasDifferentialPrivacy() && task.getDifferentialPrivacy().getAdaptive()) {
      header.setCentredBit(centredBit);
    }
    UpdateHeader built = header.build();
    List<io.cohort.protocol.model.TensorShape> tensors = round == null ? model.architecture().tensors()
        : TensorChunks.withControlVariate(model.architecture().tensors());
    float[] sent = round == null ? delta : round.append(delta, outcome, plan, train.size());
    // SCAFFOLD and compression do not combine (the coordinator refuses the pair at start)
    UpdateCompressor.Prepared compressed = round == null ? compress(task, delta) : null;
    if (deliver("update", task.getRound(), compressed == null
        ? () -> transport.uploadUpdate(built, tensors, sent)
        : () -> transport.uploadCompressed(built, model.architecture().tensors(), compressed.update()))) {
      trained++;
      tell(l -> l.updateAcknowledged(task.getRunId(), task.getRound()));
      if (compressed != null) {
        compressor.delivered(compressed);
      }
      if (round != null) {
        round.commit(); // c_i moves only with an update the coordinator took
      }
    } else {
      rejected++;
      tell(l -> l.updateRefused(task.getRunId(), task.getRound()));
    }
  }

  /** The update encoded as the task asks, or null when it asks for plain float32. */
  private UpdateCompressor.Prepared compress(FitTask task, float[] delta) {
    if (!task.hasCompression()) {
      return null;
    }
    UpdateCompression compression;
    try {
      compression = UpdateCompression.fromProto(task.getCompression());
    } catch (IllegalArgumentException e) {
      leaveQuietly();
      throw new CohortException("UNSUPPORTED", "the coordinator asks for an update compression this client cannot "
          + "send (" + e.getMessage() + "); upgrade the SDK (" + Version.SDK + ")", false, e);
    }
    if (!compression.enabled()) {
      return null;
    }
    // Seeded like training, so a run repeats; the encoding is deterministic, so a signature covers what is sent.
    return compressor.prepare(task.getRunId(), delta, compression, mixSeed(task.getConfig().getSeed(), name)
        ^ 0x5EEDC0DEL);
  }

  /**
   * SCAFFOLD's client side for one round (see {@link ScaffoldControl}): the gradient correction {@code c - c_i}
   * before training, and after it the control-variate update appended to the parameter update.
   */
  private static final class ScaffoldRound {
    private final String runId;
    private final HttpTransport.DownloadedModel model;
    private final ScaffoldControl control;
    private final float[] correction;
    private float[] controlDelta;

    private ScaffoldRound(String runId, HttpTransport.DownloadedModel model, ScaffoldControl control) {
      this.runId = runId;
      this.model = model;
      this.control = control;
      this.correction = control.correction(runId, model.controlVariate());
    }

    /** The round's SCAFFOLD part, or null when {@code task} is not a SCAFFOLD round. */
    static ScaffoldRound of(FitTask task, HttpTransport.DownloadedModel model, ScaffoldControl control) {
      if (!task.getConfig().getScaffold()) {
        return null;
      }
      if (model.controlVariate() == null) {
        throw new CohortException("MALFORMED", "round " + task.getRound() + " is a SCAFFOLD round but the download "
            + "of model version " + model.version() + " carries no control variate; the coordinator and this SDK "
            + "disagree on the protocol: update the one that is older", false, null);
      }
      return new ScaffoldRound(task.getRunId(), model, control);
    }

    float[] correction() {
      return correction;
    }

    /** {@code [delta | delta_c]}: the parameter update, then the control variate's. */
    float[] append(float[] delta, FitOutcome outcome, TrainingPlan plan, int examples) {
      controlDelta = ScaffoldControl.controlDelta(model.controlVariate(), model.parameters(), outcome.parameters(),
          plan.localSteps(examples), plan.learningRate(), plan.momentum());
      float[] out = java.util.Arrays.copyOf(delta, delta.length + controlDelta.length);
      System.arraycopy(controlDelta, 0, out, delta.length, controlDelta.length);
      return out;
    }

    void commit() {
      control.commit(runId, controlDelta);
    }
  }

  // ---- secure aggregation (SecAgg+): the update never leaves the client unmasked ---------------------------------

  private void advertiseKeys(FitTask task) {
    if (secure != null && secure.isFor(task, clientId)) {
      // The coordinator has not recorded our keys (the task came back): send the same ones again.
      sendSecAgg(task.getRound(), "keys", SecAggMessage.newBuilder().setKeys(SecAggWire.toWire(secure.keys())));
      return;
    }
    secure = null;
    SecureRoundSession session;
    try {
      int parameters = ModelArchitecture.fromProto(task.getModel()).parameterCount();
      // SCAFFOLD masks [delta | delta_c]: twice the parameters
      session = SecureRoundSession.start(task, clientId,
          task.getConfig().getScaffold() ? 2 * parameters : parameters);
    } catch (IllegalArgumentException e) {
      decline(task.getRunId(), task.getRound(), "secure-aggregation settings refused: " + e.getMessage());
      return;
    }
    if (crash(task.getRound(), RoundStage.ADVERTISE_KEYS)) {
      return;
    }
    secure = session;
    sendSecAgg(task.getRound(), "keys", SecAggMessage.newBuilder()
        .setKeys(SecAggWire.toWire(session.advertise())));
  }

  private void shareKeys(ShareKeysTask task) {
    SecureRoundSession session = sessionFor(task.getRunId(), task.getRound());
    if (session == null || crash(task.getRound(), RoundStage.SHARE_KEYS)) {
      return;
    }
    List<EncryptedShare> shares;
    try {
      shares = session.secAgg.shareKeys(task.getNeighbourKeysList().stream().map(SecAggWire::fromWire).toList());
    } catch (RuntimeException e) { // SecAggException or a malformed key
      abandon(session, "key sharing failed: " + e.getMessage());
      return;
    }
    sendSecAgg(task.getRound(), "shares", SecAggMessage.newBuilder().setShares(ShareBundle.newBuilder()
        .addAllShares(shares.stream().map(SecAggWire::toWire).toList())));
  }

  private void maskedInput(MaskedInputTask task) {
    SecureRoundSession session = sessionFor(task.getRunId(), task.getRound());
    if (session == null) {
      return;
    }
    FitTask fit = session.task;
    HttpTransport.DownloadedModel model = model(task.getRunId(), task.getModelVersion());
    LocalDataset train = load(true);
    ScaffoldRound round = ScaffoldRound.of(fit, model, scaffold);
    TrainingPlan plan = plan(fit.getConfig());
    FitOutcome outcome = round == null ? trainer.fit(model.architecture(), model.parameters(), train, plan)
        : trainer.fit(model.architecture(), model.parameters(), train, plan, round.correction());
    float[] delta = new float[outcome.parameters().length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = outcome.parameters()[i] - model.parameters()[i];
    }
    float[] contribution = round == null ? delta : round.append(delta, outcome, plan, train.size());
    if (fit.hasDifferentialPrivacy()) {
      float centredBit = privatise(delta, fit.getDifferentialPrivacy());
      if (fit.getDifferentialPrivacy().getAdaptive()) { // the bit is summed securely too, after the parameters
        contribution = java.util.Arrays.copyOf(delta, delta.length + 1);
        contribution[delta.length] = centredBit;
      }
    }
    int[] masked;
    try {
      int[] encoded = session.quantizer.encode(contribution, outcome.numExamples());
      masked = session.secAgg.maskInput(task.getSharesList().stream().map(SecAggWire::fromWire).toList(), encoded);
    } catch (RuntimeException e) {
      abandon(session, "masking failed: " + e.getMessage());
      return;
    }
    if (crash(task.getRound(), RoundStage.MASKED_INPUT)) {
      return;
    }
    UpdateHeader header = UpdateHeader.newBuilder()
        .setClientId(clientId)
        .setClientToken(token)
        .setRunId(task.getRunId())
        .setRound(task.getRound())
        .setModelVersion(task.getModelVersion())
        .build(); // no example count or loss in the clear: the weight travels masked in the vector
    if (deliver("masked input", task.getRound(),
        () -> transport.uploadMasked(header, TensorChunks.MASKED_VECTOR, masked))) {
      trained++;
      tell(l -> l.updateAcknowledged(task.getRunId(), task.getRound()));
      if (round != null) {
        round.commit();
      }
    } else {
      rejected++;
      tell(l -> l.updateRefused(task.getRunId(), task.getRound()));
      secure = null;
    }
  }

  private void unmask(UnmaskTask task) {
    SecureRoundSession session = sessionFor(task.getRunId(), task.getRound());
    if (session == null || crash(task.getRound(), RoundStage.UNMASK)) {
      return;
    }
    List<RevealedShare> shares;
    try {
      shares = session.secAgg.unmask(task.getSurvivorsList(), task.getDroppedList());
    } catch (RuntimeException e) { // a request this client must not answer: it reveals nothing
      abandon(session, "unmask request refused: " + e.getMessage());
      return;
    }
    sendSecAgg(task.getRound(), "unmask shares", SecAggMessage.newBuilder().setUnmask(UnmaskBundle.newBuilder()
        .addAllShares(shares.stream().map(SecAggWire::toWire).toList())));
    secure = null; // this client's part in the round is over
  }

  /** The session of a stage task, or null after declining a task this client has no session for. */
  private SecureRoundSession sessionFor(String run, int round) {
    if (secure != null && secure.isFor(run, round)) {
      return secure;
    }
    decline(run, round, "this client holds no secure-aggregation state for round " + round);
    return null;
  }

  private void abandon(SecureRoundSession session, String reason) {
    LOG.warn("{}: leaves secure round {}: {}", name, session.round, reason);
    secure = null;
    decline(session.runId, session.round, reason);
  }

  private void decline(String run, int round, String reason) {
    try {
      withRetry("decline", () -> transport.secAgg(SecAggMessage.newBuilder()
          .setClientId(clientId).setClientToken(token).setRunId(run).setRound(round)
          .setDecline(Decline.newBuilder().setReason(reason)).build()));
    } catch (CohortException e) {
      if (e.retryable()) {
        throw e;
      }
      LOG.debug("{}: decline of round {} not taken: {}", name, round, e.getMessage());
    }
  }

  /**
   * Sends a stage answer. A DUPLICATE_UPDATE refusal means an earlier attempt got through (its reply was lost), so it
   * counts as delivered; any other refusal takes this client out of the round, telling the coordinator so.
   */
  private void sendSecAgg(int round, String what, SecAggMessage.Builder message) {
    SecureRoundSession session = secure;
    SecAggMessage m = message.setClientId(clientId).setClientToken(token)
        .setRunId(session.runId).setRound(round).build();
    try {
      withRetry(what, () -> transport.secAgg(m));
    } catch (CohortException e) {
      if (e.retryable()) {
        throw e;
      }
      if (!e.code().equals("DUPLICATE_UPDATE")) {
        abandon(session, what + " refused: " + e.getMessage());
      }
    }
  }

  /**
   * Applies the crash injector: a crashed client forgets the round and registers again under a new id, as a
   * restarted process would.
   */
  private boolean crash(int round, RoundStage stage) {
    if (!crashes.crashBefore(round, stage)) {
      return false;
    }
    LOG.debug("{}: simulated crash before {} of round {}", name, stage, round);
    secure = null;
    cached = null;
    scaffold.reset(); // a restarted process starts SCAFFOLD's c_i from zero again
    register();
    return true;
  }

  /**
   * DP-FedAvg on the client: clips {@code delta} in place to the round's L2 norm, adds the client's share of the noise
   * in distributed mode, and returns the centred bit for adaptive clipping ([norm &lt;= C] - 1/2, noised likewise).
   */
  private static float privatise(float[] delta, DifferentialPrivacy dp) {
    double norm = L2Clipping.clip(delta, dp.getClipNorm());
    double bit = AdaptiveClipping.centeredBit(norm, dp.getClipNorm());
    if (dp.getNoiseStddev() > 0) {
      NOISE.addTo(delta, dp.getNoiseStddev());
    }
    if (dp.getBitNoiseStddev() > 0) {
      bit += NOISE.sample(dp.getBitNoiseStddev());
    }
    return (float) bit;
  }

  private TrainingPlan plan(TrainConfig c) {
    return new TrainingPlan(c.getLocalEpochs(), c.getBatchSize(), c.getLearningRate(),
        c.getOptimizer() == io.cohort.protocol.v1.Optimizer.SGD ? TrainingPlan.Optimizer.SGD
            : TrainingPlan.Optimizer.ADAM,
        c.getMomentum(), c.getL2(), mixSeed(c.getSeed(), name), c.getProximalMu());
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

  /** Tells the listener; what it throws is logged, not passed on. */
  private void tell(java.util.function.Consumer<ClientListener> event) {
    try {
      event.accept(listener);
    } catch (RuntimeException e) {
      LOG.warn("{}: the client listener failed: {}", name, e.toString());
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
      if (e.code().equals("DUPLICATE_UPDATE")) { // an earlier attempt got through; only its reply was lost
        LOG.debug("{}: {} for round {} was already accepted: {}", name, what, round, e.getMessage());
        return true;
      }
      if (e.code().equals("ROUND_NOT_OPEN")) { // too late (the deadline, or over-selection had enough): routine
        LOG.info("{}: {} for round {} came too late: {}", name, what, round, e.getMessage());
      } else {
        LOG.warn("{}: {} for round {} refused: {}", name, what, round, e.getMessage());
      }
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
    if (clientId == null || transport == null) {
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
    private List<URI> coordinators;
    private String name;
    private DatasetSource data;
    private LocalTrainer trainer;
    private RetryPolicy retry = RetryPolicy.defaults();
    private Duration pollWait = Duration.ofSeconds(20);
    private HttpClient http;
    private CrashInjector crashes = CrashInjector.NEVER;
    private ClientListener listener = ClientListener.NONE;
    private Availability availability = Availability.ALWAYS;
    private boolean requireSecureAggregation = true;
    private boolean insecure;
    private X509Certificate trustedCa;
    private Path identityDirectory;
    private String enrolmentToken;

    private Builder() {}

    /**
     * The coordinator's CA certificate, which this client pins: it talks only to a coordinator whose server
     * certificate that CA issued (for the host name or address in the URL). Required unless {@link #insecure()}.
     */
    public Builder trustedCoordinatorCa(X509Certificate ca) {
      this.trustedCa = Objects.requireNonNull(ca, "ca");
      return this;
    }

    /**
     * Reads the coordinator's CA certificate from a PEM file (the {@code ca.pem} the coordinator writes in its TLS
     * directory); see {@link #trustedCoordinatorCa(X509Certificate)}.
     *
     * @throws IllegalArgumentException if the file holds anything but exactly one CA certificate
     */
    public Builder trustedCoordinatorCa(Path pem) {
      List<X509Certificate> certificates = PemFiles.readCertificates(Objects.requireNonNull(pem, "pem"));
      if (certificates.size() != 1 || certificates.get(0).getBasicConstraints() < 0) {
        throw new IllegalArgumentException(pem + " must hold exactly one CA certificate (the coordinator's ca.pem), "
            + "found " + certificates.size() + " certificate(s)");
      }
      return trustedCoordinatorCa(certificates.get(0));
    }

    /**
     * Where the client keeps its identity: its private key ({@code client.key.pem}, owner-only) and certificate
     * ({@code client.pem}), written after the first enrolment and loaded on later starts, so the token is needed
     * once. Without it the identity lives in memory and every new client needs a new token.
     */
    public Builder identityDirectory(Path dir) {
      this.identityDirectory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * The one-time enrolment token from the coordinator's operator; used only when no usable identity is stored
     * (none yet, or its certificate expired).
     */
    public Builder enrolmentToken(String token) {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("enrolment token must not be blank");
      }
      this.enrolmentToken = token.strip();
      return this;
    }

    /**
     * Cleartext HTTP with a bearer token, no certificates, no signatures: for a coordinator run with {@code
     * --insecure}, in tests or on a trusted network. Anyone on the path can read and change the updates.
     */
    public Builder insecure() {
      this.insecure = true;
      return this;
    }

    /**
     * Whether this client insists on secure aggregation (default: true). Such a client never sends its update in the
     * clear: if the coordinator asks for a plaintext update, it leaves the federation and {@link CohortClient#run()}
     * throws a {@link CohortException} with code {@code PLAINTEXT_REFUSED}.
     */
    public Builder requireSecureAggregation(boolean require) {
      this.requireSecureAggregation = require;
      return this;
    }

    /** Hears what becomes of the client's updates; defaults to {@link ClientListener#NONE}. */
    public Builder listener(ClientListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Simulated crashes, for dropout studies and tests; defaults to {@link CrashInjector#NEVER}. */
    public Builder crashInjector(CrashInjector crashes) {
      this.crashes = Objects.requireNonNull(crashes, "crashes");
      return this;
    }

    /**
     * Simulated availability, for studies of clients that are offline in some rounds; defaults to {@link
     * Availability#ALWAYS}. See {@link Availability} for what an offline client does.
     */
    public Builder availability(Availability availability) {
      this.availability = Objects.requireNonNull(availability, "availability");
      return this;
    }

    /**
     * The coordinator's base URL, e.g. {@code https://127.0.0.1:7000}; shorthand for {@link #coordinators(List)} with
     * one URL. This or that is required.
     */
    public Builder coordinator(URI coordinator) {
      this.coordinators = coordinator == null ? null : List.of(coordinator);
      return this;
    }

    /**
     * The base URLs of a coordinator cluster's nodes, e.g. {@code https://10.0.0.1:7000} and {@code
     * https://10.0.0.2:7000}, all with one scheme (1..16 URLs; this or {@link #coordinator(URI)} is required). The
     * client starts with the first. Exactly one node drives the run at a time:
     *
     * <ul>
     *   <li><b>Redirect.</b> Another node answers HTTP 307 with the same path on the driving node; the client sends
     *       the same request there at once (uploads included, their body sent again), and keeps talking to that node.
     *       At most 3 redirects per request, then the request counts as a retryable failure ({@code UNAVAILABLE}).
     *       A redirect is followed only to the same scheme (never https to http), and with TLS only to a node whose
     *       certificate the pinned CA issued; the client certificate goes with it. Nodes learned from redirects join
     *       the list below.
     *   <li><b>Fail-over.</b> When a node stops answering (connection refused or reset, timeout), the failure is
     *       retried with the {@link #retry(RetryPolicy)} policy, and each retry goes to the next node, round-robin.
     *       While the cluster picks a new driver (a few seconds), nodes answer 503, which is retried the same way.
     * </ul>
     */
    public Builder coordinators(List<URI> coordinators) {
      this.coordinators = coordinators == null ? null : List.copyOf(coordinators);
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

    /**
     * How transient failures are retried; defaults to {@link RetryPolicy#defaults()}, which outlasts a coordinator
     * cluster's change of driver.
     */
    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** How long one poll may wait for a task (1 s .. 5 min). */
    public Builder pollWait(Duration pollWait) {
      this.pollWait = pollWait;
      return this;
    }

    /**
     * Share one JDK HTTP client (and its connections) among many clients; {@link #insecure()} only (with TLS each
     * client builds its own, presenting its own certificate). It must not follow redirects itself ({@link
     * HttpClient.Redirect#NEVER}, the default): the client follows a cluster's redirects, see {@link
     * #coordinators(List)}.
     */
    public Builder httpClient(HttpClient http) {
      this.http = http;
      return this;
    }

    /** Validates and builds. */
    public CohortClient build() {
      checkCoordinators();
      checkTransportSecurity();
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

    private void checkCoordinators() {
      if (coordinators == null || coordinators.isEmpty() || coordinators.size() > HttpTransport.MAX_BASES) {
        throw new IllegalArgumentException("coordinator must be given: 1.." + HttpTransport.MAX_BASES
            + " http(s) URLs such as https://127.0.0.1:7000, got " + coordinators);
      }
      for (URI coordinator : coordinators) {
        if (coordinator.getScheme() == null || coordinator.getHost() == null
            || !(coordinator.getScheme().equals("http") || coordinator.getScheme().equals("https"))) {
          throw new IllegalArgumentException("coordinator must be an http(s) URL such as https://127.0.0.1:7000, "
              + "got " + coordinator);
        }
        if (!coordinator.getScheme().equals(coordinators.get(0).getScheme())) {
          throw new IllegalArgumentException("the coordinator URLs mix http and https (" + coordinators.get(0)
              + ", " + coordinator + "): give every node's URL with one scheme");
        }
      }
    }

    private void checkTransportSecurity() {
      URI coordinator = coordinators.get(0); // all share its scheme
      boolean https = coordinator.getScheme().equals("https");
      if (insecure) {
        if (https) {
          throw new IllegalArgumentException("insecure() speaks cleartext HTTP, but the coordinator URL is "
              + coordinator + "; drop insecure() to use TLS");
        }
        if (trustedCa != null || identityDirectory != null || enrolmentToken != null) {
          throw new IllegalArgumentException("insecure() uses no CA, identity or enrolment token; drop them or "
              + "insecure()");
        }
        return;
      }
      if (!https) {
        throw new IllegalArgumentException("TLS is on by default, but the coordinator URL " + coordinator + " is "
            + "cleartext: use the https:// URL the coordinator prints, or insecure() (--insecure) for a coordinator "
            + "that runs --insecure");
      }
      if (trustedCa == null) {
        throw new IllegalArgumentException("trustedCoordinatorCa is required with TLS: the coordinator's CA "
            + "certificate (ca.pem in its --tls-dir; --ca), which pins whom this client talks to");
      }
      if (http != null) {
        throw new IllegalArgumentException("httpClient is for insecure() clients: with TLS each client builds its "
            + "own HTTP client, which presents its certificate");
      }
      ClientTls.checkEnrollable(identityDirectory, enrolmentToken);
    }
  }
}
