package io.cohort.simulation;

import io.cohort.client.ClientReport;
import io.cohort.client.CohortClient;
import io.cohort.client.DatasetSource;
import io.cohort.client.transport.HttpTransport;
import io.cohort.coordinator.Coordinator;
import io.cohort.client.CrashInjector;
import io.cohort.client.RoundStage;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TlsSettings;
import java.util.SplittableRandom;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.simulation.data.FashionMnist;
import io.cohort.simulation.data.FashionMnistData;
import io.cohort.simulation.data.LabeledImages;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
  private final boolean insecure;

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
    this.config = config;
    this.listener = listener;
    this.insecure = insecure;
  }

  /** Runs every round and returns the per-round results. */
  public List<RoundResult> run() throws IOException, InterruptedException {
    FashionMnistData data = FashionMnist.load(config.dataDir(), config.verifyData(), config.download());
    LabeledImages train = limit(data.train(), config.trainLimit());
    LabeledImages test = limit(data.test(), config.testLimit());
    listener.onData(data.source(), train.size(), test.size());
    ClientShards shards = ClientShards.split(train, test, config.partition(), config.clients(), config.seed());
    listener.onPartition(shards.trainParts(), train.labels(), train.numClasses());

    PooledTrainer trainers = new PooledTrainer(config.workers());
    boolean trainersIdle = true;
    try {
      Vertx vertx = Vertx.vertx();
      try {
        ExecutorService clientThreads = Executors.newFixedThreadPool(config.clients(), daemonThreads());
        try {
          return runRounds(vertx, trainers, clientThreads, shards,
              new CentralEvaluator(trainers, config.model(), test.toLocalDataset(), data.classNames()));
        } finally {
          clientThreads.shutdownNow(); // on success they have all returned; on failure this interrupts their waits
          trainersIdle = clientThreads.awaitTermination(60, TimeUnit.SECONDS);
        }
      } finally {
        vertx.close().await(); // undeploys the coordinator too
      }
    } finally {
      if (trainersIdle) {
        trainers.close();
      } else {
        LOG.warn("a simulated client is still training; its trainer's native memory is left to the JVM's exit");
      }
    }
  }

  private List<RoundResult> runRounds(Vertx vertx, PooledTrainer trainers, ExecutorService clientThreads,
      ClientShards shards, CentralEvaluator evaluator) throws InterruptedException {
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
        .evaluateEvery(config.evaluateEvery())
        .secureAggregation(secureAggregation)
        .differentialPrivacy(config.differentialPrivacy().orElse(null))
        .tls(insecure ? TlsSettings.insecure() : TlsSettings.inMemory())
        .build();
    Coordinator coordinator = Coordinator.start(vertx, coordinatorConfig).await();
    LinkedBlockingQueue<RoundRecord> records = new LinkedBlockingQueue<>();
    coordinator.onRound(records::add);
    listener.onStart(coordinator.url(), coordinatorConfig);

    HttpClient http = insecure ? HttpTransport.defaultHttpClient() : null;
    List<Future<ClientReport>> clients = new ArrayList<>();
    for (int i = 0; i < config.clients(); i++) {
      CohortClient.Builder builder = CohortClient.builder()
          .coordinator(URI.create(coordinator.url()))
          .name(String.format("client-%05d", i))
          .data(DatasetSource.of(shards.train(i), shards.heldOut(i)))
          .trainer(trainers)
          .requireSecureAggregation(secureAggregation.enabled())
          .crashInjector(crashes(String.format("client-%05d", i), secureAggregation.enabled()));
      if (insecure) {
        builder.insecure().httpClient(http);
      } else { // each client enrols with its own token, as an operator would hand them out, and keeps it in memory
        builder.trustedCoordinatorCa(coordinator.caCertificate()).enrolmentToken(coordinator.issueEnrolmentToken());
      }
      CohortClient client = builder.build();
      clients.add(clientThreads.submit(client::run));
    }

    List<RoundResult> results = new ArrayList<>();
    long roundBudgetNanos = TimeUnit.MILLISECONDS.toNanos(config.roundTimeout().toMillis() * 2 + 60_000);
    for (int r = 1; r <= config.rounds(); r++) {
      long deadline = System.nanoTime() + roundBudgetNanos;
      RoundRecord record = records.poll(1, TimeUnit.SECONDS);
      while (record == null) {
        if (coordinator.completion().isComplete() && records.isEmpty()) {
          break; // the run ended early: its privacy budget allowed no more rounds
        }
        failIfAClientDied(clients); // a dead client would otherwise stall the run until the deadline
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
      RoundResult result = RoundResult.of(record, evaluator.evaluate(record.parameters()));
      results.add(result);
      listener.onRound(result);
    }
    if (results.isEmpty()) {
      throw new IllegalStateException("the run ended before its first round: the privacy budget (--dp-epsilon) "
          + "does not allow one round at this noise and sample rate; raise --dp-epsilon or --dp-noise");
    }
    for (Future<ClientReport> client : clients) {
      try {
        client.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new IllegalStateException("a simulated client failed: " + e.getCause(), e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException("a simulated client did not finish within 60 s after the last round", e);
      }
    }
    listener.onFinish(results);
    return results;
  }

  /**
   * The simulated dropout: in each round, a client crashes with probability {@code dropout}, at a stage drawn
   * uniformly from the round's stages, and restarts. Seeded by (run seed, client, round), so runs repeat.
   */
  private CrashInjector crashes(String name, boolean secure) {
    double p = config.dropout();
    if (p == 0) {
      return CrashInjector.NEVER;
    }
    RoundStage[] stages = secure
        ? new RoundStage[] {RoundStage.ADVERTISE_KEYS, RoundStage.SHARE_KEYS, RoundStage.MASKED_INPUT,
            RoundStage.UNMASK}
        : new RoundStage[] {RoundStage.UPLOAD};
    long base = config.seed() * 0x9E3779B97F4A7C15L + name.hashCode();
    return (round, stage) -> {
      SplittableRandom random = new SplittableRandom(base * 31 + round);
      return random.nextDouble() < p && stages[random.nextInt(stages.length)] == stage;
    };
  }

  private static void failIfAClientDied(List<Future<ClientReport>> clients) {
    for (Future<ClientReport> f : clients) {
      if (f.isDone()) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("a simulated client failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
    }
  }

  private static LabeledImages limit(LabeledImages images, int limit) {
    if (limit <= 0 || limit >= images.size()) {
      return images;
    }
    return new LabeledImages(Arrays.copyOf(images.features(), limit * images.exampleSize()),
        Arrays.copyOf(images.labels(), limit), images.exampleShape(), images.numClasses());
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "sim-client-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

}
