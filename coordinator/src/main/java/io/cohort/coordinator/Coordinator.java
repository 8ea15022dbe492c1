package io.cohort.coordinator;

import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.http.ProtocolRoutes;
import io.cohort.coordinator.registry.InMemoryClientRegistry;
import io.cohort.coordinator.round.GlobalModel;
import io.cohort.coordinator.round.RoundDriver;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.coordinator.round.RunCheckpoints;
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
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running coordinator: an HTTP server speaking the Cohort protocol and the driver of one federated run. Unless its
 * config says {@link TlsSettings#insecure()}, it serves HTTPS with client certificates: hand each client the CA
 * certificate ({@link #caCertificate()}) and a one-time enrolment token ({@link #issueEnrolmentToken()}).
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
   * Sets up TLS (creating or loading the CA and server certificate) and encodes the initial model, both on a worker,
   * then listens and starts the run.
   */
  public static Future<Coordinator> start(Vertx vertx, CoordinatorConfig config) {
    return vertx.executeBlocking(() -> TransportSecurity.open(config.tls(), config.host()))
        .compose(security -> vertx.executeBlocking(() -> startingPoint(config))
            .compose(start -> {
              Verticle verticle = new Verticle(config, start.model(), start.runId(), security, start.restored());
              return vertx.deployVerticle(verticle).map(id -> new Coordinator(vertx, config, verticle, id, security));
            }));
  }

  /** Where a run starts: a fresh model, or a checkpointed run's. */
  private record StartingPoint(String runId, GlobalModel model, RunCheckpoints.Restored restored) {}

  private static StartingPoint startingPoint(CoordinatorConfig config) throws java.io.IOException {
    if (!config.checkpoints().resume()) {
      String runId = ClientCredentials.newId(9);
      return new StartingPoint(runId, GlobalModel.encode(runId, 0, config.model(),
          config.model().initialParameters(config.seed())), null);
    }
    RunCheckpoints.Restored restored = RunCheckpoints.resume(config.checkpoints(), config.model());
    restored.skipped().forEach(s -> LOG.warn("skipped a corrupt checkpoint: {}", s.reason()));
    Checkpoint c = restored.checkpoint();
    return new StartingPoint(restored.runId(), GlobalModel.encode(restored.runId(), c.header().getModelVersion(),
        config.model(), c.parameters()), restored);
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
    String host = WILDCARD_HOSTS.contains(config.host()) ? "127.0.0.1" : config.host();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return (security.enabled() ? "https://" : "http://") + host + ":" + port();
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
   * its digest is kept); lost when the coordinator stops. Thread-safe.
   *
   * @throws IllegalStateException if insecure, or with PEM files (no CA key to issue certificates with)
   */
  public String issueEnrolmentToken() {
    return security.issueEnrolmentToken();
  }

  /** The run's id. */
  public String runId() {
    return verticle.driver.runId();
  }

  /** The configuration this coordinator runs. */
  public CoordinatorConfig config() {
    return config;
  }

  /**
   * Calls {@code listener} after each round with its record; it runs on the coordinator's event loop, so it must
   * hand heavy work elsewhere.
   */
  public void onRound(Consumer<RoundRecord> listener) {
    verticle.context().runOnContext(v -> verticle.driver.addListener(listener));
  }

  /** Completes with every round's record once the run's last round is done. */
  public Future<List<RoundRecord>> completion() {
    return verticle.driver.completion();
  }

  /** Stops the server; connected clients see the connection close. */
  public Future<Void> close() {
    return vertx.undeploy(deploymentId);
  }

  /** The verticle owning the server and the driver; both live on its context. */
  private static final class Verticle extends VerticleBase {
    private final CoordinatorConfig config;
    private final GlobalModel initial;
    private final String runId;
    private final TransportSecurity security;
    private final RunCheckpoints.Restored restored;
    private RoundDriver driver;
    private HttpServer server;

    Verticle(CoordinatorConfig config, GlobalModel initial, String runId, TransportSecurity security,
        RunCheckpoints.Restored restored) {
      this.config = config;
      this.initial = initial;
      this.runId = runId;
      this.security = security;
      this.restored = restored;
    }

    io.vertx.core.Context context() {
      return context;
    }

    @Override
    public Future<?> start() {
      driver = new RoundDriver(vertx, config, new InMemoryClientRegistry(), initial, runId, restored);
      Router router = Router.router(vertx);
      ProtocolRoutes.mount(vertx, router, driver, security);
      HttpServerOptions options = new HttpServerOptions()
          .setHost(config.host())
          .setPort(config.port())
          .setCompressionSupported(false)
          // Frees the slot and staging memory of an upload whose sender went silent; longer than a held poll.
          .setIdleTimeout((int) config.pollWait().multipliedBy(2).plusSeconds(30).toSeconds())
          .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
      return vertx.createHttpServer(security.configure(options))
          .requestHandler(router)
          .listen()
          .onSuccess(s -> {
            server = s;
            driver.start();
          });
    }

    @Override
    public Future<?> stop() {
      Promise<Void> done = Promise.promise();
      if (server == null) {
        done.complete();
      } else {
        server.close().onComplete(done);
      }
      return done.future();
    }
  }
}
