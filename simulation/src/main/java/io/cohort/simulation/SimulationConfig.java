package io.cohort.simulation;

import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.privacy.DpConfig;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.WeightInit;
import io.cohort.simulation.partition.Partitioners;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A simulation run, validated once.
 *
 * @param clients simulated clients (each an SDK client over loopback HTTP)
 * @param fraction share of clients sampled per round
 * @param minClients fewest results a round aggregates
 * @param rounds training rounds
 * @param partition {@code iid}, {@code dirichlet:ALPHA}, {@code shards:K} or {@code labels:K}
 * @param model the model (architecture and sizes)
 * @param train local training settings
 * @param seed seeds partitioning, initial model, sampling and local shuffling
 * @param out output directory
 * @param dataDir explicit Fashion-MNIST directory, or null to search the usual places
 * @param verifyData whether files must carry the official Fashion-MNIST checksums (off for other IDX data)
 * @param download whether to download Fashion-MNIST into the cache when it is nowhere else
 * @param trainers trainings run at once in a JVM (trainer pool size)
 * @param evaluateEvery federated evaluation after every this many rounds (0: never)
 * @param roundTimeout how long a round waits for results
 * @param trainLimit use only the first this many training examples (0: all)
 * @param testLimit use only the first this many test examples (0: all)
 * @param secureAggregation whether rounds use secure aggregation, and its settings
 * @param dropout probability that a sampled client crashes at a random stage of a round (and restarts)
 * @param differentialPrivacy client-level DP (DP-FedAvg), or empty for none
 * @param workerJvms worker JVMs that run the clients (0: the clients run in this JVM); they join this JVM's
 *     Hazelcast cluster on loopback and each takes a share of the clients
 * @param strategy how updates combine ({@link io.cohort.coordinator.strategy.Strategies#parse})
 * @param poisoning which clients send a poisoned update, for robustness studies
 * @param compression how clients encode their updates (plaintext rounds without DP only)
 * @param async asynchronous buffered aggregation (FedBuff), or empty for synchronous rounds
 * @param heterogeneity which clients are slow, and how often clients are offline
 * @param overSelection the share of extra clients each round invites beyond the strategy's cohort K, aggregating the
 *     first K updates (0: none)
 * @param init how the initial model's parameters are drawn
 */
public record SimulationConfig(
    int clients,
    double fraction,
    int minClients,
    int rounds,
    String partition,
    ModelArchitecture model,
    TrainSettings train,
    long seed,
    Path out,
    Path dataDir,
    boolean verifyData,
    boolean download,
    int trainers,
    int evaluateEvery,
    Duration roundTimeout,
    int trainLimit,
    int testLimit,
    SecureAggregationSettings secureAggregation,
    double dropout,
    Optional<DpConfig> differentialPrivacy,
    int workerJvms,
    String strategy,
    SimulatedClients.Poisoning poisoning,
    UpdateCompression compression,
    Optional<io.cohort.coordinator.AsyncSettings> async,
    Heterogeneity heterogeneity,
    double overSelection,
    WeightInit init) {

  /** A FedAvg run. */
  public SimulationConfig(int clients, double fraction, int minClients, int rounds, String partition,
      ModelArchitecture model, TrainSettings train, long seed, Path out, Path dataDir, boolean verifyData,
      boolean download, int trainers, int evaluateEvery, Duration roundTimeout, int trainLimit, int testLimit,
      SecureAggregationSettings secureAggregation, double dropout, Optional<DpConfig> differentialPrivacy,
      int workerJvms) {
    this(clients, fraction, minClients, rounds, partition, model, train, seed, out, dataDir, verifyData, download,
        trainers, evaluateEvery, roundTimeout, trainLimit, testLimit, secureAggregation, dropout, differentialPrivacy,
        workerJvms, "fedavg");
  }

  /** A run of {@code strategy} without poisoned clients. */
  public SimulationConfig(int clients, double fraction, int minClients, int rounds, String partition,
      ModelArchitecture model, TrainSettings train, long seed, Path out, Path dataDir, boolean verifyData,
      boolean download, int trainers, int evaluateEvery, Duration roundTimeout, int trainLimit, int testLimit,
      SecureAggregationSettings secureAggregation, double dropout, Optional<DpConfig> differentialPrivacy,
      int workerJvms, String strategy) {
    this(clients, fraction, minClients, rounds, partition, model, train, seed, out, dataDir, verifyData, download,
        trainers, evaluateEvery, roundTimeout, trainLimit, testLimit, secureAggregation, dropout, differentialPrivacy,
        workerJvms, strategy, SimulatedClients.Poisoning.NONE);
  }

  /** A synchronous run without update compression, heterogeneity or over-selection. */
  public SimulationConfig(int clients, double fraction, int minClients, int rounds, String partition,
      ModelArchitecture model, TrainSettings train, long seed, Path out, Path dataDir, boolean verifyData,
      boolean download, int trainers, int evaluateEvery, Duration roundTimeout, int trainLimit, int testLimit,
      SecureAggregationSettings secureAggregation, double dropout, Optional<DpConfig> differentialPrivacy,
      int workerJvms, String strategy, SimulatedClients.Poisoning poisoning) {
    this(clients, fraction, minClients, rounds, partition, model, train, seed, out, dataDir, verifyData, download,
        trainers, evaluateEvery, roundTimeout, trainLimit, testLimit, secureAggregation, dropout, differentialPrivacy,
        workerJvms, strategy, poisoning, UpdateCompression.NONE, Optional.empty(), Heterogeneity.NONE, 0,
        WeightInit.HE_UNIFORM);
  }

  /** A synchronous run with update compression. */
  public SimulationConfig(int clients, double fraction, int minClients, int rounds, String partition,
      ModelArchitecture model, TrainSettings train, long seed, Path out, Path dataDir, boolean verifyData,
      boolean download, int trainers, int evaluateEvery, Duration roundTimeout, int trainLimit, int testLimit,
      SecureAggregationSettings secureAggregation, double dropout, Optional<DpConfig> differentialPrivacy,
      int workerJvms, String strategy, SimulatedClients.Poisoning poisoning, UpdateCompression compression) {
    this(clients, fraction, minClients, rounds, partition, model, train, seed, out, dataDir, verifyData, download,
        trainers, evaluateEvery, roundTimeout, trainLimit, testLimit, secureAggregation, dropout, differentialPrivacy,
        workerJvms, strategy, poisoning, compression, Optional.empty(), Heterogeneity.NONE, 0,
        WeightInit.HE_UNIFORM);
  }

  /** An uncompressed run, synchronous or asynchronous. */
  public SimulationConfig(int clients, double fraction, int minClients, int rounds, String partition,
      ModelArchitecture model, TrainSettings train, long seed, Path out, Path dataDir, boolean verifyData,
      boolean download, int trainers, int evaluateEvery, Duration roundTimeout, int trainLimit, int testLimit,
      SecureAggregationSettings secureAggregation, double dropout, Optional<DpConfig> differentialPrivacy,
      int workerJvms, String strategy, SimulatedClients.Poisoning poisoning,
      Optional<io.cohort.coordinator.AsyncSettings> async) {
    this(clients, fraction, minClients, rounds, partition, model, train, seed, out, dataDir, verifyData, download,
        trainers, evaluateEvery, roundTimeout, trainLimit, testLimit, secureAggregation, dropout, differentialPrivacy,
        workerJvms, strategy, poisoning, UpdateCompression.NONE, async, Heterogeneity.NONE, 0, WeightInit.HE_UNIFORM);

  }

  /** A synchronous, uncompressed run with heterogeneous clients or over-selection. */
  public SimulationConfig(int clients, double fraction, int minClients, int rounds, String partition,
      ModelArchitecture model, TrainSettings train, long seed, Path out, Path dataDir, boolean verifyData,
      boolean download, int trainers, int evaluateEvery, Duration roundTimeout, int trainLimit, int testLimit,
      SecureAggregationSettings secureAggregation, double dropout, Optional<DpConfig> differentialPrivacy,
      int workerJvms, String strategy, SimulatedClients.Poisoning poisoning, Heterogeneity heterogeneity,
      double overSelection) {
    this(clients, fraction, minClients, rounds, partition, model, train, seed, out, dataDir, verifyData, download,
        trainers, evaluateEvery, roundTimeout, trainLimit, testLimit, secureAggregation, dropout, differentialPrivacy,
        workerJvms, strategy, poisoning, UpdateCompression.NONE, Optional.empty(), heterogeneity, overSelection,
        WeightInit.HE_UNIFORM);
  }

  public SimulationConfig {
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(async, "async (Optional.empty() for synchronous rounds)");
    Objects.requireNonNull(poisoning, "poisoning");
    Objects.requireNonNull(heterogeneity, "heterogeneity (Heterogeneity.NONE for none)");
    Objects.requireNonNull(init, "init");
    if (async.isPresent() && heterogeneity.offline() > 0) {
      throw new IllegalArgumentException("--offline does not combine with --mode async yet: a simulated client is "
          + "offline per round, and async has no rounds to come back in; use --stragglers, or synchronous rounds");
    }
    if (!(overSelection >= 0 && overSelection <= io.cohort.coordinator.CoordinatorConfig.MAX_OVER_SELECTION)) {
      throw new IllegalArgumentException("--over-select must be in [0, "
          + (int) io.cohort.coordinator.CoordinatorConfig.MAX_OVER_SELECTION + "] (e.g. 0.3: invite 30 % more "
          + "clients than the round aggregates), got " + overSelection);
    }
    if (poisoning.fraction() > 0 && (workerJvms > 0 || secureAggregation.enabled())) {
      throw new IllegalArgumentException("--poison runs in one JVM on plaintext updates: drop --workers and "
          + "--secure-agg");
    }
    io.cohort.coordinator.strategy.Strategies.parse(strategy, 1, 1); // a bad name fails here, before data loads
    Objects.requireNonNull(partition, "partition");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(out, "out");
    // Each simulated client is an SDK client on its own thread with a long poll open; 1000 is as far as tested.
    if (clients < 1 || clients > 1000) {
      throw new IllegalArgumentException("--clients must be in 1..1000 (one thread and connection each), got "
          + clients);
    }
    Partitioners.parse(partition); // a bad spec fails here, before any data is loaded
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("--fraction must be in (0, 1], got " + fraction);
    }
    if (minClients < 1 || minClients > clients) {
      throw new IllegalArgumentException("--min-clients must be in 1.." + clients + ", got " + minClients);
    }
    if (rounds < 1) {
      throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
    }
    if (trainers < 1) {
      throw new IllegalArgumentException("--trainers must be at least 1, got " + trainers);
    }
    if (evaluateEvery < 0) {
      throw new IllegalArgumentException("--eval-every must be >= 0, got " + evaluateEvery);
    }
    if (trainLimit < 0 || testLimit < 0) {
      throw new IllegalArgumentException("--train-limit and --test-limit must be >= 0");
    }
    Objects.requireNonNull(secureAggregation, "secureAggregation");
    Objects.requireNonNull(differentialPrivacy, "differentialPrivacy (Optional.empty() for none)");
    Objects.requireNonNull(compression, "compression (UpdateCompression.NONE for none)");
    if (compression.enabled() && (secureAggregation.enabled() || differentialPrivacy.isPresent())) {
      throw new IllegalArgumentException("--compression " + compression + " needs plaintext updates without "
          + "differential privacy: secure aggregation sums dense masked integers, and DP's noise is calibrated to the "
          + "clipped update, which rounding and sparsifying would change; drop --secure-agg and --dp-noise, or use "
          + "--compression none");
    }
    if (workerJvms < 0 || workerJvms > clients) {
      throw new IllegalArgumentException("--workers must be in 0.." + clients + " (at most one per client), got "
          + workerJvms);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
    }
    if (secureAggregation.enabled() && clients < 2) {
      throw new IllegalArgumentException("--secure-agg needs at least 2 clients: a sum over one is its update");
    }
    if (roundTimeout == null || roundTimeout.isNegative() || roundTimeout.isZero()) {
      throw new IllegalArgumentException("--round-timeout must be positive, got " + roundTimeout);
    }
  }

  /** The configuration as plain values, for summary.json. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("clients", clients);
    m.put("fraction", fraction);
    m.put("minClients", minClients);
    m.put("rounds", rounds);
    m.put("partition", partition);
    m.put("model", model.kind().name().toLowerCase());
    m.put("modelDescription", model.describe());
    m.put("hiddenUnits", model.hiddenUnits());
    m.put("convChannels", model.convChannels());
    m.put("localEpochs", train.epochs());
    m.put("batchSize", train.batchSize());
    m.put("learningRate", train.learningRate());
    m.put("optimizer", train.optimizer().name().toLowerCase());
    m.put("momentum", train.momentum());
    m.put("l2", train.l2());
    m.put("init", init.spec());
    m.put("seed", seed);
    m.put("trainers", trainers);
    m.put("workerJvms", workerJvms);
    m.put("evaluateEvery", evaluateEvery);
    m.put("roundTimeoutSeconds", roundTimeout.toSeconds());
    m.put("dataDir", dataDir == null ? null : dataDir.toString());
    m.put("verifyData", verifyData);
    m.put("trainLimit", trainLimit);
    m.put("testLimit", testLimit);
    m.put("secureAggregation", secureAggregation.enabled());
    if (secureAggregation.enabled()) {
      m.put("secaggNeighbours", secureAggregation.neighbours() == 0 ? "default" : secureAggregation.neighbours());
      m.put("secaggThreshold", secureAggregation.threshold() == 0 ? "default" : secureAggregation.threshold());
      m.put("secaggClipRange", secureAggregation.clipRange());
      m.put("secaggMaxWeight", secureAggregation.maxWeight());
    }
    m.put("dropout", dropout);
    m.put("stragglers", heterogeneity.stragglerFraction());
    m.put("stragglerSlowdown", heterogeneity.slowdown());
    m.put("offline", heterogeneity.offline());
    m.put("overSelection", overSelection);
    m.put("differentialPrivacy", differentialPrivacy.isPresent());
    m.put("compression", compression.spec());
    m.put("mode", async.isPresent() ? "async" : "sync");
    async.ifPresent(a -> {
      m.put("asyncBuffer", a.buffer());
      m.put("asyncMaxStaleness", a.maxStaleness());
    });
    m.put("out", out.toString());
    return m;
  }
}
