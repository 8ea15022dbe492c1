package io.cohort.simulation;

import io.cohort.client.ClientReport;
import io.cohort.client.CohortClient;
import io.cohort.client.CrashInjector;
import io.cohort.client.DatasetSource;
import io.cohort.client.LocalTrainer;
import io.cohort.client.RoundStage;
import io.cohort.client.transport.HttpTransport;
import io.cohort.crypto.pki.PemFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A set of simulated clients, each a real SDK client on its own thread, training through a shared trainer pool: all
 * of a simulation's clients in one JVM, or one worker JVM's share of them. Client {@code i} is named {@link
 * #name(int)} and holds shard {@code i}, whatever JVM runs it, so a distributed simulation behaves as a local one.
 */
public final class SimulatedClients implements AutoCloseable {
  /**
   * How the clients reach the coordinator.
   *
   * @param coordinatorUrl the coordinator's base URL
   * @param caCertificatePem the coordinator's CA certificate, or null for cleartext (insecure)
   * @param enrolmentTokens a one-time enrolment token per client index (empty when insecure)
   */
  public record Access(String coordinatorUrl, String caCertificatePem, Map<Integer, String> enrolmentTokens) {
    boolean insecure() {
      return caCertificatePem == null;
    }
  }

  /**
   * How the clients behave.
   *
   * @param seed the run's seed (seeds the simulated crashes)
   * @param dropout probability that a client crashes at a random stage of a round and restarts
   * @param secure whether rounds use secure aggregation (clients then refuse plaintext rounds)
   * @param poisoning which clients attack, and how
   * @param heterogeneity which clients are slow, and when clients are offline
   */
  public record Behaviour(long seed, double dropout, boolean secure, Poisoning poisoning,
      Heterogeneity heterogeneity) {
    /** No poisoned clients, all equally fast and always online. */
    public Behaviour(long seed, double dropout, boolean secure) {
      this(seed, dropout, secure, Poisoning.NONE);
    }

    /** All clients equally fast and always online. */
    public Behaviour(long seed, double dropout, boolean secure, Poisoning poisoning) {
      this(seed, dropout, secure, poisoning, Heterogeneity.NONE);
    }
  }

  /**
   * A model-poisoning attack for robustness studies: the first {@code round(fraction x clients)} clients (by index)
   * send their honest update sign-flipped and scaled, {@code -scale x (trained - global)}.
   *
   * @param fraction share of the clients that attack, in [0, 0.5)
   * @param scale how much the flipped update is magnified (1: a plain sign flip)
   */
  public record Poisoning(double fraction, double scale) {
    /** No attack. */
    public static final Poisoning NONE = new Poisoning(0, 1);

    /** Checks the ranges. */
    public Poisoning {
      if (!(fraction >= 0 && fraction < 0.5)) {
        throw new IllegalArgumentException("the poisoned share must be in [0, 0.5), got " + fraction);
      }
      if (!(scale > 0) || !Double.isFinite(scale)) {
        throw new IllegalArgumentException("the poisoning scale must be positive, got " + scale);
      }
    }

    /** Whether client {@code index} of {@code clients} attacks. */
    public boolean attacks(int index, int clients) {
      return index < Math.round(fraction * clients);
    }

    /**
     * Parses {@code --poison FRACTION[:SCALE]} (scale 1 by default).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Poisoning parse(String spec) {
      String[] parts = spec.split(":", -1);
      try {
        if (parts.length > 2) {
          throw new NumberFormatException();
        }
        return new Poisoning(Double.parseDouble(parts[0]), parts.length > 1 ? Double.parseDouble(parts[1]) : 1);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--poison takes FRACTION[:SCALE], e.g. 0.2:10, got '" + spec + "'");
      }
    }
  }

  /** Trains honestly, then sends the update sign-flipped and scaled (see {@link Poisoning}). */
  static final class SignFlippingTrainer implements io.cohort.client.LocalTrainer {
    private final io.cohort.client.LocalTrainer honest;
    private final double scale;

    SignFlippingTrainer(io.cohort.client.LocalTrainer honest, double scale) {
      this.honest = honest;
      this.scale = scale;
    }

    @Override
    public io.cohort.client.FitOutcome fit(io.cohort.protocol.model.ModelArchitecture model, float[] initial,
        io.cohort.client.LocalDataset data, io.cohort.client.TrainingPlan plan) {
      return fit(model, initial, data, plan, null);
    }

    @Override
    public io.cohort.client.FitOutcome fit(io.cohort.protocol.model.ModelArchitecture model, float[] initial,
        io.cohort.client.LocalDataset data, io.cohort.client.TrainingPlan plan, float[] gradientCorrection) {
      io.cohort.client.FitOutcome outcome = honest.fit(model, initial, data, plan, gradientCorrection);
      float[] trained = outcome.parameters();
      float[] poisoned = new float[trained.length];
      for (int i = 0; i < poisoned.length; i++) {
        poisoned[i] = (float) (initial[i] - scale * (trained[i] - initial[i]));
      }
      return new io.cohort.client.FitOutcome(poisoned, outcome.numExamples(), outcome.loss(), outcome.accuracy());
    }

    @Override
    public io.cohort.client.EvaluationOutcome evaluate(io.cohort.protocol.model.ModelArchitecture model,
        float[] parameters, io.cohort.client.LocalDataset data, int batchSize) {
      return honest.evaluate(model, parameters, data, batchSize);
    }

    @Override
    public void close() {} // the honest trainer is shared and closed by its owner
  }

  private final ExecutorService threads;
  private final List<Future<ClientReport>> runs = new ArrayList<>();

  private SimulatedClients(int size) {
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newFixedThreadPool(Math.max(1, size), r -> {
      Thread t = new Thread(r, "sim-client-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** The name of client {@code index}. */
  public static String name(int index) {
    return String.format("client-%05d", index);
  }

  /** Starts the clients {@code indices}, each running until the coordinator's run finishes. */
  public static SimulatedClients start(ClientShards shards, LocalTrainer trainers, Access access,
      Behaviour behaviour, List<Integer> indices) {
    SimulatedClients clients = new SimulatedClients(indices.size());
    HttpClient http = access.insecure() ? HttpTransport.defaultHttpClient() : null;
    var ca = access.insecure() ? null : PemFiles.decodeCertificates(access.caCertificatePem()).get(0);
    int total = shards.trainParts().length;
    Heterogeneity h = behaviour.heterogeneity();
    for (int i : indices) {
      LocalTrainer trainer = h.straggler(behaviour.seed(), i, total)
          ? new StragglerTrainer(trainers, h.slowdown()) : trainers;
      CohortClient.Builder builder = CohortClient.builder()
          .coordinator(URI.create(access.coordinatorUrl()))
          .name(name(i))
          .data(DatasetSource.of(shards.train(i), shards.heldOut(i)))
          .trainer(behaviour.poisoning().attacks(i, total)
              ? new SignFlippingTrainer(trainer, behaviour.poisoning().scale()) : trainer)
          .requireSecureAggregation(behaviour.secure())
          .crashInjector(crashes(name(i), behaviour))
          .availability(h.availability(behaviour.seed(), i));
      if (access.insecure()) {
        builder.insecure().httpClient(http);
      } else { // each client enrols with its own token, as an operator would hand them out, and keeps it in memory
        builder.trustedCoordinatorCa(ca).enrolmentToken(access.enrolmentTokens().get(i));
      }
      CohortClient client = builder.build();
      clients.runs.add(clients.threads.submit(client::run));
    }
    return clients;
  }

  /**
   * The simulated dropout: in each round, a client crashes with probability {@code dropout}, at a stage drawn
   * uniformly from the round's stages, and restarts. Seeded by (run seed, client, round), so runs repeat.
   */
  public static CrashInjector crashes(String name, Behaviour behaviour) {
    double p = behaviour.dropout();
    if (p == 0) {
      return CrashInjector.NEVER;
    }
    RoundStage[] stages = behaviour.secure()
        ? new RoundStage[] {RoundStage.ADVERTISE_KEYS, RoundStage.SHARE_KEYS, RoundStage.MASKED_INPUT,
            RoundStage.UNMASK}
        : new RoundStage[] {RoundStage.UPLOAD};
    long base = behaviour.seed() * 0x9E3779B97F4A7C15L + name.hashCode();
    return (round, stage) -> {
      SplittableRandom random = new SplittableRandom(base * 31 + round);
      return random.nextDouble() < p && stages[random.nextInt(stages.length)] == stage;
    };
  }

  /** Whether every client's run has ended (normally or not). */
  public boolean allDone() {
    return runs.stream().allMatch(Future::isDone);
  }

  /** Throws if a client's run ended with an error (a dead client would otherwise stall the run). */
  public void failIfAnyDied() {
    for (Future<ClientReport> f : runs) {
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

  /** Waits for every client to finish its run (at most {@code each} per client) and returns their reports. */
  public List<ClientReport> await(Duration each) throws InterruptedException {
    List<ClientReport> reports = new ArrayList<>();
    for (Future<ClientReport> f : runs) {
      try {
        reports.add(f.get(each.toMillis(), TimeUnit.MILLISECONDS));
      } catch (ExecutionException e) {
        throw new IllegalStateException("a simulated client failed: " + e.getCause(), e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException("a simulated client did not finish within " + each.toSeconds()
            + " s after the last round", e);
      }
    }
    return reports;
  }

  /**
   * Interrupts clients still running and waits up to a minute for their threads to end.
   *
   * @return whether every thread ended (so no client is still inside its trainer)
   */
  public boolean stop() throws InterruptedException {
    threads.shutdownNow();
    return threads.awaitTermination(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
