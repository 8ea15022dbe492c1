package io.cohort.coordinator;

import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.cluster.ClusterStatus;
import io.cohort.coordinator.cluster.CoordinatorCluster;
import io.cohort.coordinator.cluster.DriverListener;
import io.cohort.coordinator.dashboard.DashboardRoutes;
import io.cohort.coordinator.http.ApiAuth;
import io.cohort.coordinator.http.ConnectionLimit;
import io.cohort.coordinator.http.ClusterGate;
import io.cohort.coordinator.http.MetricsEndpoint;
import io.cohort.coordinator.http.ModelApiRoutes;
import io.cohort.coordinator.http.ProtocolRoutes;
import io.cohort.coordinator.metrics.CoordinatorMetrics;
import io.cohort.coordinator.registry.InMemoryClientRegistry;
import io.cohort.coordinator.round.DriverState;
import io.cohort.coordinator.round.GlobalModel;
import io.cohort.coordinator.round.RoundDriver;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.coordinator.round.RunCheckpoints;
import io.cohort.coordinator.state.HazelcastRunStateStore;
import io.cohort.coordinator.state.InMemoryRunStateStore;
import io.cohort.coordinator.state.RunStateStore;
import io.cohort.coordinator.security.EnrolmentTokenBook;
import io.cohort.coordinator.security.TransportSecurity;
import io.cohort.crypto.ClientCredentials;
import io.cohort.crypto.pki.PemFiles;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running coordinator: an HTTP server speaking the Cohort protocol and the driver of one federated run. Unless its
 * config says {@link TlsSettings#insecure()}, it serves HTTPS with client certificates: hand each client the CA
 * certificate ({@link #caCertificate()}) and a one-time enrolment token ({@link #issueEnrolmentToken()}).
 *
 * <p>With {@link CoordinatorConfig.Builder#cluster} it is one node of a coordinator cluster: it embeds a Hazelcast
 * member, keeps the run state there ({@link HazelcastRunStateStore}) and drives rounds only while it holds the driver
 * lease; meanwhile it redirects clients (HTTP 307) to the node that drives. When the driving node dies, another takes
 * the lease, claims the run state and goes on: an open plain round continues with the updates already summed (each
 * counted once), an open secure round is restarted with the same clients as a fresh secure-aggregation instance.
 *
 * <pre>{@code
 * Coordinator coordinator = Coordinator.start(vertx, config).await();
 * String token = coordinator.issueEnrolmentToken(); // one per client, with coordinator.caCertificatePem()
 * coordinator.onRound(record -> ...);           // called on the event loop: hand off, don't block
 * List<RoundRecord> rounds = coordinator.completion().await();
 * coordinator.close().await();
 * }</pre>
 */
public final class Coordinator {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
  private static final Set<String> WILDCARD_HOSTS = Set.of("0.0.0.0", "::", "0:0:0:0:0:0:0:0");
  private static final long WATCH_MS = 1000;

  private final Vertx vertx;
  private final CoordinatorConfig config;
  private final Verticle verticle;
  private final String deploymentId;
  private final TransportSecurity security;

  private Coordinator(Vertx vertx, CoordinatorConfig config, Verticle verticle, String deploymentId,
      TransportSecurity security) {
    this.vertx = vertx;
    this.config = config;
    this.verticle = verticle;
    this.deploymentId = deploymentId;
    this.security = security;
  }

  /**
   * Sets up TLS (creating or loading the CA and server certificate), joins the cluster if configured, and encodes the
   * initial model, all on a worker, then listens and starts the run. In a cluster the returned future completes once
   * the run is known (this node drives it, or another node has started it).
   */
  public static Future<Coordinator> start(Vertx vertx, CoordinatorConfig config) {
    return vertx.executeBlocking(() -> TransportSecurity.open(config.tls(), config.host()))
        .compose(security -> vertx.executeBlocking(() -> Backing.open(config, security))
            .compose(backing -> {
              Verticle verticle = new Verticle(config, security, backing);
              return vertx.deployVerticle(verticle)
                  .compose(id -> verticle.ready.future()
                      .map(v -> new Coordinator(vertx, config, verticle, id, security))
                      .recover(e -> vertx.undeploy(id).transform(v -> Future.<Coordinator>failedFuture(e))))
                  .onFailure(e -> vertx.executeBlocking(() -> {
                    backing.close();
                    return null;
                  }));
            }));
  }

  /**
   * Where the run state lives: in memory, or in an embedded cluster member; the API token (shared by a cluster's
   * nodes); and the node's metrics (made here, on a worker: binding the JVM metrics the first time loads classes for
   * a good 100 ms).
   */
  private record Backing(RunStateStore store, CoordinatorCluster cluster, String apiToken,
      CoordinatorMetrics metrics, java.util.Map<String, Object> provenance) {
    static Backing open(CoordinatorConfig config, TransportSecurity security) {
      String generated = config.apiToken().orElseGet(ClientCredentials::newToken);
      if (config.cluster().isEmpty()) {
        return new Backing(new InMemoryRunStateStore(), null, generated, new CoordinatorMetrics(),
            Provenance.of(config)); // reads .git: here, on a worker
      }
      HazelcastRunStateStore.requireSerializable(config.strategy().beginFit(1, 1));
      if (config.tls().mode() == TlsSettings.Mode.IN_MEMORY && !config.cluster().get().members().isEmpty()) {
        throw new IllegalArgumentException("the nodes of a coordinator cluster must share one CA, and an in-memory "
            + "CA is this process's alone: give every node the same --tls-dir (a directory they share, or a copy "
            + "of it), or PEM files (--tls-key/--tls-cert/--client-ca)");
      }
      if (WILDCARD_HOSTS.contains(config.host()) && config.advertisedUrl().isEmpty()
          && !config.cluster().get().members().isEmpty()) {
        throw new IllegalArgumentException("a cluster node listening on every interface (" + config.host() + ") must "
            + "say at which URL clients reach it: give --advertise-url https://HOST:PORT");
      }
      CoordinatorCluster cluster = CoordinatorCluster.start(config.cluster().get());
      if (security.canEnrol()) {
        security.useTokenBook(EnrolmentTokenBook.cluster(cluster.hazelcast()));
      }
      // Without --api-token, the nodes share the first node's generated token, so a request redirected to the driver
      // carries a token it accepts.
      String apiToken = config.apiToken().orElseGet(() -> {
        String earlier = cluster.hazelcast().<String, String>getMap("cohort.api").putIfAbsent("token", generated);
        return earlier != null ? earlier : generated;
      });
      return new Backing(new HazelcastRunStateStore(cluster.hazelcast()), cluster, apiToken,
          new CoordinatorMetrics(), Provenance.of(config));
    }

    void close() {
      store.close();
      if (cluster != null) {
        cluster.close();
      }
      metrics.close();
    }
  }

  /**
   * What a driver starts from: the committed run in the store, else a checkpoint on disk (with resume), else a fresh
   * run, which is committed at once so that every node shares its id and initial model.
   */
  private static DriverState takeOver(CoordinatorConfig config, RunStateStore store, long term) throws Exception {
    if (!store.claim(term)) {
      return null;
    }
    Optional<Checkpoint> committed = store.committed();
    RunCheckpoints.Restored restored;
    if (committed.isPresent()) {
      restored = new RunCheckpoints.Restored(committed.get().header().getRunId(), committed.get(), List.of());
    } else if (config.checkpoints().resume()) {
      restored = RunCheckpoints.resume(config.checkpoints(), config.model());
      restored.skipped().forEach(s -> LOG.warn("skipped a corrupt checkpoint: {}", s.reason()));
      if (!store.commit(term, restored.checkpoint())) {
        return null;
      }
    } else {
      String runId = ClientCredentials.newId(9);
      Checkpoint start = RunCheckpoints.of(runId, config.model(),
          config.model().initialParameters(config.seed(), config.weightInit()));
      if (!store.commit(term, start)) {
        return null;
      }
      restored = new RunCheckpoints.Restored(runId, start, List.of());
    }
    var open = store.openRound();
    var tally = open.flatMap(o -> store.tally(o.round())).orElse(null);
    return new DriverState(restored, open.orElse(null), tally, store.clients(), store.finished().orElse(null));
  }

  /** The port the server listens on. */
  public int port() {
    return verticle.server.actualPort();
  }

  /**
   * The base URL clients connect to: {@code https://} unless insecure. A wildcard listening host (every interface)
   * is given as the loopback address.
   */
  public String url() {
    return urlOf(config.host(), port(), security.enabled());
  }

  private static String urlOf(String configuredHost, int port, boolean tls) {
    String host = WILDCARD_HOSTS.contains(configuredHost) ? "127.0.0.1" : configuredHost;
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return (tls ? "https://" : "http://") + host + ":" + port;
  }

  /** Whether the coordinator serves TLS with client certificates (false only with {@link TlsSettings#insecure()}). */
  public boolean tls() {
    return security.enabled();
  }

  /**
   * The CA certificate clients must trust (pin) to talk to this coordinator: its own CA, or with PEM files the root
   * of the server chain.
   *
   * @throws IllegalStateException if insecure, or with PEM files whose chain stops below its root
   */
  public X509Certificate caCertificate() {
    return security.trustedCa().orElseThrow(() -> new IllegalStateException(security.enabled()
        ? "the server certificate chain from the PEM files does not end in a CA certificate; give clients your CA"
        : "this coordinator is insecure (cleartext HTTP): there is no CA certificate"));
  }

  /** {@link #caCertificate()} as PEM text, for handing to an operator or writing to a file. */
  public String caCertificatePem() {
    return PemFiles.encodeCertificates(List.of(caCertificate()));
  }

  /**
   * A new one-time enrolment token: a client presents it once, with a CSR, to get its certificate. Shown once (only
   * its digest is kept); lost when the coordinator (or, in a cluster, every node) stops. In a cluster, a token is
   * redeemable at any node. Thread-safe; blocking in a cluster.
   *
   * @throws IllegalStateException if insecure, or with PEM files (no CA key to issue certificates with)
   */
  public String issueEnrolmentToken() {
    return security.issueEnrolmentToken();
  }

  /** The run's id. */
  public String runId() {
    return verticle.runId;
  }

  /**
   * The bearer token of the HTTP API for people and apps ({@code /v1/models}, predict, the dashboard's data): the
   * configured one, or one generated at start. Show it only to whoever may use the models.
   */
  public String apiToken() {
    return verticle.apiToken;
  }

  /** The configuration this coordinator runs. */
  public CoordinatorConfig config() {
    return config;
  }

  /** Whether this node drives the run now (always true for a coordinator without a cluster, once started). */
  public boolean driving() {
    return verticle.activeDriver() != null;
  }

  /** The cluster's members and driver as this node sees them; empty without a cluster. */
  public Optional<ClusterStatus> clusterStatus() {
    return Optional.ofNullable(verticle.backing.cluster()).map(ClusterStatus::of);
  }

  /**
   * Calls {@code listener} after each round this node drives, with its record; it runs on the coordinator's event
   * loop, so it must hand heavy work elsewhere.
   */
  public void onRound(Consumer<RoundRecord> listener) {
    verticle.context().runOnContext(v -> {
      verticle.listeners.add(listener);
      if (verticle.driver != null) {
        verticle.driver.addListener(listener);
      }
    });
  }

  /**
   * Completes with every round's record once the run's last round is done (in a cluster: done by whichever node
   * drove it; a node that did not drive the end learns it from the run state within a second).
   */
  public Future<List<RoundRecord>> completion() {
    return verticle.completion.future();
  }

  /**
   * This node's metrics, scraped now: the text {@code GET /metrics} serves (Prometheus text format 0.0.4; the metric
   * names are listed in {@link CoordinatorMetrics}). Thread-safe; the rendering runs on a worker.
   */
  public Future<String> metrics() {
    Promise<String> text = Promise.promise();
    verticle.context().runOnContext(v -> verticle.scrape().onComplete(text));
    return text.future();
  }

  /**
   * Stops the server and, in a cluster, hands the driver lease over and leaves the cluster (the run goes on on the
   * other nodes); connected clients see the connection close.
   */
  public Future<Void> close() {
    return vertx.undeploy(deploymentId);
  }

  /** The verticle owning the server and the driver; both live on its context. */
  private static final class Verticle extends VerticleBase implements DriverListener {
    private final CoordinatorConfig config;
    private final TransportSecurity security;
    private final Backing backing;
    private final Promise<Void> ready = Promise.promise();
    private final Promise<List<RoundRecord>> completion = Promise.promise();
    private final List<Consumer<RoundRecord>> listeners = new CopyOnWriteArrayList<>();
    private final String apiToken;
    private final CoordinatorMetrics metrics;
    private volatile RoundDriver driver;
    private InMemoryClientRegistry clients; // the driver's registry, for the client gauges; confined to the context
    private volatile String runId;
    private HttpServer server;
    private long watchTimer = -1;
    private boolean watching; // a read of the run state is in flight
    private static final int TAKEOVER_ATTEMPTS = 3;

    Verticle(CoordinatorConfig config, TransportSecurity security, Backing backing) {
      this.config = config;
      this.apiToken = backing.apiToken();
      this.security = security;
      this.backing = backing;
      this.metrics = backing.metrics();
      listeners.add(r -> {
        if (r.completed()) {
          metrics.roundCompleted(r.seconds());
        } else {
          metrics.roundFailed(r.seconds());
        }
      });
    }

    io.vertx.core.Context context() {
      return context;
    }

    @Override
    public Future<?> start() {
      Router router = Router.router(vertx);
      CoordinatorCluster cluster = backing.cluster();
      if (cluster != null) {
        ClusterGate.mount(vertx, router, cluster, () -> activeDriver() != null);
        metrics.cluster(() -> cluster.hazelcast().getCluster().getMembers().size(), () -> activeDriver() != null);
      }
      ModelApiRoutes.mount(vertx, router, this::activeDriver, backing.store(), config.model(),
          backing.provenance(), ApiAuth.bearer(apiToken));
      DashboardRoutes dashboard = DashboardRoutes.mount(vertx, router, this::status, ApiAuth.bearerOrQuery(apiToken));
      listeners.add(record -> dashboard.changed());
      ConnectionLimit limit = new ConnectionLimit(config.maxConnections(), metrics);
      limit.mount(router);
      ProtocolRoutes.mount(vertx, router, this::activeDriver, security, () -> status(), metrics);
      MetricsEndpoint.mount(router, this::scrape);
      HttpServerOptions options = new HttpServerOptions()
          .setHost(config.host())
          .setPort(config.port())
          .setCompressionSupported(false)
          // Frees the slot and staging memory of an upload whose sender went silent; longer than a held poll.
          .setIdleTimeout((int) config.pollWait().multipliedBy(2).plusSeconds(30).toSeconds())
          .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
      return vertx.createHttpServer(security.configure(options))
          .connectionHandler(limit::opened)
          .requestHandler(router)
          .listen()
          .compose(s -> {
            server = s;
            if (cluster == null) {
              drive(1, 1);
              return Future.succeededFuture();
            }
            String url = config.advertisedUrl().map(u -> u.toString().replaceAll("/$", ""))
                .orElse(urlOf(config.host(), s.actualPort(), security.enabled()));
            return vertx.executeBlocking(() -> {
              ClusterGate.advertise(cluster, url);
              cluster.election().start(this);
              return null;
            }, false).onSuccess(v -> watch());
          });
    }

    /** Called by the election (on its thread): hand over to the context. */
    @Override
    public void becameDriver(long term) {
      context.runOnContext(v -> drive(term, 1));
    }

    /**
     * The driver that may serve requests: not stepped down and, in a cluster, still holding the lease under its term
     * (a driver whose lease lapsed answers nothing even before it hears so).
     */
    RoundDriver activeDriver() {
      RoundDriver d = driver;
      return d != null && !d.deposed() && holds(d.term()) ? d : null;
    }

    private boolean holds(long term) {
      return backing.cluster() == null || backing.cluster().election().term() == term;
    }

    @Override
    public void lostDriver(long term) {
      context.runOnContext(v -> {
        RoundDriver d = driver;
        if (d != null && d.term() == term) {
          d.stepDown("the driver lease was lost (term " + term + ")");
        }
      });
    }

    private void drive(long term, int attempt) {
      if (!holds(term)) {
        return; // the lease moved on before this notification ran
      }
      vertx.executeBlocking(() -> takeOver(config, backing.store(), term), false).onComplete(taken -> {
        if (taken.failed()) {
          giveUp(term, attempt, taken.cause());
          return;
        }
        DriverState state = taken.result();
        RoundDriver previous = driver;
        if (state == null || !holds(term) || (previous != null && previous.term() >= term)) {
          LOG.warn("term {} was overtaken while taking over; another term drives", term);
          return;
        }
        RoundDriver next;
        InMemoryClientRegistry registry = new InMemoryClientRegistry();
        try {
          RunCheckpoints.Restored restored = state.restored();
          Checkpoint c = restored.checkpoint();
          GlobalModel model = GlobalModel.encode(restored.runId(), c.header().getModelVersion(), config.model(),
              c.parameters());
          next = new RoundDriver(vertx, config, registry, model, restored.runId(), state, backing.store(), term);
        } catch (RuntimeException e) {
          giveUp(term, TAKEOVER_ATTEMPTS, e); // a configuration that does not fit the run: retrying cannot help
          return;
        }
        listeners.forEach(next::addListener);
        next.onAggregation(metrics::aggregated);
        next.completion().onComplete(done -> {
          if (done.succeeded()) {
            completion.tryComplete(done.result());
          } else {
            completion.tryFail(done.cause());
          }
        });
        if (previous != null) {
          previous.stepDown("superseded by term " + term);
        }
        driver = next;
        clients = registry;
        runId = next.runId();
        next.start();
        ready.tryComplete();
      });
    }

    /**
     * Taking over failed: retried (a second apart) while this node still holds the lease, then this node stops
     * competing for it, so that another node can drive, and its start and completion fail with the cause.
     */
    private void giveUp(long term, int attempt, Throwable cause) {
      if (attempt < TAKEOVER_ATTEMPTS && holds(term)) {
        LOG.warn("taking over the run (term {}) failed, attempt {} of {}: {}", term, attempt, TAKEOVER_ATTEMPTS,
            cause.toString());
        vertx.setTimer(1000, id -> drive(term, attempt + 1));
        return;
      }
      LOG.error("cannot take over the run (term {})", term, cause);
      if (backing.cluster() != null) {
        vertx.executeBlocking(() -> {
          backing.cluster().election().close(); // hand the lease to a node that may fare better
          return null;
        }, false);
      }
      ready.tryFail(cause);
      completion.tryFail(cause);
    }

    /** A node that does not drive learns the run's id, and its end, from the run state. */
    private void watch() {
      watchTimer = vertx.setPeriodic(0, WATCH_MS, id -> {
        if (completion.future().isComplete()) {
          vertx.cancelTimer(id);
          return;
        }
        if (activeDriver() != null || watching) {
          return;
        }
        watching = true;
        boolean needRunId = runId == null;
        vertx.executeBlocking(() -> {
          // The finish mark is small; the committed run carries the model, so it is read only when needed.
          Optional<String> finished = backing.store().finished();
          return new Watched(needRunId || finished.isPresent() ? backing.store().committed() : Optional.empty(),
              finished);
        }, false)
            .onComplete(read -> watching = false)
            .onSuccess(w -> w.committed().ifPresent(c -> {
              runId = c.header().getRunId();
              ready.tryComplete();
              if (w.finished().isPresent() && activeDriver() == null) {
                completion.tryComplete(RunCheckpoints.Restored.historyOf(c));
              }
            }));
      });
    }

    /** On the context: samples the client gauges (the registry is confined here), then renders on a worker. */
    Future<String> scrape() {
      InMemoryClientRegistry r = activeDriver() != null ? clients : null;
      if (r == null) {
        metrics.clients(0, 0);
      } else {
        metrics.clients(r.size(), r.liveClients(System.currentTimeMillis() - config.liveness().toMillis()).size());
      }
      return vertx.executeBlocking(metrics::scrape, false);
    }

    private record Watched(Optional<Checkpoint> committed, Optional<String> finished) {}

    private io.vertx.core.json.JsonObject status() {
      RoundDriver d = activeDriver();
      io.vertx.core.json.JsonObject s = d != null ? d.status()
          : new io.vertx.core.json.JsonObject().put("run", runId).put("driving", false);
      if (d != null) {
        s.put("driving", true).put("term", d.term());
      }
      if (backing.cluster() != null) {
        s.put("cluster", ClusterGate.describe(backing.cluster()));
      }
      return s;
    }

    @Override
    public Future<?> stop() {
      if (watchTimer >= 0) {
        vertx.cancelTimer(watchTimer);
      }
      Promise<Void> done = Promise.promise();
      if (server == null) {
        done.complete();
      } else {
        server.close().onComplete(done);
      }
      return done.future().compose(v -> vertx.executeBlocking(() -> {
        backing.close(); // hands the lease over before leaving the cluster
        return null;
      }));
    }
  }
}
