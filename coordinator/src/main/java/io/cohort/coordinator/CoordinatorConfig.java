package io.cohort.coordinator;

import io.cohort.coordinator.strategy.FedAvg;
import io.cohort.coordinator.strategy.Strategy;
import io.cohort.privacy.DpConfig;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.WeightInit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a coordinator run needs, validated once when built. Build with {@link #builder(ModelArchitecture)}.
 *
 * @param host interface to listen on
 * @param port TCP port; 0 picks a free one
 * @param model the model being trained
 * @param rounds training rounds to run (each completed or failed round counts)
 * @param fraction share of live clients sampled per round
 * @param minClients fewest clients a round samples, and fewest results it aggregates
 * @param minAvailable live clients required before a round starts
 * @param roundTimeout how long a round waits for results
 * @param train the local-training instruction
 * @param seed seeds initial parameters, sampling and clients' shuffling
 * @param evaluateEvery run federated evaluation after every this many rounds (0: never)
 * @param pollWait how long a client's poll is held open when there is no task
 * @param liveness a client not heard from within this long is not sampled
 * @param maxConcurrentUploads uploads validated at once; more get a retryable UNAVAILABLE
 * @param strategy how clients are chosen and results combined
 * @param secureAggregation whether and how rounds use secure aggregation
 * @param differentialPrivacy client-level differential privacy (DP-FedAvg), or empty for none
 * @param tls how the transport is secured (TLS with client certificates unless {@link TlsSettings#insecure()})
 * @param checkpoints whether and where finished rounds are checkpointed, and whether a run is resumed
 * @param cluster the coordinator cluster this node belongs to (an embedded Hazelcast member holding the run state),
 *     or empty for a single coordinator that keeps its state in memory
 * @param advertisedUrl the URL other cluster nodes send clients to for this node (HTTP 307), or empty for the
 *     listening address; needed when listening on every interface
 * @param apiToken the bearer token of the HTTP API for people and apps (models, predict, dashboard), or empty for one
 *     generated at start ({@link Coordinator#apiToken()})
 * @param async asynchronous buffered aggregation (FedBuff), or empty for synchronous rounds
 * @param compression how clients encode their updates (sent in every fit task; other encodings are refused)
 * @param overSelection over-selection: a training round invites {@code ceil(K x (1 + overSelection))} live clients
 *     (at most all of them), where K is the cohort the strategy chose, and closes as soon as K updates are accepted;
 *     0 (the default) invites the cohort alone. In [0, 10]
 * @param weightInit how the initial model's parameters are drawn (with {@code seed})
 * @param uploadTimeout the longest an update's body may take to arrive, from its first byte (a wait for a validation
 *     slot, the coordinator's doing, is not counted); a slower upload is cut off with {@code TIMED_OUT} and its slot
 *     freed, so that a client dripping its body cannot hold a slot others need. Defaults to the round timeout
 * @param maxConnections the most HTTP connections open at once; a request on a connection beyond it is answered with
 *     a retryable {@code UNAVAILABLE} and the connection closed, so a crowd of clients costs a refusal, not the
 *     coordinator's memory or file descriptors. Default {@link #DEFAULT_MAX_CONNECTIONS}
 * @param maxWaitingUploads the most uploads that may wait for a validation slot, their connections paused; beyond it
 *     an upload is refused with a retryable {@code UNAVAILABLE}. Default {@link #DEFAULT_MAX_WAITING_UPLOADS}
 */
public record CoordinatorConfig(
    String host,
    int port,
    ModelArchitecture model,
    int rounds,
    double fraction,
    int minClients,
    int minAvailable,
    Duration roundTimeout,
    TrainSettings train,
    long seed,
    int evaluateEvery,
    Duration pollWait,
    Duration liveness,
    int maxConcurrentUploads,
    Strategy strategy,
    SecureAggregationSettings secureAggregation,
    Optional<DpConfig> differentialPrivacy,
    TlsSettings tls,
    CheckpointSettings checkpoints, Optional<io.cohort.coordinator.cluster.ClusterSettings> cluster,
    Optional<java.net.URI> advertisedUrl, Optional<String> apiToken, Optional<AsyncSettings> async,
    UpdateCompression compression, double overSelection, WeightInit weightInit, Duration uploadTimeout,
    int maxConnections, int maxWaitingUploads) {
  /** The default number of uploads that may wait for a validation slot: 4,096. */
  public static final int DEFAULT_MAX_WAITING_UPLOADS = 4096;
  /** The default connection limit: 10,000 (two or three per client: a held poll, an upload, a download). */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;


  public CoordinatorConfig {
    Objects.requireNonNull(weightInit, "weightInit");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(secureAggregation, "secureAggregation");
    Objects.requireNonNull(differentialPrivacy, "differentialPrivacy (Optional.empty() for none)");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(checkpoints, "checkpoints");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(advertisedUrl, "advertisedUrl");
    Objects.requireNonNull(apiToken, "apiToken");
    Objects.requireNonNull(async, "async (Optional.empty() for synchronous rounds)");
    if (async.isPresent() && secureAggregation.enabled()) {
      throw new IllegalArgumentException("--mode async does not support secure aggregation yet: SecAgg needs a fixed "
          + "cohort that shares keys before anyone uploads, and FedBuff's updates arrive one by one from clients "
          + "that started on different models; run async with --no-secure-agg, or use synchronous rounds");
    }
    if (async.isPresent() && differentialPrivacy.isPresent()) {
      throw new IllegalArgumentException("--mode async does not support differential privacy yet: the privacy "
          + "accountant assumes rounds of clients sampled together; drop the --dp-* flags or use synchronous rounds");
    }
    apiToken.ifPresent(t -> {
      if (t.length() < 16 || t.length() > 512 || !t.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new IllegalArgumentException("the API token must be 16..512 printable ASCII characters without spaces, "
            + "got " + t.length() + " characters");
      }
    });
    advertisedUrl.ifPresent(u -> {
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
          || (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/")) || u.getQuery() != null) {
        throw new IllegalArgumentException("advertised URL must be http(s)://HOST:PORT with no path or query, got "
            + u);
      }
    });
    if (secureAggregation.enabled() && !strategy.supportsSecureAggregation()) {
      throw new IllegalArgumentException("strategy " + strategy.name() + " needs each client's update, which secure "
          + "aggregation hides; choose a linear strategy such as fedavg, or turn secure aggregation off");
    }
    Objects.requireNonNull(compression, "compression (UpdateCompression.NONE for none)");
    if (compression.enabled() && secureAggregation.enabled()) {
      throw new IllegalArgumentException("--compression " + compression + " is not supported with secure "
          + "aggregation: masked updates are summed as dense fixed-point integers mod 2^32, and a quantised or sparse "
          + "update would have to be expanded before masking, saving nothing; add --no-secure-agg, or leave "
          + "--compression none");
    }
    if (compression.enabled() && differentialPrivacy.isPresent()) {
      throw new IllegalArgumentException("--compression " + compression + " is not supported with differential "
          + "privacy: rounding and sparsifying after clipping change the update's norm, so the clip bound that the "
          + "noise is calibrated to would no longer hold; drop --dp-noise or leave --compression none");
    }
    if (strategy.controlVariates() && train.optimizer() != io.cohort.protocol.v1.Optimizer.SGD) {
      throw new IllegalArgumentException("strategy " + strategy.name() + " corrects SGD steps: its control variates "
          + "estimate gradients from K plain SGD steps, which " + train.optimizer() + " does not take; use "
          + "--optimizer sgd");
    }
    if (strategy.controlVariates() && differentialPrivacy.isPresent()) {
      throw new IllegalArgumentException("strategy " + strategy.name() + " does not combine with differential privacy "
          + "here: the control-variate half of each update is neither clipped nor noised; drop the --dp-* flags or "
          + "use fedavg");
    }
    if (strategy.controlVariates() && compression.enabled()) {
      throw new IllegalArgumentException("strategy " + strategy.name() + " does not combine with --compression yet: "
          + "its uploads carry the control-variate half beside the update; leave --compression none");
    }
    if (async.isPresent() && evaluateEvery > 0) {
      throw new IllegalArgumentException("--eval-every does not combine with --mode async yet: an evaluation round "
          + "would take over the tasks of clients still training; drop --eval-every (the simulation still scores "
          + "every server step on the test set) or use synchronous rounds");
    }
    if (async.isPresent() && overSelection > 0) {
      throw new IllegalArgumentException("--over-select has no meaning with --mode async: every client trains all the "
          + "time and each server step takes the first --buffer updates that arrive; drop --over-select");
    }
    if (strategy.controlVariates() && async.isPresent()) {
      throw new IllegalArgumentException("strategy " + strategy.name() + " does not combine with --mode async yet: "
          + "its server control variate assumes rounds of clients starting from one model; use --mode sync");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, got " + port);
    }
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
    }
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
    }
    if (minClients < 1) {
      throw new IllegalArgumentException("min-clients must be at least 1, got " + minClients);
    }
    if (minAvailable < minClients) {
      throw new IllegalArgumentException(
          "min-available (" + minAvailable + ") must be at least min-clients (" + minClients + ")");
    }
    requirePositive(roundTimeout, "round timeout");
    requirePositive(pollWait, "poll wait");
    requirePositive(liveness, "liveness");
    requirePositive(uploadTimeout, "upload timeout");
    if (maxWaitingUploads < 0) {
      throw new IllegalArgumentException("max waiting uploads must be at least 0, got " + maxWaitingUploads);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("max connections must be at least 1, got " + maxConnections);
    }
    if (evaluateEvery < 0) {
      throw new IllegalArgumentException("evaluate-every must be >= 0, got " + evaluateEvery);
    }
    if (maxConcurrentUploads < 1) {
      throw new IllegalArgumentException("max concurrent uploads must be at least 1, got " + maxConcurrentUploads);
    }
    if (!(overSelection >= 0 && overSelection <= MAX_OVER_SELECTION)) {
      throw new IllegalArgumentException("over-select must be in [0, " + (int) MAX_OVER_SELECTION + "] (the share of "
          + "extra clients invited, e.g. 0.3 for 30 % more), got " + overSelection);
    }
  }

  /** The largest over-selection accepted: 10, eleven times the cohort. */
  public static final double MAX_OVER_SELECTION = 10;

  private static void requirePositive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }

  /**
   * How many uploads a coordinator stages at once by default: a sixteenth of the heap divided by the staging vector
   * (4 bytes a parameter, plus one more element for a masked vector), at least 2 and at most 64. Uploads beyond it
   * wait for a slot with their connection paused, so few slots cost little time, while many large staging vectors
   * crowd the heap: with a quarter of a 256 MB heap for a 10^6-parameter model (16 slots), 100 uploads a round kept
   * the collector busy for most of the coordinator's CPU time.
   */
  public static int defaultMaxConcurrentUploads(int parameters, long maxHeapBytes) {
    long staging = 4L * (parameters + 1L);
    return (int) Math.max(2, Math.min(64, maxHeapBytes / 16 / staging));
  }

  /** A builder with defaults: loopback, free port, 5 rounds, FedAvg on every client, 2 minutes per round. */
  public static Builder builder(ModelArchitecture model) {
    return new Builder(model);
  }

  /** Builds a {@link CoordinatorConfig}; {@link #build()} validates. */
  public static final class Builder {
    private final ModelArchitecture model;
    private String host = "127.0.0.1";
    private int port;
    private int rounds = 5;
    private double fraction = 1.0;
    private int minClients = 1;
    private Integer minAvailable;
    private Duration roundTimeout = Duration.ofMinutes(2);
    private TrainSettings train = TrainSettings.defaults();
    private long seed = 1;
    private int evaluateEvery;
    private Duration pollWait = Duration.ofSeconds(20);
    private Duration liveness;
    private Duration uploadTimeout; // null: the round timeout
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxWaitingUploads = DEFAULT_MAX_WAITING_UPLOADS;
    private Integer maxConcurrentUploads; // null: sized to the model and the heap
    private Strategy strategy;
    private SecureAggregationSettings secureAggregation = SecureAggregationSettings.on();
    private DpConfig differentialPrivacy;
    private TlsSettings tls = TlsSettings.inMemory();
    private CheckpointSettings checkpoints = CheckpointSettings.none();
    private io.cohort.coordinator.cluster.ClusterSettings cluster;
    private java.net.URI advertisedUrl;
    private String apiToken;
    private AsyncSettings async;
    private UpdateCompression compression = UpdateCompression.NONE;
    private double overSelection;
    private WeightInit weightInit = WeightInit.HE_UNIFORM;

    private Builder(ModelArchitecture model) {
      this.model = Objects.requireNonNull(model, "model");
    }

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder rounds(int rounds) {
      this.rounds = rounds;
      return this;
    }

    public Builder fraction(double fraction) {
      this.fraction = fraction;
      return this;
    }

    public Builder minClients(int minClients) {
      this.minClients = minClients;
      return this;
    }

    /** Live clients required before a round starts; defaults to {@code minClients}. */
    public Builder minAvailable(int minAvailable) {
      this.minAvailable = minAvailable;
      return this;
    }

    public Builder roundTimeout(Duration roundTimeout) {
      this.roundTimeout = roundTimeout;
      return this;
    }

    public Builder train(TrainSettings train) {
      this.train = train;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder evaluateEvery(int evaluateEvery) {
      this.evaluateEvery = evaluateEvery;
      return this;
    }

    public Builder pollWait(Duration pollWait) {
      this.pollWait = pollWait;
      return this;
    }

    /** The most uploads waiting for a validation slot; defaults to {@link #DEFAULT_MAX_WAITING_UPLOADS}. */
    public Builder maxWaitingUploads(int maxWaitingUploads) {
      this.maxWaitingUploads = maxWaitingUploads;
      return this;
    }

    /** The most HTTP connections open at once; defaults to {@link #DEFAULT_MAX_CONNECTIONS}. */
    public Builder maxConnections(int maxConnections) {
      this.maxConnections = maxConnections;
      return this;
    }

    /** The longest an update's body may take to arrive; defaults to the round timeout. */
    public Builder uploadTimeout(Duration uploadTimeout) {
      this.uploadTimeout = uploadTimeout;
      return this;
    }

    /** Defaults to three poll waits. */
    public Builder liveness(Duration liveness) {
      this.liveness = liveness;
      return this;
    }

    /**
     * Uploads staged and validated at once; each holds one model-sized vector. Defaults to {@link
     * #defaultMaxConcurrentUploads}: as many as a quarter of the heap holds, between 2 and 64.
     */
    public Builder maxConcurrentUploads(int maxConcurrentUploads) {
      this.maxConcurrentUploads = maxConcurrentUploads;
      return this;
    }

    /** Defaults to {@link FedAvg} with this config's fraction and min-clients. */
    public Builder strategy(Strategy strategy) {
      this.strategy = strategy;
      return this;
    }

    /** Defaults to on ({@link SecureAggregationSettings#on()}): the coordinator sees only the cohort's sum. */
    public Builder secureAggregation(SecureAggregationSettings secureAggregation) {
      this.secureAggregation = secureAggregation;
      return this;
    }

    /** Client-level differential privacy (DP-FedAvg); null (the default) for none. */
    public Builder differentialPrivacy(DpConfig differentialPrivacy) {
      this.differentialPrivacy = differentialPrivacy;
      return this;
    }

    /**
     * How the transport is secured; defaults to {@link TlsSettings#inMemory()}: TLS with a CA made in memory at start,
     * clients enrol with tokens from {@link Coordinator#issueEnrolmentToken()} and then use mutual TLS.
     */
    public Builder tls(TlsSettings tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** Cleartext HTTP with bearer tokens, no certificates, no signatures: {@code tls(TlsSettings.insecure())}. */
    public Builder insecure() {
      return tls(TlsSettings.insecure());
    }

    /**
     * Makes this coordinator a node of a cluster: it embeds a Hazelcast member with {@code cluster}'s settings (a
     * {@link io.cohort.coordinator.cluster.ClusterSettings#standalone() standalone} cluster of one, or joined to the
     * listed members), keeps the run state there, and drives rounds only while it holds the driver lease; the other
     * nodes redirect clients to it. Default: no cluster, state in memory.
     */
    public Builder cluster(io.cohort.coordinator.cluster.ClusterSettings cluster) {
      this.cluster = Objects.requireNonNull(cluster, "cluster");
      return this;
    }

    /**
     * The URL the other cluster nodes redirect clients to for this node, e.g. {@code https://coord-2.example:7000};
     * by default the listening address (which must then not be a wildcard such as {@code 0.0.0.0}).
     */
    public Builder advertisedUrl(java.net.URI url) {
      this.advertisedUrl = Objects.requireNonNull(url, "url");
      return this;
    }

    /** The HTTP API's bearer token (16..512 printable characters); by default one is generated at start. */
    public Builder apiToken(String token) {
      this.apiToken = Objects.requireNonNull(token, "token");
      return this;
    }

    /** Asynchronous buffered aggregation (FedBuff); null (the default) for synchronous rounds. */
    public Builder async(AsyncSettings async) {
      this.async = async;
      return this;
    }

    /**
     * How clients encode their updates: {@link UpdateCompression#NONE} (the default, float32), 8- or 4-bit stochastic
     * quantisation, or top-k with error feedback. Not with secure aggregation or differential privacy.
     */
    public Builder compression(UpdateCompression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /**
     * Over-selection: invite {@code ceil(K x (1 + share))} clients where the strategy chose K, and aggregate the first
     * K updates; later ones are refused with {@code ROUND_NOT_OPEN}. Defaults to 0 (invite K). With secure
     * aggregation the masked-input stage closes at K inputs and the rest count as dropped.
     */
    public Builder overSelection(double share) {
      this.overSelection = share;
      return this;
    }

    /** How the initial parameters are drawn; defaults to {@link WeightInit#HE_UNIFORM}. */
    public Builder weightInit(WeightInit weightInit) {
      this.weightInit = Objects.requireNonNull(weightInit, "weightInit");
      return this;
    }

    /** Checkpoints and resume; defaults to {@link CheckpointSettings#none()}. */
    public Builder checkpoints(CheckpointSettings checkpoints) {
      this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
      return this;
    }

    public CoordinatorConfig build() {
      Strategy s = strategy != null ? strategy : new FedAvg(fraction, Math.max(1, minClients));
      return new CoordinatorConfig(host, port, model, rounds, fraction, minClients,
          minAvailable != null ? minAvailable : minClients, roundTimeout, train, seed, evaluateEvery, pollWait,
          liveness != null ? liveness : pollWait.multipliedBy(3),
          maxConcurrentUploads != null ? maxConcurrentUploads
              : defaultMaxConcurrentUploads(model.parameterCount() * (s.controlVariates() ? 2 : 1),
                  Runtime.getRuntime().maxMemory()),
          s, secureAggregation,
          Optional.ofNullable(differentialPrivacy), tls, checkpoints, Optional.ofNullable(cluster),
          Optional.ofNullable(advertisedUrl), Optional.ofNullable(apiToken), Optional.ofNullable(async),
          compression, overSelection, weightInit, uploadTimeout != null ? uploadTimeout : roundTimeout,
          maxConnections, maxWaitingUploads);
    }
  }
}
