package io.cohort.simulation;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TlsSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.simulation.cluster.WorkerFleet;
import io.cohort.simulation.cluster.WorkerJob;
import io.cohort.simulation.data.FashionMnist;
import io.cohort.simulation.data.FashionMnistData;
import io.cohort.simulation.data.LabeledImages;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a federated simulation: an in-process coordinator and N SDK clients that talk to it over the real protocol on
 * loopback, each holding one partition of Fashion-MNIST; after every round the global model is evaluated centrally on
 * the test set and the results are handed to a {@link SimulationListener}. The transport is the real one too: TLS
 * with an in-memory CA, each client enrolling with a token the simulation issues it and then using mutual TLS and
 * signed messages, unless the simulation is made insecure (cleartext HTTP with bearer tokens).
 */
public final class Simulation {
  private static final Logger LOG = LoggerFactory.getLogger(Simulation.class);
  private final SimulationConfig config;
  private final SimulationListener listener;
  private long started; // System.nanoTime() when the coordinator was up
  private final boolean insecure;
  private final SimulationData data;
  private boolean clientsIdle = true;

  /** A simulation over TLS with client certificates and signed messages, as a real deployment runs. */
  public Simulation(SimulationConfig config, SimulationListener listener) {
    this(config, listener, false);
  }

  /**
   * A simulation, over cleartext HTTP with bearer tokens if {@code insecure} (no TLS, no certificates, no
   * signatures: faster to set up, and the wire can be watched), else as {@link #Simulation(SimulationConfig,
   * SimulationListener)}.
   */
  public Simulation(SimulationConfig config, SimulationListener listener, boolean insecure) {
    this(() -> FashionMnist.load(config.dataDir(), config.verifyData(), config.download()), config, listener,
        insecure);
  }

  /**
   * A simulation on other data, e.g. a CSV ({@link io.cohort.simulation.data.CsvData}); otherwise as {@link
   * #Simulation(SimulationConfig, SimulationListener, boolean)}. The config's data directory settings are not used,
   * the model's input shape and class count must match the data, and the clients run in this JVM ({@code
   * config.workerJvms()} must be 0: worker JVMs load Fashion-MNIST themselves).
   *
   * @throws IllegalArgumentException if {@code config.workerJvms()} is not 0
   */
  public Simulation(SimulationConfig config, SimulationListener listener, boolean insecure, SimulationData data) {
    this(data, config, listener, insecure);
    if (config.workerJvms() != 0) {
      throw new IllegalArgumentException("--workers runs the clients in worker JVMs that load Fashion-MNIST"
          + " themselves; with other data (--data csv:...) leave --workers out");
    }
  }

  private Simulation(SimulationData data, SimulationConfig config, SimulationListener listener, boolean insecure) {
    this.config = config;
    this.listener = listener;
    this.insecure = insecure;
    this.data = java.util.Objects.requireNonNull(data, "data");
  }

  /** Runs every round and returns the per-round results. */
  public List<RoundResult> run() throws IOException, InterruptedException {
    FashionMnistData data = this.data.load();
    if (!data.train().exampleShape().equals(config.model().inputShape())
        || data.train().numClasses() != config.model().numClasses()) {
      throw new IllegalArgumentException("the data has examples of shape " + data.train().exampleShape() + " and "
          + data.train().numClasses() + " classes, but the model is " + config.model().describe());
    }
    LabeledImages train = firstExamples(data.train(), config.trainLimit());
    LabeledImages test = firstExamples(data.test(), config.testLimit());
    listener.onData(data.source(), train.size(), test.size());
    ClientShards shards = ClientShards.split(train, test, config.partition(), config.clients(), config.seed());
    listener.onPartition(shards.trainParts(), train.labels(), train.numClasses());

    PooledTrainer trainers = new PooledTrainer(config.trainers());
    clientsIdle = true;
    try {
      Vertx vertx = Vertx.vertx();
      try {
        return runRounds(vertx, trainers, shards,
            new CentralEvaluator(trainers, config.model(), test.toLocalDataset(), data.classNames()));
      } finally {
        vertx.close().await(); // undeploys the coordinator too
      }
    } finally {
      if (clientsIdle) {
        trainers.close();
      } else {
        LOG.warn("a simulated client is still training; its trainer's native memory is left to the JVM's exit");
      }
    }
  }

  /** The simulated clients as the round loop sees them: in this JVM, or in worker JVMs. */
  private interface Fleet {
    void failIfAnyDied();

    void awaitFinished() throws InterruptedException;
  }

  private List<RoundResult> runRounds(Vertx vertx, PooledTrainer trainers, ClientShards shards,
      CentralEvaluator evaluator) throws IOException, InterruptedException {
    // Weights are capped at the largest client's example count, so no client is down-weighted and the fixed-point
    // scale is as fine as it can be.
    int largest = 0;
    for (int i = 0; i < config.clients(); i++) {
      largest = Math.max(largest, shards.train(i).size());
    }
    SecureAggregationSettings secureAggregation = config.secureAggregation()
        .withMaxWeight(Math.max(1, Math.min(config.secureAggregation().maxWeight(), largest)));
    CoordinatorConfig coordinatorConfig = CoordinatorConfig.builder(config.model())
        .rounds(config.rounds())
        .fraction(config.fraction())
        .minClients(config.minClients())
        .minAvailable(config.clients())
        .roundTimeout(config.roundTimeout())
        .train(config.train())
        .seed(config.seed())
        .weightInit(config.init())
        .evaluateEvery(config.evaluateEvery())
        .secureAggregation(secureAggregation)
        .overSelection(config.overSelection())
        .differentialPrivacy(config.differentialPrivacy().orElse(null))
        .compression(config.compression())
        .tls(insecure ? TlsSettings.insecure() : TlsSettings.inMemory())
        .strategy(io.cohort.coordinator.strategy.Strategies.parse(config.strategy(), config.fraction(),
            Math.max(1, config.minClients())))
        .async(config.async().orElse(null))
        .build();
    Coordinator coordinator = Coordinator.start(vertx, coordinatorConfig).await();
    started = System.nanoTime(); // metrics.csv's elapsed_seconds count from here
    LinkedBlockingQueue<RoundRecord> records = new LinkedBlockingQueue<>();
    coordinator.onRound(records::add);
    listener.onStart(coordinator.url(), coordinatorConfig);
    SimulatedClients.Behaviour behaviour =
        new SimulatedClients.Behaviour(config.seed(), config.dropout(), secureAggregation.enabled(),
            config.poisoning(), config.heterogeneity());

    if (config.workerJvms() == 0) {
      List<Integer> all = java.util.stream.IntStream.range(0, config.clients()).boxed().toList();
      SimulatedClients clients = SimulatedClients.start(shards, trainers, access(coordinator, all), behaviour, all);
      try {
        return roundLoop(coordinator, records, evaluator, new Fleet() {
          @Override
          public void failIfAnyDied() {
            clients.failIfAnyDied();
          }

          @Override
          public void awaitFinished() throws InterruptedException {
            clients.await(Duration.ofSeconds(60));
          }
        });
      } finally {
        clientsIdle = clients.stop(); // on success they have all returned; on failure this interrupts their waits
      }
    }
    try (WorkerFleet workers = WorkerFleet.start(config.workerJvms(), config.out().resolve("workers"),
        Duration.ofMinutes(2))) {
      List<String> ids = workers.workerIds();
      for (int k = 0; k < ids.size(); k++) {
        List<Integer> mine = new ArrayList<>();
        for (int i = k; i < config.clients(); i += ids.size()) {
          mine.add(i);
        }
        SimulatedClients.Access access = access(coordinator, mine);
        workers.assign(ids.get(k), new WorkerJob(access.coordinatorUrl(), access.caCertificatePem(),
            access.enrolmentTokens(), mine, config.clients(),
            config.dataDir() == null ? null : config.dataDir().toString(), config.verifyData(), config.download(),
            config.trainLimit(), config.testLimit(), config.partition(), config.seed(), config.dropout(),
            secureAggregation.enabled(), config.trainers(), config.heterogeneity()));
      }
      LOG.info("{} clients run in {} worker JVMs", config.clients(), ids.size());
      return roundLoop(coordinator, records, evaluator, new Fleet() {
        @Override
        public void failIfAnyDied() {
          workers.failIfAnyDied();
        }

        @Override
        public void awaitFinished() throws InterruptedException {
          workers.await(Duration.ofSeconds(120)).forEach(r -> LOG.info("worker: {}", r));
        }
      });
    }
  }

  /** How clients {@code indices} reach the coordinator: its URL, and its CA and a fresh token each under TLS. */
  private SimulatedClients.Access access(Coordinator coordinator, List<Integer> indices) {
    if (insecure) {
      return new SimulatedClients.Access(coordinator.url(), null, Map.of());
    }
    Map<Integer, String> tokens = new HashMap<>();
    indices.forEach(i -> tokens.put(i, coordinator.issueEnrolmentToken()));
    return new SimulatedClients.Access(coordinator.url(), coordinator.caCertificatePem(), tokens);
  }

  private List<RoundResult> roundLoop(Coordinator coordinator, LinkedBlockingQueue<RoundRecord> records,
      CentralEvaluator evaluator, Fleet clients) throws InterruptedException {
    List<RoundResult> results = new ArrayList<>();
    long roundBudgetNanos = TimeUnit.MILLISECONDS.toNanos(config.roundTimeout().toMillis() * 2 + 60_000);
    for (int r = 1; r <= config.rounds(); r++) {
      long deadline = System.nanoTime() + roundBudgetNanos;
      RoundRecord record = records.poll(1, TimeUnit.SECONDS);
      while (record == null) {
        if (coordinator.completion().isComplete() && records.isEmpty()) {
          break; // the run ended early: its privacy budget allowed no more rounds
        }
        clients.failIfAnyDied(); // a dead client would otherwise stall the run until the deadline
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("round " + r + " did not finish within "
              + TimeUnit.NANOSECONDS.toSeconds(roundBudgetNanos) + " s; see the log above");
        }
        record = records.poll(1, TimeUnit.SECONDS);
      }
      if (record == null) {
        LOG.info("the run stopped after {} of {} rounds (privacy budget)", r - 1, config.rounds());
        break;
      }
      double elapsed = (System.nanoTime() - started) / 1e9; // when the round's model existed, before scoring it
      RoundResult result = RoundResult.of(record, evaluator.evaluate(record.parameters()), elapsed);
      results.add(result);
      listener.onRound(result);
    }
    if (results.isEmpty()) {
      throw new IllegalStateException("the run ended before its first round: the privacy budget (--dp-epsilon) "
          + "does not allow one round at this noise and sample rate; raise --dp-epsilon or --dp-noise");
    }
    clients.awaitFinished();
    listener.onFinish(results);
    return results;
  }

  /** The first {@code limit} examples of {@code images} (all of them when {@code limit} is 0 or beyond the size). */
  public static LabeledImages firstExamples(LabeledImages images, int limit) {
    if (limit <= 0 || limit >= images.size()) {
      return images;
    }
    return new LabeledImages(Arrays.copyOf(images.features(), limit * images.exampleSize()),
        Arrays.copyOf(images.labels(), limit), images.exampleShape(), images.numClasses());
  }

}
