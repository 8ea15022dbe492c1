package io.cohort.coordinator;

import io.cohort.coordinator.http.ProtocolRoutes;
import io.cohort.coordinator.registry.InMemoryClientRegistry;
import io.cohort.coordinator.round.GlobalModel;
import io.cohort.coordinator.round.RoundDriver;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.crypto.ClientCredentials;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.function.Consumer;

/**
 * A running coordinator: an HTTP server speaking the Cohort protocol and the driver of one federated run.
 *
 * <pre>{@code
 * Coordinator coordinator = Coordinator.start(vertx, config).await();
 * coordinator.onRound(record -> ...);           // called on the event loop: hand off, don't block
 * List<RoundRecord> rounds = coordinator.completion().await();
 * coordinator.close().await();
 * }</pre>
 */
public final class Coordinator {
  private final Vertx vertx;
  private final CoordinatorConfig config;
  private final Verticle verticle;
  private final String deploymentId;

  private Coordinator(Vertx vertx, CoordinatorConfig config, Verticle verticle, String deploymentId) {
    this.vertx = vertx;
    this.config = config;
    this.verticle = verticle;
    this.deploymentId = deploymentId;
  }

  /** Encodes the initial model (on a worker), listens, and starts the run. */
  public static Future<Coordinator> start(Vertx vertx, CoordinatorConfig config) {
    String runId = ClientCredentials.newId(9);
    return vertx.executeBlocking(() -> GlobalModel.encode(runId, 0, config.model(),
            config.model().initialParameters(config.seed())))
        .compose(initial -> {
          Verticle verticle = new Verticle(config, initial, runId);
          return vertx.deployVerticle(verticle).map(id -> new Coordinator(vertx, config, verticle, id));
        });
  }

  /** The port the server listens on. */
  public int port() {
    return verticle.server.actualPort();
  }

  /** The base URL clients connect to. */
  public String url() {
    return "http://" + config.host() + ":" + port();
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
    private RoundDriver driver;
    private HttpServer server;

    Verticle(CoordinatorConfig config, GlobalModel initial, String runId) {
      this.config = config;
      this.initial = initial;
      this.runId = runId;
    }

    io.vertx.core.Context context() {
      return context;
    }

    @Override
    public Future<?> start() {
      driver = new RoundDriver(vertx, config, new InMemoryClientRegistry(), initial, runId);
      Router router = Router.router(vertx);
      ProtocolRoutes.mount(vertx, router, driver);
      HttpServerOptions options = new HttpServerOptions()
          .setHost(config.host())
          .setPort(config.port())
          .setCompressionSupported(false)
          // Frees the slot and staging memory of an upload whose sender went silent; longer than a held poll.
          .setIdleTimeout((int) config.pollWait().multipliedBy(2).plusSeconds(30).toSeconds())
          .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
      return vertx.createHttpServer(options)
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
