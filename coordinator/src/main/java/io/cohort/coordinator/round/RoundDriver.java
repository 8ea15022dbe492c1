package io.cohort.coordinator.round;

import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.registry.ClientRegistry;
import io.cohort.coordinator.state.FoldOutcome;
import io.cohort.coordinator.state.InMemoryRunStateStore;
import io.cohort.coordinator.state.OpenRound;
import io.cohort.coordinator.state.RoundTally;
import io.cohort.coordinator.state.RunStateStore;
import io.cohort.coordinator.registry.RegisteredClient;
import io.cohort.coordinator.strategy.ClientFailure;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.EvaluationReport;
import io.cohort.coordinator.strategy.EvaluationSummary;
import io.cohort.coordinator.strategy.FitAggregation;
import io.cohort.coordinator.strategy.Participation;
import io.cohort.crypto.ClientCredentials;
import io.cohort.crypto.secagg.EncryptedShare;
import io.cohort.crypto.secagg.KeyAdvertisement;
import io.cohort.crypto.secagg.Quantizer;
import io.cohort.crypto.secagg.SecAggException;
import io.cohort.crypto.secagg.UnmaskRequest;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.secagg.SecAggWire;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.Ack;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.EvaluateResult;
import io.cohort.protocol.v1.EvaluateTask;
import io.cohort.protocol.v1.Finished;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.LeaveRequest;
import io.cohort.protocol.v1.MaskedInputTask;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.ShareKeysTask;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.UnmaskTask;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the rounds of one federated run: waits for clients, samples them through the strategy, hands out tasks,
 * admits and folds updates, aggregates or fails each round, and runs federated evaluation.
 *
 * <p>Every method must be called on the coordinator's context (the HTTP handlers and timers run there); folding and
 * model encoding are sent to worker threads.
 */
public final class RoundDriver {
  private static final Logger LOG = LoggerFactory.getLogger(RoundDriver.class);
  private static final int RETRY_WHILE_WAITING_MS = 1000;
  private static final int MAX_CLIENT_NAME = 256;

  private final Vertx vertx;
  private final CoordinatorConfig config;
  private final ClientRegistry registry;
  private final TaskBoard tasks;
  private final String runId;
  private final List<RoundRecord> history = new ArrayList<>();
  private final List<Consumer<RoundRecord>> listeners = new CopyOnWriteArrayList<>();
  private final Promise<List<RoundRecord>> completion = Promise.promise();
  private final PrivacyLedger privacy; // null without differential privacy
  private final RunCheckpoints checkpoints; // null without checkpoints
  private final RunStateStore store;
  private final long term;
  private final DriverState takeover; // what a previous driver left, or null for a fresh run on one node

  private GlobalModel model;
  private FitRound fitRound;
  private EvaluationRound evaluationRound;
  private int nextRound = 1;
  private int uploadsInFlight;
  /** Uploads whose header waits for a validation slot, oldest first; each is told when one frees. */
  private final java.util.ArrayDeque<Runnable> uploadWaiters = new java.util.ArrayDeque<>();
  private long waitTimer = -1;
  private boolean aggregating; // the last round's new model is being computed; no round may start meanwhile
  private boolean checkpointing; // the last round's checkpoint is being written; no round may start meanwhile
  private boolean finished;
  private boolean deposed; // another node drives now: this one answers nothing and writes nothing
  private final Map<Long, Long> commitTimes = new java.util.HashMap<>();
  private final RoundTraffic traffic = new RoundTraffic();
  private long committedVersion = -1; // set from the model at start, then at each commit
  private int lastClosedRound; // the last training round that closed, and why: late uploads are told so
  private String lastClosedReason;
  private Set<String> lastClosedAccepted = Set.of(); // whose updates that round took: a resend after a lost reply
  private java.util.function.DoubleConsumer aggregationSeconds = seconds -> {};
  /** Async mode: the models clients may still be training on, newest last (at most max staleness + 1). */
  private final java.util.LinkedHashMap<Long, GlobalModel> recentModels = new java.util.LinkedHashMap<>();

  /** A driver for a fresh run starting from {@code initial}. */
  public RoundDriver(Vertx vertx, CoordinatorConfig config, ClientRegistry registry, GlobalModel initial,
      String runId) {
    this(vertx, config, registry, initial, runId, null);
  }

  /**
   * A single coordinator's driver for run {@code runId} from {@code initial}: a fresh run when {@code restored} is
   * null, else the run resumed from its checkpoint. State is kept in memory (term 1).
   */
  public RoundDriver(Vertx vertx, CoordinatorConfig config, ClientRegistry registry, GlobalModel initial,
      String runId, RunCheckpoints.Restored restored) {
    this(vertx, config, registry, initial, runId, new DriverState(restored, null, null, List.of()),
        new InMemoryRunStateStore(), 1);
  }

  /**
   * A driver for run {@code runId} from {@code initial} that keeps its state in {@code store} under {@code term}: a
   * fresh run when {@code state.restored()} is null, else the run resumed from its committed state (history, next
   * round, privacy ledger), continuing the round a previous driver left open ({@code state.open()}).
   */
  public RoundDriver(Vertx vertx, CoordinatorConfig config, ClientRegistry registry, GlobalModel initial,
      String runId, DriverState state, RunStateStore store, long term) {
    RunCheckpoints.Restored restored = state.restored();
    this.store = store;
    this.term = term;
    this.takeover = state;
    this.committedVersion = initial.version(); // the model a driver starts from is committed (Coordinator.takeOver)
    this.vertx = vertx;
    this.config = config;
    this.registry = registry;
    this.tasks = new TaskBoard(vertx);
    this.model = initial;
    this.runId = runId;
    this.privacy = config.differentialPrivacy().map(dp -> new PrivacyLedger(dp, minCohort())).orElse(null);
    this.checkpoints = config.checkpoints().directory()
        .map(dir -> new RunCheckpoints(dir, runId, config.checkpoints().keep())).orElse(null);
    if (restored != null) {
      history.addAll(restored.history());
      nextRound = restored.roundsDone() + 1;
      restored.privacy().ifPresent(ledger -> {
        if (privacy == null) {
          throw new IllegalArgumentException("the checkpointed run was differentially private; resume it with its "
              + "--dp-* flags");
        }
        privacy.restore(ledger);
      });
      config.strategy().restoreState(restored.checkpoint().header().getStrategyState().toByteArray());
    }
    long now = System.currentTimeMillis();
    for (RegisteredClient client : state.clients()) {
      registry.register(client);
      registry.touch(client.id(), now); // heard of just now: live until the liveness window passes without a word
    }
    if (config.strategy().controlVariates()) { // SCAFFOLD: the download carries the (restored, or zero) c as well
      this.model = GlobalModel.encode(runId, initial.version(), config.model(), initial.parameters(),
          controlVariate());
    }
  }

  /** Elements of one client's exchanged vector: the parameters, and with SCAFFOLD its control variate after them. */
  private int exchangeLength() {
    int parameters = config.model().parameterCount();
    return config.strategy().controlVariates() ? Math.multiplyExact(2, parameters) : parameters;
  }

  /** The strategy's control variate to send with the next model (SCAFFOLD), else null. */
  private float[] controlVariate() {
    return config.strategy().controlVariates() ? config.strategy().controlVariate(config.model().parameterCount())
        : null;
  }

  /** The run's id. */
  public String runId() {
    return runId;
  }

  /** Calls {@code listener} on the coordinator's context after each round; it must not block. */
  public void addListener(Consumer<RoundRecord> listener) {
    listeners.add(listener);
  }

  /**
   * Calls {@code observer} with the seconds each successful aggregation (a round's sum into the next model) took; it
   * runs on the worker that aggregated, so it must be thread-safe and quick. Set it before {@link #start()}.
   */
  public void onAggregation(java.util.function.DoubleConsumer observer) {
    aggregationSeconds = java.util.Objects.requireNonNull(observer, "observer");
  }

  /** Completes with the round history when the last round is done. */
  public Future<List<RoundRecord>> completion() {
    return completion.future();
  }

  /** Starts the run: the first round begins once enough clients are live. */
  public void start() {
    if (nextRound > 1) {
      LOG.info("run {}: resumed after round {} of {} (model version {})", runId, nextRound - 1, config.rounds(),
          model.version());
    } else {
      LOG.info("run {}: {} rounds of {} on {}", runId, config.rounds(), config.strategy().name(),
          config.model().describe());
    }
    if (takeover.finishedReason() != null || nextRound > config.rounds()) {
      finished = true;
      tasks.finish(takeover.finishedReason() != null ? takeover.finishedReason()
          : "run " + runId + " had already completed " + config.rounds() + " rounds");
      completion.tryComplete(List.copyOf(history));
      return;
    }
    if (takeover.open() != null && takeover.open().round() == nextRound) {
      continueRound(takeover.open(), takeover.tally());
      return;
    }
    tryStartRound();
  }

  /** The rounds finished so far (a copy; no per-round parameters for rounds restored from a checkpoint). */
  public List<RoundRecord> history() {
    return List.copyOf(history);
  }

  /** The current global model's version. */
  public long modelVersion() {
    return model.version();
  }

  /**
   * The newest model version committed to the run state (what the model registry serves as {@code latest}); it
   * trails {@link #modelVersion()} while a round's new model is being committed.
   */
  public long committedVersion() {
    return committedVersion;
  }

  /** When each model version this driver committed was committed (epoch milliseconds); a copy. */
  public Map<Long, Long> commitTimes() {
    return Map.copyOf(commitTimes);
  }

  /** The term this driver writes its state under. */
  public long term() {
    return term;
  }

  /**
   * Stops driving because another node does now: no timer fires, no task is handed out, parked polls are answered
   * with a wait (the clients' next requests go to the new driver), and the run's completion never completes here.
   */
  public void stepDown(String reason) {
    if (deposed) {
      return;
    }
    deposed = true;
    finished = true;
    LOG.warn("run {}: this node stops driving (term {}): {}", runId, term, reason);
    if (waitTimer >= 0) {
      vertx.cancelTimer(waitTimer);
    }
    if (fitRound != null) {
      vertx.cancelTimer(fitRound.timerId);
      if (fitRound.secure != null) {
        vertx.cancelTimer(fitRound.secure.stageTimer);
      }
    }
    if (evaluationRound != null) {
      vertx.cancelTimer(evaluationRound.timerId);
    }
    fitRound = null;
    evaluationRound = null;
    tasks.abandon();
  }

  /** Whether this driver has stepped down. */
  public boolean deposed() {
    return deposed;
  }

  /**
   * Takes over a round another driver opened: a plain round goes on with the updates its running sum holds (each
   * counted once; their senders get DUPLICATE_UPDATE if they resend), the others are asked again; a secure round
   * cannot (its masked inputs are bound to the lost driver's unmasking state) and is restarted.
   */
  private void continueRound(OpenRound open, RoundTally tally) {
    nextRound = open.round() + 1;
    if (open.modelVersion() != model.version()) {
      throw new IllegalStateException("round " + open.round() + " trains model version " + open.modelVersion()
          + " but the committed model is version " + model.version());
    }
    if (open.secure()) {
      restartSecureRound(open);
      return;
    }
    if (tally == null) {
      String reason = "the running sum of round " + open.round() + " was lost with the node driving it";
      LOG.warn("run {}: round {} failed on takeover: {}", runId, open.round(), reason);
      List<ClientFailure> failures = open.invited().stream().map(id -> new ClientFailure(id, reason)).toList();
      finishRound(new RoundRecord(open.round(), false, open.invited().size(), 0, failures, 0, Double.NaN, 0,
          model.version(), model.parameters(), null, reason, epsilon(), Double.NaN));
      return;
    }
    FitRound round = new FitRound(open.round(), open.modelVersion(), open.invited(), tally.aggregation());
    round.recorded = true;
    round.accepted.addAll(tally.accepted());
    round.sampleRate = open.sampleRate();
    round.dp = parseDp(open);
    round.target = open.target() > 0 ? open.target() : round.invited.size();
    fitRound = round;
    traffic.opened(round.number, round.modelVersion);
    Task task = Task.newBuilder().setFit(fitTask(round.number, open.deadlineUnixMs(), round.dp)).build();
    for (String id : round.invited) {
      if (!round.accepted.contains(id)) {
        tasks.assign(id, task);
      }
    }
    long remaining = Math.max(1000, open.deadlineUnixMs() - System.currentTimeMillis());
    round.timerId = vertx.setTimer(remaining, id -> onFitDeadline(round));
    LOG.info("run {}: took over round {} (term {}) with {} of {} updates already summed", runId, round.number, term,
        round.accepted.size(), round.invited.size());
    if (config.async().isPresent()) {
      if (asyncBufferFull(round)) {
        closeFitRound(round, "buffer full");
      }
    } else if (round.allAnswered()) {
      closeFitRound(round, null);
    } else if (round.targetReached()) {
      closeFitRound(round, round.targetReason());
    }
  }

  /**
   * Restarts a secure round another driver left open: its masked inputs can only be unmasked with the lost driver's
   * key-sharing state, so nothing of that attempt is summed; the same clients are invited to the same round again, as
   * a fresh secure-aggregation instance, and each client's update counts once, in this attempt.
   */
  private void restartSecureRound(OpenRound open) {
    FitRound round = new FitRound(open.round(), open.modelVersion(), open.invited(),
        config.strategy().beginFit(open.round(), exchangeLength()));
    round.sampleRate = open.sampleRate();
    round.dp = parseDp(open);
    round.target = open.target() > 0 ? open.target() : round.invited.size();
    fitRound = round;
    traffic.opened(round.number, round.modelVersion);
    long deadline = System.currentTimeMillis() + config.roundTimeout().toMillis();
    FitTask.Builder fit = fitTask(round.number, deadline, round.dp);
    beginSecure(round, fit, term);
    LOG.warn("run {}: restarting secure round {} (term {}): the masked inputs sent to the lost driver cannot be "
        + "unmasked without its state, so its {} clients are asked again", runId, round.number, term,
        round.invited.size());
    recordAndHandOut(round, fit, deadline);
  }

  private static io.cohort.protocol.v1.DifferentialPrivacy parseDp(OpenRound open) {
    if (open.differentialPrivacy() == null) {
      return null;
    }
    try {
      return io.cohort.protocol.v1.DifferentialPrivacy.parseFrom(open.differentialPrivacy());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("round " + open.round() + "'s privacy instructions do not parse", e);
    }
  }

  private FitTask.Builder fitTask(int number, long deadline, io.cohort.protocol.v1.DifferentialPrivacy dp) {
    FitTask.Builder fit = FitTask.newBuilder()
        .setRunId(runId)
        .setRound(number)
        .setModelVersion(model.version())
        .setModel(config.model().toProto())
        .setConfig(config.train().toProto(config.seed() * 1_000_003L + number).toBuilder()
            .setProximalMu((float) config.strategy().proximalMu())
            .setScaffold(config.strategy().controlVariates()))
        .setDeadlineUnixMs(deadline);
    if (dp != null) {
      fit.setDifferentialPrivacy(dp);
    }
    if (config.compression().enabled()) {
      fit.setCompression(config.compression().toProto());
    }
    return fit;
  }

  // ---- client requests -------------------------------------------------------------------------------------------

  /**
   * Registers a client of an insecure coordinator under a fresh id with a bearer token (replacing an earlier
   * registration under the same name).
   */
  public RegisterResponse register(RegisterRequest request) throws ProtocolException {
    String name = validName(request);
    String token = ClientCredentials.newToken();
    return admit(new RegisteredClient(ClientCredentials.newId(12), name, ClientCredentials.Verifier.of(token),
        System.currentTimeMillis(), null), token);
  }

  /**
   * Registers a certified client under the id its TLS client certificate names (the caller has checked the
   * certificate); it gets no token. A client that registers again (it restarted) is out of the open round, as a new
   * registration under a new id would be.
   */
  public RegisterResponse register(RegisterRequest request, String certifiedId, X509Certificate certificate)
      throws ProtocolException {
    String name = validName(request);
    Optional<RegisteredClient> earlier = registry.find(certifiedId);
    if (earlier.isPresent() && !earlier.get().name().equals(name)) {
      registry.remove(certifiedId); // renamed: forget the old name's entry, so it cannot shadow another client later
      forget(certifiedId);
      dropClient(certifiedId, "registered again as '" + name + "'");
    }
    return admit(new RegisteredClient(certifiedId, name, null, System.currentTimeMillis(), certificate), "");
  }

  private static String validName(RegisterRequest request) throws ProtocolException {
    if (request.getProtocolVersion() != 1) {
      throw new ProtocolException(ErrorCode.MALFORMED,
          "protocol version " + request.getProtocolVersion() + " is not supported; this coordinator speaks 1");
    }
    String name = request.getClientName();
    if (name.isBlank() || name.length() > MAX_CLIENT_NAME) {
      throw new ProtocolException(ErrorCode.MALFORMED,
          "client_name must be 1.." + MAX_CLIENT_NAME + " characters, got " + name.length());
    }
    return name;
  }

  private RegisterResponse admit(RegisteredClient client, String token) throws ProtocolException {
    if (deposed) {
      throw notDriving();
    }
    registry.register(client).ifPresent(previous -> {
      if (!previous.id().equals(client.id())) {
        forget(previous.id());
      }
      dropClient(previous.id(), previous.id().equals(client.id())
          ? "registered again (the client restarted)" : "re-registered as " + client.id());
    });
    persistClient(() -> store.saveClient(term, client), "saving client " + client.id());
    LOG.debug("registered {} as {}", client.name(), client.id());
    tryStartRound(); // a no-op unless the run is waiting for clients
    return RegisterResponse.newBuilder()
        .setClientId(client.id())
        .setClientToken(token)
        .setRunId(runId)
        .setPollWaitMs((int) config.pollWait().toMillis())
        .build();
  }

  /** The certificate a certified client registered with (its signatures are checked against it). */
  public Optional<X509Certificate> certificateOf(String clientId) {
    return registry.find(clientId).map(RegisteredClient::certificate);
  }

  /**
   * Counts an update upload's body bytes (accepted or refused) for the round of {@code ticket}, or, for an upload
   * refused before it was admitted ({@code ticket} null), for the open round.
   */
  public void countUpload(UploadTicket ticket, long bytes) {
    FitRound round = ticket != null ? ticket.round() : fitRound;
    if (round != null) {
      traffic.upload(round.number, bytes);
    }
  }

  /** Counts the body bytes of a download of model {@code version} served to a client. */
  public void countDownload(long version, long bytes) {
    traffic.download(fitRound, version, bytes, config.async().isPresent());
  }

  /** The client's current task, held open up to the poll wait. */
  public Future<Task> poll(PollRequest request) {
    try {
      authenticate(request.getClientId(), request.getClientToken());
    } catch (ProtocolException e) {
      return Future.failedFuture(e);
    }
    long wait = Math.min(Math.max(0, request.getWaitMs()), config.pollWait().toMillis());
    FitRound round = fitRound;
    String clientId = request.getClientId();
    if (config.async().isPresent() && round != null && round.recorded && !round.closing()
        && !round.accepted.contains(clientId) && asyncNeedsTask(tasks.current(clientId))) {
      // Async: an idle client (new, or its last task refused), or one whose model aged out before it could download
      // it, trains on the newest model at once.
      tasks.assign(clientId, Task.newBuilder().setFit(fitTask(round.number, System.currentTimeMillis()
          + config.roundTimeout().toMillis(), null)).build());
    }
    return tasks.poll(clientId, wait, RETRY_WHILE_WAITING_MS);
  }

  /** Async mode: no task, or a fit task on a model that can no longer be downloaded. */
  private boolean asyncNeedsTask(Task current) {
    if (current == null) {
      return true;
    }
    long version = current.hasFit() ? current.getFit().getModelVersion() : model.version();
    return version != model.version() && !recentModels.containsKey(version);
  }

  /** The current global model, if {@code version} names it. */
  public GlobalModel model(String clientId, String token, String runId, long version) throws ProtocolException {
    authenticate(clientId, token);
    if (!this.runId.equals(runId)) {
      throw new ProtocolException(ErrorCode.NOT_FOUND, "run '" + runId + "' is not this coordinator's run " + this.runId);
    }
    if (version != model.version()) {
      GlobalModel recent = recentModels.get(version); // async: a client may start on a model one step old
      if (recent != null) {
        return recent;
      }
      throw new ProtocolException(ErrorCode.NOT_FOUND,
          "model version " + version + " is not available; the current version is " + model.version());
    }
    return model;
  }

  /**
   * Admits an upload after checking who sends it and for which round, and takes one of the upload slots.
   *
   * @throws ProtocolException naming the first check that fails
   */
  public UploadTicket admitUpload(UpdateHeader header) throws ProtocolException {
    String clientId = header.getClientId();
    authenticate(clientId, header.getClientToken());
    FitRound round = fitRound;
    if (!runId.equals(header.getRunId())) {
      throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN,
          "update names run '" + header.getRunId() + "' but the coordinator runs " + runId);
    }
    if (config.async().isPresent()) {
      admitAsync(round, header);
    } else if (round == null || round.closing() || round.number != header.getRound()) {
      if (round != null && round.number == header.getRound()
          && (round.folding.contains(clientId) || round.uploading.contains(clientId))) {
        // Its earlier upload is still being folded or received: whether it lands is not known yet.
        throw new ProtocolException(ErrorCode.UNAVAILABLE, "client " + clientId + "'s upload for round "
            + header.getRound() + " is still being received or folded; retry in a moment to learn how it ended");
      }
      if (header.getRound() == lastClosedRound && lastClosedAccepted.contains(clientId)) {
        // The round took this client's update before it closed; the reply was lost and the client sends it again.
        throw new ProtocolException(ErrorCode.DUPLICATE_UPDATE, "client " + clientId + "'s update was accepted in "
            + "round " + header.getRound() + " before the round closed; nothing more to send for it");
      }
      if (header.getRound() == lastClosedRound || (round != null && round.closing()
          && round.number == header.getRound())) {
        throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN, "round " + header.getRound() + " is not open: it "
            + "closed before this update came (" + (round != null && round.number == header.getRound() ? round.closeReason
                : lastClosedReason) + "); it is not used: wait for the next task");
      }
      throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN, "round " + header.getRound() + " is not open"
          + (round == null || round.closing() ? "; no round is accepting updates"
              : "; the open round is " + round.number));
    } else if (!round.isInvited(clientId)) {
      throw new ProtocolException(ErrorCode.NOT_INVITED,
          "client " + clientId + " was not sampled for round " + round.number);
    }
    if (round.accepted.contains(clientId)) {
      throw new ProtocolException(ErrorCode.DUPLICATE_UPDATE,
          "client " + clientId + " already has an accepted update in round " + round.number);
    }
    if (round.uploading.contains(clientId)) { // not a duplicate yet: the first upload may still fail
      throw new ProtocolException(ErrorCode.UNAVAILABLE, "client " + clientId + " already has an upload in "
          + "progress for round " + round.number + "; retry in a moment to learn how it ended");
    }
    if (round.failures.containsKey(clientId)) {
      throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN,
          "client " + clientId + " is out of round " + round.number + ": " + round.failures.get(clientId));
    }
    if (header.getModelVersion() != round.modelVersion && config.async().isEmpty()) {
      throw new ProtocolException(ErrorCode.STALE_MODEL, "update was trained on model version "
          + header.getModelVersion() + " but round " + round.number + " trains version " + round.modelVersion);
    }
    if (round.dp != null && round.dp.getAdaptive() && round.secure == null) {
      float bit = header.getCentredBit();
      if (!Float.isFinite(bit) || (round.dp.getBitNoiseStddev() == 0 && Math.abs(bit) != 0.5f)) {
        throw new ProtocolException(Float.isFinite(bit) ? ErrorCode.MALFORMED : ErrorCode.NON_FINITE,
            "centred_bit must be +0.5 (update not clipped) or -0.5 (clipped) in round " + round.number + ", got "
                + bit);
      }
    }
    if (round.secure != null) {
      admitMaskedInput(round, header);
    } else if (header.getNumExamples() <= 0 || header.getNumExamples() > (1L << 40)) {
      throw new ProtocolException(ErrorCode.MALFORMED,
          "num_examples must be in 1..2^40, got " + header.getNumExamples());
    }
    if (!Float.isFinite(header.getTrainLoss()) || !Float.isFinite(header.getTrainAccuracy())) {
      throw new ProtocolException(ErrorCode.NON_FINITE, "train_loss and train_accuracy must be finite");
    }
    if (uploadsInFlight >= config.maxConcurrentUploads()) { // the HTTP layer normally waits for a slot first
      throw new ProtocolException(ErrorCode.UNAVAILABLE,
          "the coordinator is validating " + uploadsInFlight + " uploads already; retry shortly");
    }
    uploadsInFlight++;
    round.uploading.add(clientId);
    int parameters = exchangeLength();
    List<TensorShape> tensors = config.strategy().controlVariates()
        ? TensorChunks.withControlVariate(config.model().tensors()) : config.model().tensors();
    UpdateCompression compression = round.secure != null ? UpdateCompression.NONE : config.compression();
    long maxBody = bodyLimit(compression.maxDataBytes(parameters, TensorChunks.DEFAULT_CHUNK_ELEMENTS));
    return new UploadTicket(round, header, tensors, parameters, maxBody, compression);
  }

  /** The most body bytes an upload of {@code dataBytes} of values may take, with its framing. */
  private static long bodyLimit(long dataBytes) {
    return dataBytes + dataBytes / 64 + 1024L * 1024 + Frames.MAX_FRAME_BYTES / 256 + 4;
  }

  /** The longest an update's body may take to arrive (the HTTP layer cuts a slower upload off). */
  public java.time.Duration uploadTimeout() {
    return config.uploadTimeout();
  }

  /**
   * The most body bytes any upload to this run may take, whatever its kind (plain, compressed, masked, with a
   * control variate): how much of a refused upload's body the HTTP layer reads and discards so that it can answer
   * on a connection it keeps, instead of closing one the client is still writing to (a close with unread bytes is a
   * TCP reset, which can destroy the answer before the client reads it).
   */
  public long maxUploadBodyBytes() {
    long values = exchangeLength() + 2L; // a masked vector carries a weight and maybe a centred bit too
    return bodyLimit(Math.max(4 * values, config.compression().maxDataBytes(values,
        TensorChunks.DEFAULT_CHUNK_ELEMENTS)));
  }

  /**
   * Async mode's admission: the update must answer the fit task the client is training on (no replay of an earlier
   * one), a buffer must be open (between buffers the refusal is retryable), and the update must not be staler than
   * the maximum.
   */
  private void admitAsync(FitRound round, UpdateHeader header) throws ProtocolException {
    String clientId = header.getClientId();
    if (round != null && round.accepted.contains(clientId)) {
      throw new ProtocolException(ErrorCode.DUPLICATE_UPDATE,
          "client " + clientId + " already has an accepted update in buffer " + round.number);
    }
    if (finished) {
      throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN, "run " + runId + " has finished its " + config.rounds()
          + " server steps; no more updates are taken");
    }
    Task current = tasks.current(clientId);
    if (current == null || !current.hasFit() || current.getFit().getRound() != header.getRound()
        || current.getFit().getModelVersion() != header.getModelVersion()) {
      throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN, "client " + clientId + " holds no fit task of round "
          + header.getRound() + " on model version " + header.getModelVersion()
          + (current == null || !current.hasFit() ? "; it has no fit task now"
              : "; its task is round " + current.getFit().getRound() + " on version "
                  + current.getFit().getModelVersion()) + "; poll for a task");
    }
    if (round == null || round.closing()) {
      throw new ProtocolException(ErrorCode.UNAVAILABLE, "the coordinator is applying a full buffer; retry in a "
          + "moment and the update joins the next one");
    }
    long staleness = round.modelVersion - header.getModelVersion();
    int most = config.async().get().maxStaleness();
    if (staleness > most) {
      tasks.assign(clientId, Task.newBuilder().setFit(fitTask(round.number, System.currentTimeMillis()
          + config.roundTimeout().toMillis(), null)).build());
      throw new ProtocolException(ErrorCode.STALE_MODEL, "update was trained on model version "
          + header.getModelVersion() + ", " + staleness + " server steps behind the current version "
          + round.modelVersion + " (at most " + most + " accepted); a task on the current model is waiting");
    }
  }

  private static void admitMaskedInput(FitRound round, UpdateHeader header) throws ProtocolException {
    SecureRound secure = round.secure;
    if (secure.stage != SecureRound.Stage.MASKED_INPUT || secure.maskedInputClosing) {
      throw new ProtocolException(ErrorCode.WRONG_STAGE, "round " + round.number + " is in secure-aggregation stage "
          + stageName(secure) + "; masked inputs are accepted only in stage masked_input");
    }
    if (!secure.waitingFor.contains(header.getClientId())) {
      throw new ProtocolException(ErrorCode.NOT_INVITED, "client " + header.getClientId()
          + " did not complete the key-sharing stage of round " + round.number + ", so it has no masked input in it");
    }
    if (header.getNumExamples() != 0 || header.getTrainLoss() != 0 || header.getTrainAccuracy() != 0) {
      throw new ProtocolException(ErrorCode.MALFORMED, "a secure round's update header carries no num_examples, "
          + "train_loss or train_accuracy: the weight travels masked inside the vector");
    }
  }

  /** Whether the ticket's round still accepts updates (an upload in a closed round can stop early). */
  public boolean isOpen(UploadTicket ticket) {
    FitRound round = ticket.round();
    SecureRound secure = round.secure;
    return round == fitRound && !round.closing() && !round.failures.containsKey(ticket.header().getClientId())
        && (secure == null || (secure.stage == SecureRound.Stage.MASKED_INPUT && !secure.maskedInputClosing));
  }

  /** Releases an upload that failed validation; the round is untouched. */
  public void abortUpload(UploadTicket ticket) {
    releaseUploadSlot();
    ticket.round().uploading.remove(ticket.header().getClientId());
  }

  /**
   * The most uploads whose header may wait for a validation slot (their connections paused, so they hold no more
   * than the socket's buffers); beyond them an upload is refused with a retryable UNAVAILABLE.
   */
  public int maxWaitingUploads() {
    return config.maxWaitingUploads();
  }

  /**
   * Whether an upload can be validated now: a slot is free and no earlier upload waits for one ({@code woken}: the
   * upload was waiting and has just been woken for the slot, so those behind it do not count).
   */
  public boolean uploadSlotFree(boolean woken) {
    return uploadsInFlight < config.maxConcurrentUploads() && (woken || uploadWaiters.isEmpty());
  }

  /**
   * Queues {@code whenFree} for a validation slot: it runs once one frees, on this driver's context, and must then
   * try to admit its upload again (the round may have moved on meanwhile). An upload waits, its connection paused,
   * instead of being refused, so that a client does not send a whole update only to be told to send it again.
   *
   * @return false if {@link #maxWaitingUploads()} wait already (refuse the upload as UNAVAILABLE)
   */
  public boolean waitForUploadSlot(Runnable whenFree) {
    if (uploadWaiters.size() >= config.maxWaitingUploads()) {
      return false;
    }
    uploadWaiters.add(whenFree);
    return true;
  }

  /**
   * Wakes the next waiting upload if a slot is free (when a slot was released, or when the upload woken for it did
   * not take it).
   */
  public void passOnUploadSlot() {
    if (uploadsInFlight < config.maxConcurrentUploads()) {
      Runnable next = uploadWaiters.poll();
      if (next != null) {
        vertx.getOrCreateContext().runOnContext(v -> next.run());
      }
    }
  }

  /** Takes {@code whenFree} off the queue (its client went away while it waited). */
  public void cancelWait(Runnable whenFree) {
    uploadWaiters.remove(whenFree);
  }

  /**
   * Frees a slot and wakes the oldest waiting upload, once the caller's step is done (later on this context), so that
   * it sees the round as that step left it; if another upload took the slot meanwhile, it queues again.
   */
  private void releaseUploadSlot() {
    uploadsInFlight--;
    passOnUploadSlot();
  }

  /**
   * Folds a fully received and validated upload into the round. The upload keeps its slot until the fold is done, so
   * at most {@code maxConcurrentUploads} staging vectors exist at once.
   */
  public Future<Ack> completeUpload(UploadTicket ticket) {
    FitRound round = ticket.round();
    String clientId = ticket.header().getClientId();
    if (!isOpen(ticket)) {
      abortUpload(ticket);
      if (config.async().isPresent()) { // the update is still good: it joins the next buffer when sent again
        return Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE, "buffer " + round.number
            + " filled while the update was uploading; retry in a moment and it joins the next buffer"));
      }
      String why = round.failures.containsKey(clientId) ? "client " + clientId + " is out of round " + round.number
          + ": " + round.failures.get(clientId) : "round " + round.number + " closed while the update was uploading";
      return Future.failedFuture(new ProtocolException(ErrorCode.ROUND_NOT_OPEN, why));
    }
    if (round.targetReached()) { // aggregate the first K: the updates accepted or being folded make K already
      abortUpload(ticket);
      if (round.secure != null && round.secure.waitingFor.remove(clientId)) {
        // Cut off by over-selection, and out of the round from now on: its session ends with this refusal, so the
        // stage task it may still be handed would otherwise draw a decline, recorded as a refusal to take part.
        round.failures.putIfAbsent(clientId, round.targetReason());
        round.late++;
        tasks.clear(clientId);
      }
      return Future.failedFuture(new ProtocolException(ErrorCode.ROUND_NOT_OPEN, "round " + round.number
          + " is not open: it closed before this update came (" + round.targetReason() + "); it is not used: wait for the next "
          + "task"));
    }
    UpdateHeader h = ticket.header();
    java.util.concurrent.Callable<Integer> fold;
    if (ticket.masked()) {
      int[] masked = ticket.maskedStaging();
      fold = () -> {
        round.secure.fold(masked);
        return masked.length;
      };
    } else {
      // Under DP every clipped update counts once, whatever its example count: that bounds one client's influence.
      long weight = round.dp != null ? 1 : h.getNumExamples();
      float[] delta = ticket.staging();
      // FedBuff: a stale update's delta counts less (scaled on the worker below, never on the event loop)
      float staleScale = config.async().isEmpty() ? 1f : (float) io.cohort.coordinator.AsyncSettings.stalenessWeight(
          (int) (round.modelVersion - h.getModelVersion()));
      ClientUpdate update = new ClientUpdate(clientId, delta, weight, h.getTrainLoss(), h.getTrainAccuracy());
      double normBound = round.dp != null && round.dp.getNoiseStddev() == 0
          ? round.dp.getClipNorm() * (1 + 1e-4) : Double.NaN; // noised updates (distributed DP) cannot be checked
      fold = () -> {
        if (staleScale != 1f) {
          for (int i = 0; i < delta.length; i++) {
            delta[i] *= staleScale;
          }
        }
        if (!Double.isNaN(normBound)) {
          double norm = io.cohort.privacy.L2Clipping.norm(update.delta());
          if (norm > normBound) {
            throw new ProtocolException(ErrorCode.MALFORMED, String.format("update has L2 norm %.6g but round %d "
                + "clips at %.6g: a differentially private round accepts only clipped updates", norm, round.number,
                round.dp.getClipNorm()));
          }
        }
        double bit = round.dp != null && round.dp.getAdaptive() ? h.getCentredBit() : 0;
        FoldOutcome outcome = store.fold(term, round.number, update, bit);
        switch (outcome) {
          case ACCEPTED -> {
            return update.delta().length;
          }
          case DUPLICATE -> throw new AlreadySummedException(clientId, round.number);
          case FENCED -> throw new DeposedException();
          default -> throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN, "round " + round.number
              + " is no longer open");
        }
      };
    }
    round.folding.add(clientId); // from here on, leaving cannot undo the update
    // Ordered: folds queue one after another on a worker instead of several workers waiting on the sum's lock.
    return vertx.executeBlocking(fold, true).transform(folded -> {
      releaseUploadSlot();
      round.uploading.remove(clientId);
      round.folding.remove(clientId);
      if (folded.failed() && folded.cause() instanceof DeposedException) {
        stepDown("round " + round.number + "'s running sum is owned by a newer driver");
        return Future.failedFuture(notDriving());
      }
      // An update the sum already holds (an earlier attempt whose reply was lost) counts as this client's answer.
      if (folded.succeeded() || folded.cause() instanceof AlreadySummedException) {
        round.accepted.add(clientId);
        tasks.clear(clientId); // async: idle until the next buffer opens
        if (folded.succeeded() && config.async().isPresent()) {
          round.stalenessSum += round.modelVersion - ticket.header().getModelVersion();
        }
      }
      SecureRound secure = round.secure;
      if (secure != null) {
        if (folded.succeeded()) {
          secure.waitingFor.remove(clientId);
        }
        if (round.targetReached() && secure.stage == SecureRound.Stage.MASKED_INPUT) {
          secure.maskedInputClosing = true; // the rest count as dropped
        }
        if ((secure.waitingFor.isEmpty() || secure.maskedInputClosing) && round.folding.isEmpty()) {
          advanceSecure(round);
        }
      } else if (config.async().isPresent()) {
        if (round.closing() || asyncBufferFull(round)) {
          closeFitRound(round, round.closing() ? null : "buffer full");
        }
      } else if (round.closing() || round.allAnswered()) {
        closeFitRound(round, null); // a closing round keeps the reason it closed with
      } else if (round.targetReached() && round.folding.isEmpty()) {
        closeFitRound(round, round.targetReason());
      }
      return folded.succeeded()
          ? Future.succeededFuture(Ack.newBuilder().setMessage("update accepted for round " + round.number)
              .setReceivedElements(folded.result()).build())
          : Future.failedFuture(folded.cause() instanceof AlreadySummedException dup ? dup.refusal()
              : folded.cause());
    });
  }

  /**
   * Async mode: the buffer has its K updates, or it has some and no client is training any more (so none could come).
   */
  private boolean asyncBufferFull(FitRound round) {
    int accepted = round.accepted.size();
    return accepted >= config.async().get().buffer() || (accepted > 0 && !tasks.anyFitTask());
  }

  /** The store already holds this client's update for the round. */
  private static final class AlreadySummedException extends RuntimeException {
    private final ProtocolException refusal;

    AlreadySummedException(String clientId, int round) {
      super("already summed", null, false, false);
      this.refusal = new ProtocolException(ErrorCode.DUPLICATE_UPDATE, "client " + clientId
          + " already has an accepted update in round " + round);
    }

    ProtocolException refusal() {
      return refusal;
    }
  }

  /** A store write refused because a newer driver owns the state. */
  private static final class DeposedException extends RuntimeException {
    DeposedException() {
      super("fenced by a newer driver", null, false, false);
    }
  }

  /** The refusal a deposed driver answers with: retry, and the request reaches the new driver. */
  private static ProtocolException notDriving() {
    return new ProtocolException(ErrorCode.UNAVAILABLE, "this coordinator node no longer drives the run (another "
        + "node took over); retry and the request reaches the driving node");
  }

  /** Records a federated-evaluation result. */
  public Ack acceptEvaluation(EvaluateResult result) throws ProtocolException {
    String clientId = result.getClientId();
    authenticate(clientId, result.getClientToken());
    EvaluationRound round = evaluationRound;
    if (round == null || round.closed || round.number != result.getRound() || !runId.equals(result.getRunId())) {
      throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN,
          "no evaluation is open for round " + result.getRound() + " of run " + result.getRunId());
    }
    if (!round.invited.contains(clientId)) {
      throw new ProtocolException(ErrorCode.NOT_INVITED, "client " + clientId + " was not asked to evaluate");
    }
    if (round.hasReported(clientId)) {
      throw new ProtocolException(ErrorCode.DUPLICATE_UPDATE, "client " + clientId + " already reported");
    }
    if (result.getModelVersion() != round.modelVersion) {
      throw new ProtocolException(ErrorCode.STALE_MODEL, "evaluated model version " + result.getModelVersion()
          + " but version " + round.modelVersion + " is being evaluated");
    }
    if (result.getNumExamples() <= 0 || !Float.isFinite(result.getLoss()) || !Float.isFinite(result.getAccuracy())
        || result.getAccuracy() < 0 || result.getAccuracy() > 1) {
      throw new ProtocolException(ErrorCode.MALFORMED,
          "evaluation needs positive num_examples, finite loss and accuracy in [0, 1]");
    }
    round.reports.add(new EvaluationReport(clientId, result.getNumExamples(), result.getLoss(), result.getAccuracy()));
    tasks.clear(clientId);
    if (round.allAnswered()) {
      closeEvaluationRound(round);
    }
    return Ack.newBuilder().setMessage("evaluation recorded").build();
  }

  /** A client leaves; if it was sampled and had not answered, it counts as a failure of the round. */
  public void leave(LeaveRequest request) throws ProtocolException {
    authenticate(request.getClientId(), request.getClientToken());
    registry.remove(request.getClientId());
    forget(request.getClientId());
    dropClient(request.getClientId(), "left the federation");
  }

  // ---- secure aggregation -----------------------------------------------------------------------------------------

  /**
   * Takes a client's message for stage 1 (keys), 2 (shares) or 4 (unmask) of the open secure round. A refused
   * message leaves the round as it was.
   */
  public Ack acceptSecAgg(SecAggMessage message) throws ProtocolException {
    String clientId = message.getClientId();
    authenticate(clientId, message.getClientToken());
    FitRound round = fitRound;
    if (!runId.equals(message.getRunId()) || round == null || round.number != message.getRound()) {
      throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN, "round " + message.getRound() + " of run '"
          + message.getRunId() + "' is not open" + (round == null ? "" : "; the open round is " + round.number));
    }
    SecureRound secure = round.secure;
    if (secure == null) {
      throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN,
          "round " + round.number + " does not use secure aggregation; upload the update to /v1/updates");
    }
    if (!round.isInvited(clientId)) {
      throw new ProtocolException(ErrorCode.NOT_INVITED,
          "client " + clientId + " was not sampled for round " + round.number);
    }
    if (round.failures.containsKey(clientId)) {
      throw new ProtocolException(ErrorCode.ROUND_NOT_OPEN,
          "client " + clientId + " is out of round " + round.number + ": " + round.failures.get(clientId));
    }
    if (message.hasDecline()) {
      String reason = message.getDecline().getReason();
      LOG.info("round {}: client {} declined in stage {}: {}", round.number, clientId, stageName(secure),
          reason.length() > 200 ? reason.substring(0, 200) + "…" : reason);
      tasks.clear(clientId);
      dropFromSecureRound(round, clientId, "declined the round");
      return Ack.newBuilder().setMessage("client " + clientId + " is out of round " + round.number).build();
    }
    SecureRound.Stage stage = switch (message.getStageCase()) {
      case KEYS -> SecureRound.Stage.ADVERTISE_KEYS;
      case SHARES -> SecureRound.Stage.SHARE_KEYS;
      case UNMASK -> SecureRound.Stage.UNMASK;
      default -> throw new ProtocolException(ErrorCode.MALFORMED, "SecAggMessage carries no stage");
    };
    if (stage.ordinal() < secure.stage.ordinal()) {
      // The round moved past that stage and this client is still in it, so its answer was recorded: a resend after
      // a lost reply. DUPLICATE_UPDATE tells the SDK it was delivered.
      throw new ProtocolException(ErrorCode.DUPLICATE_UPDATE, "client " + clientId + "'s "
          + stage.name().toLowerCase() + " answer for round " + round.number + " was already recorded");
    }
    if (secure.stage != stage) {
      throw new ProtocolException(ErrorCode.WRONG_STAGE, "round " + round.number + " is in secure-aggregation stage "
          + stageName(secure) + "; a " + stage.name().toLowerCase() + " message is not accepted now");
    }
    if (!secure.waitingFor.contains(clientId)) {
      throw new ProtocolException(ErrorCode.DUPLICATE_UPDATE, "client " + clientId + " has no open part in stage "
          + stageName(secure) + " of round " + round.number + " (it answered already or was excluded)");
    }
    try {
      switch (stage) {
        case ADVERTISE_KEYS -> {
          KeyAdvertisement keys = SecAggWire.fromWire(message.getKeys());
          if (!keys.clientId().equals(clientId)) {
            throw new ProtocolException(ErrorCode.SECAGG_REFUSED,
                "client " + clientId + " advertised keys in the name of '" + keys.clientId() + "'");
          }
          secure.server.acceptKeys(keys);
        }
        case SHARE_KEYS -> secure.server.acceptShares(clientId,
            message.getShares().getSharesList().stream().map(SecAggWire::fromWire).toList());
        default -> secure.server.acceptUnmask(clientId,
            message.getUnmask().getSharesList().stream().map(SecAggWire::fromWire).toList());
      }
    } catch (SecAggException e) {
      throw new ProtocolException(ErrorCode.SECAGG_REFUSED, e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.MALFORMED, e.getMessage());
    }
    secure.waitingFor.remove(clientId);
    tasks.clear(clientId);
    if (secure.waitingFor.isEmpty()) {
      advanceSecure(round);
    }
    return Ack.newBuilder().setMessage(stage.name().toLowerCase() + " accepted for round " + round.number).build();
  }

  private void startStageTimer(FitRound round, java.time.Duration timeout) {
    SecureRound secure = round.secure;
    SecureRound.Stage stage = secure.stage;
    secure.stageTimer = vertx.setTimer(timeout.toMillis(), id -> {
      if (round != fitRound || secure.stage != stage) {
        return;
      }
      if (stage == SecureRound.Stage.MASKED_INPUT) {
        secure.maskedInputClosing = true;
        if (!round.folding.isEmpty()) {
          return; // the last fold's completion advances the round
        }
      }
      advanceSecure(round);
    });
  }

  /**
   * Ends the open stage of a secure round (every awaited client answered or dropped, or the stage timed out) and
   * starts the next, or finishes or fails the round.
   */
  private void advanceSecure(FitRound round) {
    if (round != fitRound) {
      return;
    }
    SecureRound secure = round.secure;
    vertx.cancelTimer(secure.stageTimer);
    java.time.Duration stageTimeout = config.secureAggregation().stageTimeout();
    switch (secure.stage) {
      case ADVERTISE_KEYS -> {
        round.late += secure.waitingFor.size();
        markOut(round, secure.waitingFor, "did not advertise keys in time");
        Map<String, List<KeyAdvertisement>> keys = secure.server.closeKeyStage();
        markOut(round, outside(round, keys.keySet()), "too few of its neighbours advertised keys");
        if (keys.size() < minCohort()) {
          failSecureRound(round, keys.size() + " of " + round.invited.size() + " clients advertised keys, "
              + minCohort() + " needed");
          return;
        }
        secure.stage = SecureRound.Stage.SHARE_KEYS;
        secure.waitingFor.clear();
        secure.waitingFor.addAll(keys.keySet());
        keys.forEach((id, adverts) -> tasks.assign(id, Task.newBuilder().setShareKeys(ShareKeysTask.newBuilder()
            .setRunId(runId)
            .setRound(round.number)
            .addAllNeighbourKeys(adverts.stream().map(SecAggWire::toWire).toList())).build()));
        startStageTimer(round, stageTimeout);
      }
      case SHARE_KEYS -> {
        round.late += secure.waitingFor.size();
        markOut(round, secure.waitingFor, "did not share keys in time");
        Map<String, List<EncryptedShare>> shares = secure.server.closeShareStage();
        markOut(round, outside(round, shares.keySet()), "too few of its neighbours shared keys");
        if (shares.size() < minCohort()) {
          failSecureRound(round, shares.size() + " of " + round.invited.size() + " clients shared keys, "
              + minCohort() + " needed");
          return;
        }
        secure.stage = SecureRound.Stage.MASKED_INPUT;
        secure.waitingFor.clear();
        secure.waitingFor.addAll(shares.keySet());
        long deadline = System.currentTimeMillis() + config.roundTimeout().toMillis();
        shares.forEach((id, mine) -> tasks.assign(id, Task.newBuilder().setMaskedInput(MaskedInputTask.newBuilder()
            .setRunId(runId)
            .setRound(round.number)
            .setModelVersion(round.modelVersion)
            .addAllShares(mine.stream().map(SecAggWire::toWire).toList())
            .setDeadlineUnixMs(deadline)).build()));
        startStageTimer(round, config.roundTimeout());
      }
      case MASKED_INPUT -> {
        round.late += secure.waitingFor.size();
        String cut = round.accepted.size() >= round.target && round.overSelected() ? round.targetReason()
            : "sent no masked input in time";
        markOut(round, secure.waitingFor, cut);
        lastClosedRound = round.number;
        lastClosedReason = cut;
        lastClosedAccepted = round.accepted;
        Set<String> summed = new HashSet<>(round.accepted);
        if (summed.size() < minCohort()) {
          failSecureRound(round, summed.size() + " of " + round.invited.size() + " clients sent masked inputs, "
              + minCohort() + " needed");
          return;
        }
        Map<String, UnmaskRequest> plan;
        try {
          plan = secure.server.closeMaskedStage(summed);
        } catch (SecAggException e) {
          failSecureRound(round, "cannot unmask: " + e.getMessage());
          return;
        }
        secure.stage = SecureRound.Stage.UNMASK;
        secure.waitingFor.clear();
        secure.waitingFor.addAll(plan.keySet());
        plan.forEach((id, request) -> tasks.assign(id, Task.newBuilder().setUnmask(UnmaskTask.newBuilder()
            .setRunId(runId)
            .setRound(round.number)
            .addAllSurvivors(request.survivors())
            .addAllDropped(request.dropped())).build()));
        startStageTimer(round, stageTimeout);
      }
      case UNMASK -> finishSecureRound(round);
    }
  }

  /** A result computed on a worker: the next model and the securely summed weight behind it. */
  private record SecureAggregate(GlobalModel model, long totalWeight, double centredBitSum) {}

  private void finishSecureRound(FitRound round) {
    SecureRound secure = round.secure;
    fitRound = null;
    round.invited.forEach(tasks::clear);
    List<ClientFailure> failures = failureList(round);
    int summed = round.accepted.size();
    float[] global = model.parameters();
    long version = model.version() + 1;
    aggregating = true;
    int parameters = exchangeLength();
    Participation participation = new Participation(Math.max(1, summed), registry.size());
    java.util.function.DoubleConsumer timed = aggregationSeconds;
    vertx.executeBlocking(() -> {
      long began = System.nanoTime();
      int[] sum = secure.maskedSum();
      secure.server.unmask(sum);
      Quantizer.Decoded decoded = secure.quantizer.decode(sum);
      float[] mean = decoded.mean();
      double centredBitSum = 0;
      if (mean.length > parameters) { // adaptive clipping: the mean of the centred bits rides after the parameters
        centredBitSum = (double) mean[parameters] * summed;
        mean = java.util.Arrays.copyOf(mean, parameters);
      }
      if (privacy != null) {
        if (decoded.totalWeight() != summed) {
          throw new IllegalStateException("the securely summed weights (" + decoded.totalWeight() + ") differ from "
              + "the " + summed + " clients summed: under differential privacy every client must weight its update "
              + "1, or the noise would not cover the sum");
        }
        privacy.noiseMean(mean, summed, round.dp.getClipNorm());
      }
      float[] next = config.strategy().applySecureAggregate(round.number, global, mean, participation);
      SecureAggregate result = new SecureAggregate(GlobalModel.encode(runId, version, config.model(), next,
          controlVariate()),
          decoded.totalWeight(), centredBitSum);
      timed.accept((System.nanoTime() - began) / 1e9);
      return result;
    }, false).onSuccess(result -> {
      aggregating = false;
      model = result.model();
      if (privacy != null) {
        privacy.completeRound(round.sampleRate, result.centredBitSum(), summed);
      }
      LOG.info("round {}: unmasked the sum of {} masked inputs ({} examples) into model version {}", round.number,
          summed, result.totalWeight(), version);
      RoundRecord record = new RoundRecord(round.number, true, round.invited.size(), summed, failures,
          result.totalWeight(), Double.NaN, seconds(round), version, model.parameters(), null, null, epsilon(),
          clipNorm(round), round.late);
      aggregated(record);
    }).onFailure(e -> {
      aggregating = false;
      String reason = "unmasking failed: " + e.getMessage();
      LOG.warn("round {} failed: {}", round.number, reason);
      finishRound(new RoundRecord(round.number, false, round.invited.size(), summed, failures, 0, Double.NaN,
          seconds(round), model.version(), model.parameters(), null, reason, epsilon(), clipNorm(round),
          round.late));
    });
  }

  private void failSecureRound(FitRound round, String reason) {
    vertx.cancelTimer(round.secure.stageTimer);
    fitRound = null;
    for (String id : round.invited) {
      if (!round.accepted.contains(id)) {
        round.failures.putIfAbsent(id, reason);
      }
      tasks.clear(id);
    }
    LOG.warn("round {} failed: {}", round.number, reason);
    finishRound(new RoundRecord(round.number, false, round.invited.size(), round.accepted.size(), failureList(round),
        0, Double.NaN, seconds(round), model.version(), model.parameters(), null, reason, epsilon(), clipNorm(round),
        round.late));
  }

  /** A client that left or restarted: out of the open stage (its masked input, if summed, stays in the sum). */
  private void dropFromSecureRound(FitRound round, String clientId, String reason) {
    SecureRound secure = round.secure;
    if (!secure.waitingFor.contains(clientId) || round.folding.contains(clientId)) {
      return;
    }
    secure.waitingFor.remove(clientId);
    if (secure.stage != SecureRound.Stage.UNMASK) {
      round.failures.putIfAbsent(clientId, reason);
    }
    if (secure.waitingFor.isEmpty() && round.folding.isEmpty()) {
      advanceSecure(round);
    }
  }

  private void markOut(FitRound round, Iterable<String> clients, String reason) {
    for (String id : clients) {
      round.failures.putIfAbsent(id, reason);
      tasks.clear(id);
    }
  }

  /** Invited clients that are neither in {@code kept} nor already out. */
  private static List<String> outside(FitRound round, Set<String> kept) {
    return round.invited.stream().filter(id -> !kept.contains(id) && !round.failures.containsKey(id)).toList();
  }

  private static List<ClientFailure> failureList(FitRound round) {
    return round.failures.entrySet().stream().map(e -> new ClientFailure(e.getKey(), e.getValue())).toList();
  }

  private static String stageName(SecureRound secure) {
    return secure.stage.name().toLowerCase();
  }

  // ---- status ----------------------------------------------------------------------------------------------------

  /** A JSON snapshot for humans and the CLI. */
  public JsonObject status() {
    JsonObject s = new JsonObject()
        .put("run", runId)
        .put("strategy", config.strategy().name())
        .put("model", config.model().describe())
        .put("modelVersion", model.version())
        .put("registered", registry.size())
        .put("online", liveClients().size())
        .put("roundsPlanned", config.rounds())
        .put("finished", finished);
    if (privacy != null) {
      double spent = privacy.epsilon();
      s.put("privacy", new JsonObject().put("epsilon", Double.isFinite(spent) ? spent : null)
          .put("delta", privacy.config().delta())
          .put("budget", privacy.config().epsilonBudget().isPresent() ? privacy.config().epsilonBudget().getAsDouble()
              : null));
    }
    if (fitRound != null) {
      s.put("round", new JsonObject().put("number", fitRound.number)
          .put("stage", fitRound.secure == null ? "fit" : "secure/" + stageName(fitRound.secure))
          .put("invited", fitRound.invited.size()).put("answered", fitRound.accepted.size())
          .put("dropped", fitRound.failures.size()));
    } else if (evaluationRound != null) {
      s.put("round", new JsonObject().put("number", evaluationRound.number).put("stage", "evaluate")
          .put("invited", evaluationRound.invited.size()).put("answered", evaluationRound.reports.size())
          .put("dropped", evaluationRound.failures.size()));
    }
    JsonArray rounds = new JsonArray();
    for (RoundRecord r : history) {
      JsonObject round = new JsonObject().put("round", r.round()).put("completed", r.completed())
          .put("accepted", r.accepted()).put("invited", r.invited()).put("seconds", r.seconds())
          .put("trainLoss", Double.isNaN(r.trainLoss()) ? null : r.trainLoss())
          .put("epsilon", Double.isFinite(r.epsilon()) ? r.epsilon() : null);
      EvaluationSummary e = r.federatedEvaluation();
      if (e != null) {
        round.put("federatedAccuracy", Double.isFinite(e.accuracy()) ? e.accuracy() : null)
            .put("federatedLoss", Double.isFinite(e.loss()) ? e.loss() : null);
      }
      rounds.add(round);
    }
    return s.put("history", rounds);
  }

  // ---- the round loop --------------------------------------------------------------------------------------------

  private void tryStartRound() {
    if (finished || aggregating || checkpointing || fitRound != null || evaluationRound != null || nextRound > config.rounds()) {
      return;
    }
    if (waitTimer >= 0) {
      vertx.cancelTimer(waitTimer);
      waitTimer = -1;
    }
    List<String> live = liveClients();
    if (config.async().isPresent()) { // a client busy training for longer than the liveness window is still there
      Set<String> present = new java.util.TreeSet<>(live);
      for (String id : registry.liveClients(0)) { // every registered client
        Task task = tasks.current(id);
        if (task != null && task.hasFit()) {
          present.add(id);
        }
      }
      live = List.copyOf(present);
    }
    int needed = config.minAvailable(); // validated to be at least minClients
    List<String> cohort = live.size() < needed ? List.of()
        : config.async().isPresent() ? live // FedBuff: every client trains, all the time
        : config.strategy().configureFit(nextRound, live, roundRandom(nextRound, 0));
    if (cohort.size() < minCohort()) {
      LOG.debug("round {} waits: {} live clients, {} needed", nextRound, live.size(), needed);
      waitTimer = vertx.setTimer(RETRY_WHILE_WAITING_MS, id -> {
        waitTimer = -1;
        tryStartRound();
      });
      return;
    }
    // Over-selection invites spare clients on a stream of its own, so the cohort is the strategy's choice either way.
    List<String> invited = config.overSelection() > 0
        ? OverSelection.invite(cohort, live, config.overSelection(), roundRandom(nextRound, 2)) : cohort;
    // The accountant's q counts every invited client: any of them may be among the K aggregated (conservative).
    double sampleRate = (double) invited.size() / live.size();
    if (privacy != null && !privacy.allowsRound(sampleRate)) {
      stopForPrivacyBudget();
      return;
    }
    int number = nextRound++;
    long deadline = System.currentTimeMillis() + config.roundTimeout().toMillis();
    FitAggregation aggregation = config.strategy().beginFit(number, exchangeLength());
    FitRound round = new FitRound(number, model.version(), invited, aggregation);
    round.sampleRate = sampleRate;
    round.target = cohort.size();
    fitRound = round;
    traffic.opened(number, round.modelVersion);
    if (privacy != null) {
      round.dp = privacy.instructions(cohort.size()); // adaptive clipping counts the K clients it aggregates
    }
    FitTask.Builder fit = fitTask(number, deadline, round.dp);
    if (config.secureAggregation().enabled()) {
      beginSecure(round, fit, 0);
    }
    recordAndHandOut(round, fit, deadline);
  }

  /**
   * Sets up the secure aggregation of {@code round}. Attempt 0 is the round's first; a round restarted after a
   * takeover is attempt {@code term}: another graph seed, so that every client starts a fresh session with fresh keys
   * instead of answering with the lost attempt's.
   */
  private void beginSecure(FitRound round, FitTask.Builder fit, long attempt) {
    // The graph seed has its own stream so that secure and plain runs with one seed sample the same clients.
    long graphSeed = new Random(config.seed() * 1_000_003L + round.number).nextLong() ^ 0x5ECA66L
        ^ (attempt * 0x9E3779B97F4A7C15L);
    SecureAggregationSettings settings = config.secureAggregation();
    int coordinates = exchangeLength();
    if (privacy != null) {
      // Clipped updates count with weight 1; the quantisation range covers the clipped, noised coordinates; with
      // adaptive clipping each client's centred bit is one more coordinate.
      settings = settings.withMaxWeight(1)
          .withClipRange(Math.max(settings.clipRange(), privacy.coordinateBound(round.dp)));
      coordinates += round.dp.getAdaptive() ? 1 : 0;
    }
    round.secure = SecureRound.begin(runId, round.number, round.invited, coordinates, settings, graphSeed);
    fit.setSecureAggregation(round.secure.wire);
  }

  /** Records the round in the store (so another node could continue it), then hands out its tasks. */
  private void recordAndHandOut(FitRound round, FitTask.Builder fit, long deadline) {
    int number = round.number;
    OpenRound open = new OpenRound(number, round.modelVersion, round.invited, deadline, round.sampleRate,
        round.dp == null ? null : round.dp.toByteArray(), round.secure != null, round.target);
    vertx.executeBlocking(() -> store.openRound(term, open, round.aggregation), false).onComplete(opened -> {
      if (deposed || round != fitRound) {
        return;
      }
      if (opened.failed()) {
        fitRound = null;
        String reason = "recording round " + number + " in the run state failed: " + opened.cause().getMessage();
        LOG.error("run {}: {}", runId, reason, opened.cause());
        endRun(reason);
        completion.tryFail(new IllegalStateException(reason, opened.cause()));
        return;
      }
      if (!opened.result()) {
        fitRound = null;
        stepDown("another node's term owns the run state");
        return;
      }
      round.recorded = true;
      if (round.closing()) { // every invited client left while the round was being recorded
        closeFitRound(round, round.closeReason);
        return;
      }
      handOut(round, fit);
    });
  }

  private void handOut(FitRound round, FitTask.Builder fit) {
    if (round.secure != null) {
      startStageTimer(round, config.secureAggregation().stageTimeout());
    } else {
      round.timerId = vertx.setTimer(config.roundTimeout().toMillis(), id -> onFitDeadline(round));
    }
    Task task = Task.newBuilder().setFit(fit).build();
    List<String> invited = round.invited;
    int number = round.number;
    for (String id : round.invited) {
      if (config.async().isEmpty() || tasks.current(id) == null) { // async: a client still training keeps its task
        tasks.assign(id, task);
      }
    }
    List<String> live = liveClients();
    LOG.info("round {}: invited {} of {} live clients{}{}", number, invited.size(), live.size(),
        round.overSelected() ? " to aggregate the first " + round.target + " (over-selection)" : "",
        round.secure == null ? "" : " (secure aggregation, k=" + round.secure.parameters.neighbours() + ", t="
            + round.secure.parameters.threshold() + ")");
  }

  private void onFitDeadline(FitRound round) {
    if (round != fitRound || round.closing()) {
      return;
    }
    closeFitRound(round, "deadline passed");
  }

  /**
   * Closes the round: no update is admitted any more; once in-flight folds are done, the round aggregates or fails.
   *
   * @param unansweredReason recorded for sampled clients without a result, or null when every one answered
   */
  private void closeFitRound(FitRound round, String unansweredReason) {
    if (round != fitRound) {
      return;
    }
    if (!round.closing()) {
      round.closeReason = unansweredReason != null ? unansweredReason : "every sampled client answered";
      lastClosedRound = round.number;
      lastClosedReason = round.closeReason;
      lastClosedAccepted = round.accepted;
    }
    if (!round.recorded) {
      return; // recording the round completes first, then closes it
    }
    vertx.cancelTimer(round.timerId);
    if (!round.folding.isEmpty()) {
      return; // the last fold's completion closes the round
    }
    fitRound = null;
    aggregating = true; // no round starts until this one is aggregated or failed
    // The running sum lives in the store (in a cluster, on whichever members own it): read it once every fold is in.
    vertx.executeBlocking(() -> store.tally(round.number), false).onComplete(read -> {
      if (deposed) {
        return;
      }
      if (read.failed() || read.result().isEmpty()) {
        aggregating = false;
        String reason = read.failed() ? "reading the round's running sum failed: " + read.cause()
            : "the round's running sum is missing from the run state";
        LOG.error("round {} failed: {}", round.number, reason);
        List<ClientFailure> failures = round.invited.stream().map(id -> new ClientFailure(id, reason)).toList();
        round.invited.forEach(tasks::clear);
        finishRound(new RoundRecord(round.number, false, round.invited.size(), 0, failures, 0, Double.NaN,
            seconds(round), model.version(), model.parameters(), null, reason, epsilon(), clipNorm(round)));
        return;
      }
      aggregate(round, read.result().get());
    });
  }

  private void aggregate(FitRound round, RoundTally tally) {
    for (String id : round.invited) {
      if (config.async().isPresent()) {
        continue; // async: a client not in this buffer is still training, and its update joins a later one
      }
      if (!tally.accepted().contains(id) && round.failures.putIfAbsent(id, round.closeReason) == null) {
        round.late++; // still training (or away) when the round closed
      }
      tasks.clear(id);
    }
    List<ClientFailure> failures = round.failures.entrySet().stream()
        .filter(e -> !tally.accepted().contains(e.getKey()))
        .map(e -> new ClientFailure(e.getKey(), e.getValue())).toList();
    FitAggregation aggregation = tally.aggregation();
    if (aggregation.count() < config.minClients()) {
      aggregating = false;
      String reason = aggregation.count() + " of " + round.invited.size() + " sampled clients reported, "
          + config.minClients() + " needed";
      LOG.warn("round {} failed: {}", round.number, reason);
      finishRound(new RoundRecord(round.number, false, round.invited.size(), aggregation.count(), failures,
          aggregation.totalExamples(), aggregation.meanTrainLoss(), seconds(round), model.version(),
          model.parameters(), null, reason, epsilon(), clipNorm(round), round.late));
      return;
    }
    float[] global = model.parameters();
    long version = model.version() + 1;
    Participation participation = new Participation(aggregation.count(), registry.size());
    java.util.function.DoubleConsumer timed = aggregationSeconds;
    vertx.executeBlocking(() -> {
      long began = System.nanoTime();
      float[] next = config.strategy().finishFit(round.number, global, aggregation, failures, participation);
      if (privacy != null) {
        // Adding N(0, s^2) to global + mean is adding it to the mean: the sum of clipped updates gets z * C.
        privacy.noiseMean(next, aggregation.count(), round.dp.getClipNorm());
      }
      GlobalModel encoded = GlobalModel.encode(runId, version, config.model(), next, controlVariate());
      timed.accept((System.nanoTime() - began) / 1e9);
      return encoded;
    }, false)
        .onSuccess(next -> {
          aggregating = false;
          if (deposed) {
            return;
          }
          config.async().ifPresent(async -> { // clients may still download the models they were given
            recentModels.put(model.version(), model);
            while (recentModels.size() > async.maxStaleness()) {
              recentModels.remove(recentModels.keySet().iterator().next());
            }
          });
          model = next;
          if (privacy != null) {
            privacy.completeRound(round.sampleRate, tally.centredBitSum(), aggregation.count());
          }
          LOG.info("{} {}: aggregated {} updates ({} examples{}) into model version {}",
              config.async().isPresent() ? "buffer" : "round", round.number, aggregation.count(),
              aggregation.totalExamples(), config.async().isPresent() ? String.format(java.util.Locale.ROOT,
                  ", mean staleness %.2f", (double) round.stalenessSum / Math.max(1, round.accepted.size())) : "",
              version);
          RoundRecord record = new RoundRecord(round.number, true, round.invited.size(), aggregation.count(),
              failures, aggregation.totalExamples(), aggregation.meanTrainLoss(), seconds(round), version,
              next.parameters(), null, null, epsilon(), clipNorm(round), round.late);
          aggregated(record);
        })
        .onFailure(e -> {
          aggregating = false;
          LOG.error("round {}: aggregation failed", round.number, e);
          finishRound(new RoundRecord(round.number, false, round.invited.size(), aggregation.count(), failures,
              aggregation.totalExamples(), aggregation.meanTrainLoss(), seconds(round), model.version(),
              model.parameters(), null, "aggregation failed: " + e.getMessage(), epsilon(), clipNorm(round),
              round.late));
        });
  }

  private void startEvaluation(RoundRecord fitRecord) {
    List<String> invited = config.strategy().configureEvaluate(fitRecord.round(), liveClients(),
        roundRandom(fitRecord.round(), 1));
    if (invited.isEmpty()) {
      announce(fitRecord); // committed (and checkpointed) already
      return;
    }
    EvaluationRound round = new EvaluationRound(fitRecord.round(), model.version(), invited, fitRecord);
    evaluationRound = round;
    long deadline = System.currentTimeMillis() + config.roundTimeout().toMillis();
    Task task = Task.newBuilder().setEvaluate(EvaluateTask.newBuilder()
        .setRunId(runId)
        .setRound(round.number)
        .setModelVersion(model.version())
        .setModel(config.model().toProto())
        .setBatchSize(Math.max(config.train().batchSize(), 256))
        .setDeadlineUnixMs(deadline)).build();
    invited.forEach(id -> tasks.assign(id, task));
    round.timerId = vertx.setTimer(config.roundTimeout().toMillis(), id -> {
      if (evaluationRound == round) {
        closeEvaluationRound(round);
      }
    });
  }

  private void closeEvaluationRound(EvaluationRound round) {
    if (round.closed) {
      return;
    }
    round.closed = true;
    vertx.cancelTimer(round.timerId);
    evaluationRound = null;
    for (String id : round.invited) {
      if (!round.hasReported(id)) {
        round.failures.putIfAbsent(id, "no evaluation before the deadline");
      }
      tasks.clear(id);
    }
    List<ClientFailure> failures = round.failures.entrySet().stream()
        .map(e -> new ClientFailure(e.getKey(), e.getValue())).toList();
    EvaluationSummary summary = config.strategy().aggregateEvaluate(round.number, round.reports, failures);
    LOG.info("round {}: federated evaluation over {} clients: accuracy {}", round.number, summary.clients(),
        summary.accuracy());
    RoundRecord evaluated = round.fitRecord.withEvaluation(summary);
    history.set(history.size() - 1, evaluated); // the round was committed when it aggregated
    announce(evaluated);
  }

  /** A failed round: recorded (and checkpointed), then announced. */
  private void finishRound(RoundRecord uncounted) {
    RoundRecord record = counted(uncounted);
    commitRound(record, () -> announce(record));
  }

  /**
   * A round that produced a new model: recorded and checkpointed at once, before federated evaluation hands the
   * model to clients, so a released model (and its privacy cost) is never lost to a crash; then evaluated or
   * announced.
   */
  private void aggregated(RoundRecord uncounted) {
    RoundRecord record = counted(uncounted);
    commitRound(record, () -> {
      if (config.evaluateEvery() > 0 && record.round() % config.evaluateEvery() == 0) {
        startEvaluation(record);
      } else {
        announce(record);
      }
    });
  }

  /** {@code record} with the bytes its round moved (see {@link RoundTraffic}). */
  private RoundRecord counted(RoundRecord record) {
    long[] bytes = traffic.take(record.round());
    return record.withTraffic(bytes[0], bytes[1]);
  }

  /**
   * Adds a finished round to the history and, with checkpoints on, writes the run's state durably (on a worker; no
   * round starts meanwhile) before {@code next} runs: a round anyone heard of can always be resumed from. A checkpoint
   * that cannot be written ends the run, rather than go on releasing models it could not resume from.
   */
  private void commitRound(RoundRecord record, Runnable next) {
    if (deposed) {
      return;
    }
    history.add(record);
    List<RoundRecord> snapshot = List.copyOf(history);
    GlobalModel current = model;
    Optional<io.cohort.protocol.v1.PrivacyState> ledger = privacy == null ? Optional.empty()
        : Optional.of(privacy.snapshot());
    checkpointing = true;
    vertx.executeBlocking(() -> {
      Checkpoint checkpoint = RunCheckpoints.of(runId, record.round(), current, config.model(), snapshot, ledger,
          config.strategy().state()); // after this round's finishFit: commits run after aggregations
      if (!store.commit(term, checkpoint)) {
        throw new DeposedException();
      }
      return checkpoints == null ? null : checkpoints.write(checkpoint);
    }, true).onComplete(written -> {
          checkpointing = false;
          if (deposed) {
            return;
          }
          if (written.failed() && written.cause() instanceof DeposedException) {
            stepDown("a newer driver owns the run state; round " + record.round() + " was not committed here");
            return;
          }
          if (written.failed()) {
            String reason = "checkpoint of round " + record.round() + " failed (" + written.cause() + "); the run "
                + "stops so that it never releases a model it could not resume from; fix the checkpoint directory "
                + "and resume with --resume " + runId;
            LOG.error("run {}: {}", runId, reason);
            endRun(reason);
            completion.tryFail(new IllegalStateException(reason, written.cause()));
            return;
          }
          if (written.result() != null) {
            LOG.debug("run {}: round {} checkpointed to {}", runId, record.round(), written.result());
          }
          if (record.completed()) {
            commitTimes.put(record.modelVersion(), System.currentTimeMillis());
            committedVersion = Math.max(committedVersion, record.modelVersion());
          }
          next.run();
        });
  }

  private void announce(RoundRecord record) {
    for (Consumer<RoundRecord> listener : listeners) {
      try {
        listener.accept(record);
      } catch (RuntimeException e) {
        LOG.error("round listener failed", e);
      }
    }
    if (record.round() >= config.rounds()) {
      endRun("run " + runId + " completed " + config.rounds() + " rounds");
      completion.tryComplete(List.copyOf(history));
    } else {
      tryStartRound();
    }
  }

  /** Ends the run before a round whose privacy cost would take epsilon past the budget. */
  private void stopForPrivacyBudget() {
    String reason = String.format("privacy budget reached: another round would take epsilon past %.4g "
        + "(spent %.4g at delta %.3g after %d rounds)", privacy.config().epsilonBudget().getAsDouble(),
        privacy.epsilon(), privacy.config().delta(), history.size());
    LOG.warn("run {} stops: {}", runId, reason);
    endRun(reason);
    completion.tryComplete(List.copyOf(history));
  }

  /**
   * Ends the run: every poll gets Finished, and the store records why, so that a node taking over (or one that
   * watches) finishes too.
   */
  private void endRun(String reason) {
    finished = true;
    tasks.finish(reason);
    vertx.executeBlocking(() -> store.finish(term, reason), false)
        .onFailure(e -> LOG.warn("run {}: recording the run's end failed: {}", runId, e.toString()));
  }

  /** Removes a client from the stored registry (in the background). */
  private void forget(String clientId) {
    persistClient(() -> store.removeClient(term, clientId), "removing client " + clientId);
  }

  /**
   * Writes a registry change to the store in the background, in the order the changes were made (an ordered worker
   * queue), and steps down if a newer driver's term refuses it.
   */
  private void persistClient(java.util.concurrent.Callable<Boolean> write, String what) {
    vertx.executeBlocking(write, true).onComplete(done -> {
      if (done.failed()) {
        LOG.warn("{} in the run state failed: {}", what, done.cause().toString());
      } else if (!done.result()) {
        stepDown(what + " was refused: a newer driver owns the run state");
      }
    });
  }

  /** Marks a departed client as failed in the open round, if it was sampled and had not answered. */
  private void dropClient(String clientId, String reason) {
    tasks.remove(clientId, Task.newBuilder().setFinished(Finished.newBuilder().setReason(reason)).build());
    FitRound round = fitRound;
    if (round != null && round.secure != null) {
      dropFromSecureRound(round, clientId, reason);
    } else if (round != null && config.async().isPresent()) {
      if (!round.closing() && round.folding.isEmpty() && asyncBufferFull(round)) {
        closeFitRound(round, "no client is training any more");
      }
    } else if (round != null && !round.closing() && round.isInvited(clientId) && !round.accepted.contains(clientId)
        && !round.folding.contains(clientId)) { // an update already being folded counts; it arrived first
      round.failures.putIfAbsent(clientId, reason);
      if (round.allAnswered()) {
        closeFitRound(round, null);
      }
    }
    EvaluationRound eval = evaluationRound;
    if (eval != null && eval.invited.contains(clientId) && !eval.hasReported(clientId)) {
      eval.failures.putIfAbsent(clientId, reason);
      if (eval.allAnswered()) {
        closeEvaluationRound(eval);
      }
    }
  }

  /**
   * The random source of one round's sampling: derived from the seed and the round alone, so a resumed run (and a
   * round that waited for clients) samples as an uninterrupted one would.
   */
  private Random roundRandom(int round, int purpose) {
    return new Random(config.seed() * 0x9E3779B97F4A7C15L + round * 1_000_003L + purpose);
  }

  private double epsilon() {
    return privacy == null ? Double.NaN : privacy.epsilon();
  }

  private static double clipNorm(FitRound round) {
    return round.dp == null ? Double.NaN : round.dp.getClipNorm();
  }

  private int minCohort() {
    // A secure sum over one client would be that client's update.
    return config.secureAggregation().enabled() ? Math.max(2, config.minClients()) : config.minClients();
  }

  private RegisteredClient authenticate(String clientId, String token) throws ProtocolException {
    if (deposed) {
      throw notDriving();
    }
    Optional<RegisteredClient> client = registry.find(clientId);
    if (client.isEmpty()) {
      throw new ProtocolException(ErrorCode.UNKNOWN_CLIENT,
          "client id '" + clientId + "' is not registered; register again");
    }
    // A certified client has no token: with TLS, the HTTP layer refuses every request whose client certificate does
    // not name the client id it claims (see ProtocolRoutes), before any of these methods runs.
    if (client.get().certificate() == null && !client.get().verifier().matches(token)) {
      throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "token does not match client " + clientId);
    }
    registry.touch(clientId, System.currentTimeMillis());
    return client.get();
  }

  private List<String> liveClients() {
    return registry.liveClients(System.currentTimeMillis() - config.liveness().toMillis());
  }

  private static double seconds(FitRound round) {
    return (System.nanoTime() - round.startedNanos) / 1e9;
  }
}
