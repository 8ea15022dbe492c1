package io.cohort.simulation;

import io.cohort.client.ClientReport;
import io.cohort.client.CohortClient;
import io.cohort.client.DatasetSource;
import io.cohort.client.transport.HttpTransport;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a federated simulation: an in-process coordinator and N SDK clients that talk to it over the real protocol on
 * loopback, each holding one partition of Fashion-MNIST; after every round the global model is evaluated centrally on
 * the test set and the results are handed to a {@link SimulationListener}.
 */
public final class Simulation {
  private final SimulationConfig config;
  private final SimulationListener listener;

  public Simulation(SimulationConfig config, SimulationListener listener) {
    this.config = config;
    this.listener = listener;
  }

  /** Runs every round and returns the per-round results. */
  public List<RoundResult> run() throws IOException, InterruptedException {
    FashionMnistData data = FashionMnist.load(config.dataDir(), config.verifyData(), config.download());
    LabeledImages train = limit(data.train(), config.trainLimit());
    LabeledImages test = limit(data.test(), config.testLimit());
    listener.onData(data.source(), train.size(), test.size());
    ClientShards shards = ClientShards.split(train, test, config.partition(), config.clients(), config.seed());
    listener.onPartition(shards.trainParts(), train.labels(), train.numClasses());

    Vertx vertx = Vertx.vertx();
    PooledTrainer trainers = new PooledTrainer(config.workers());
    ExecutorService clientThreads = Executors.newFixedThreadPool(config.clients(), daemonThreads());
    Coordinator coordinator = null;
    List<RoundResult> results = new ArrayList<>();
    try {
      CoordinatorConfig coordinatorConfig = CoordinatorConfig.builder(config.model())
          .rounds(config.rounds())
          .fraction(config.fraction())
          .minClients(config.minClients())
          .minAvailable(config.clients())
          .roundTimeout(config.roundTimeout())
          .train(config.train())
          .seed(config.seed())
          .evaluateEvery(config.evaluateEvery())
          .build();
      coordinator = Coordinator.start(vertx, coordinatorConfig).await();
      LinkedBlockingQueue<RoundRecord> records = new LinkedBlockingQueue<>();
      coordinator.onRound(records::add);
      listener.onStart(coordinator.url(), coordinatorConfig);

      HttpClient http = HttpTransport.defaultHttpClient();
      List<Future<ClientReport>> clients = new ArrayList<>();
      for (int i = 0; i < config.clients(); i++) {
        CohortClient client = CohortClient.builder()
            .coordinator(URI.create(coordinator.url()))
            .name(String.format("client-%05d", i))
            .data(DatasetSource.of(shards.train(i), shards.heldOut(i)))
            .trainer(trainers)
            .httpClient(http)
            .build();
        clients.add(clientThreads.submit(client::run));
      }

      CentralEvaluator evaluator = new CentralEvaluator(trainers, config.model(), test.toLocalDataset(),
          data.classNames());
      long waitMs = config.roundTimeout().toMillis() * 2 + 60_000;
      for (int r = 1; r <= config.rounds(); r++) {
        RoundRecord record = records.poll(waitMs, TimeUnit.MILLISECONDS);
        if (record == null) {
          failIfAClientDied(clients);
          throw new IllegalStateException("no round finished within " + waitMs / 1000 + " s; see the log above");
        }
        RoundResult result = RoundResult.of(record, evaluator.evaluate(record.parameters()));
        results.add(result);
        listener.onRound(result);
      }
      coordinator.completion().await();
      for (Future<ClientReport> client : clients) {
        client.get(60, TimeUnit.SECONDS);
      }
      listener.onFinish(results);
      return results;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("a simulated client failed: " + e.getCause(), e);
    } finally {
      clientThreads.shutdownNow();
      if (coordinator != null) {
        coordinator.close().await();
      }
      vertx.close().await();
      clientThreads.awaitTermination(30, TimeUnit.SECONDS);
      trainers.close();
    }
  }

  private static void failIfAClientDied(List<Future<ClientReport>> clients) {
    for (Future<ClientReport> f : clients) {
      if (f.isDone()) {
        try {
          f.get();
        } catch (Exception e) {
          throw new IllegalStateException("a simulated client failed: " + e.getCause(), e);
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
