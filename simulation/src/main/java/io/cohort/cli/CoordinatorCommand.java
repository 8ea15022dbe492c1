package io.cohort.cli;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.TlsSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cohort coordinator}: serves one federated run to clients in other processes or on other machines. */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
    description = "Run a coordinator: clients enrol with one-time tokens and connect over mutual TLS (or, with "
        + "--insecure, register over cleartext HTTP), and it runs the rounds, then exits.")
final class CoordinatorCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec commandSpec;
  @Mixin ModelOptions modelOptions;
  @Mixin RoundOptions roundOptions;
  @Mixin SecureAggregationOptions secureAggregation;
  @Mixin DifferentialPrivacyOptions differentialPrivacy;
  @Mixin CoordinatorTlsOptions tls;
  @Mixin CheckpointOptions checkpoints;
  @Mixin ClusterOptions cluster;
  @Mixin CompressionOptions compression;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "interface to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--port", defaultValue = "7000", description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--advertise-url", paramLabel = "URL",
      description = "in a cluster, the URL the other nodes send clients to for this node (default: the --host and "
          + "--port it listens on; required with --host 0.0.0.0)")
  java.net.URI advertiseUrl;

  @Option(names = "--features", paramLabel = "N",
      description = "input features of a tabular model (rows of a CSV, as the example app and Tribuo clients send); "
          + "default: Fashion-MNIST images, 1x28x28")
  Integer features;

  @Option(names = "--classes", paramLabel = "K", description = "classes of a tabular model (with --features)")
  Integer classes;

  @Option(names = "--api-token", paramLabel = "TOKEN",
      description = "bearer token of the HTTP API for people and apps (/v1/models, predict); default: one is "
          + "generated and printed at start (in a cluster, shared by the nodes)")
  String apiToken;

  @Option(names = "--min-available",
      description = "registered clients required before the first round starts (default: --min-clients)")
  Integer minAvailable;

  @Option(names = "--poll-wait", defaultValue = "20", description = "seconds a client's poll is held open (default: ${DEFAULT-VALUE})")
  int pollWaitSeconds;

  @Option(names = "--upload-timeout", description = "seconds an update's body may take to arrive; a slower upload is "
      + "cut off (TIMED_OUT) and its validation slot freed (default: --round-timeout)")
  Integer uploadTimeoutSeconds;

  @Option(names = "--max-connections", defaultValue = "10000", description = "the most HTTP connections open at once; "
      + "beyond it a request is refused with a retryable UNAVAILABLE and its connection closed (default: "
      + "${DEFAULT-VALUE})")
  int maxConnections;

  @Option(names = "--max-waiting-uploads", defaultValue = "4096", description = "the most uploads that wait, their "
      + "connections paused, for a validation slot; beyond it an upload is refused with a retryable UNAVAILABLE "
      + "(default: ${DEFAULT-VALUE})")
  int maxWaitingUploads;

  @Override
  public Integer call() {
    if (configOptions.print) {
      ConfigFiles.print(commandSpec, commandSpec.commandLine().getOut());
      return 0;
    }
    TlsSettings tlsSettings = tls.settings();
    if ((features == null) != (classes == null)) {
      throw new IllegalArgumentException("--features and --classes go together: a tabular model needs both");
    }
    CoordinatorConfig.Builder builder = CoordinatorConfig.builder(features == null ? modelOptions.architecture()
            : modelOptions.architecture(java.util.List.of(features), classes))
        .host(host)
        .port(port)
        .rounds(roundOptions.rounds)
        .fraction(roundOptions.fraction)
        .minClients(roundOptions.minClients)
        .roundTimeout(Duration.ofSeconds(roundOptions.roundTimeoutSeconds))
        .train(modelOptions.train(roundOptions.strategy))
        .seed(roundOptions.seed)
        .weightInit(modelOptions.init)
        .evaluateEvery(roundOptions.evaluateEvery)
        .pollWait(Duration.ofSeconds(pollWaitSeconds))
        .maxConnections(maxConnections)
        .maxWaitingUploads(maxWaitingUploads)
        .secureAggregation(secureAggregation.settings(true, 10_000))
        .overSelection(roundOptions.overSelect)
        .differentialPrivacy(differentialPrivacy.config(Math.ceil(roundOptions.fraction
            * (minAvailable != null ? minAvailable : roundOptions.minClients))).orElse(null))
        .tls(tlsSettings)
        .checkpoints(checkpoints.settings())
        .cluster(cluster.settings())
        .compression(compression.settings())
        .strategy(io.cohort.coordinator.strategy.Strategies.parse(roundOptions.strategy, roundOptions.fraction,
            Math.max(1, roundOptions.minClients)))
        .async(roundOptions.async());
    if (minAvailable != null) {
      builder.minAvailable(minAvailable);
    }
    if (uploadTimeoutSeconds != null) {
      builder.uploadTimeout(Duration.ofSeconds(uploadTimeoutSeconds));
    }
    if (apiToken != null) {
      builder.apiToken(apiToken);
    }
    if (advertiseUrl != null) {
      builder.advertisedUrl(advertiseUrl);
    }
    CoordinatorConfig config = builder.build();
    Vertx vertx = Vertx.vertx();
    try {
      Coordinator coordinator = Coordinator.start(vertx, config).await();
      System.out.printf("coordinator listening on %s (run %s): %s, %d rounds, min %d clients, %s%n",
          coordinator.url(), coordinator.runId(), config.model().describe(), config.rounds(), config.minClients(),
          config.secureAggregation().enabled() ? "secure aggregation" : "PLAINTEXT updates (secure aggregation off)");
      config.checkpoints().directory().ifPresent(dir -> System.out.printf(
          "checkpoints: %s (resume this run after a crash with --resume %s)%n", dir.resolve(coordinator.runId()),
          coordinator.runId()));
      coordinator.clusterStatus().ifPresent(c -> System.out.printf("cluster member %s (%s) of %d: %s%n",
          c.localMemberId(), c.members().stream().filter(m -> m.local()).findFirst().map(m -> m.address())
              .orElse("?"), c.members().size(), coordinator.driving() ? "drives the run" : "standing by"));
      System.out.printf("model API: %s/v1/models (Authorization: Bearer %s)%n", coordinator.url(),
          apiToken != null ? "<your --api-token>" : coordinator.apiToken());
      System.out.printf("dashboard: %s/dashboard#token=%s%n", coordinator.url(),
          apiToken != null ? "<your --api-token>" : coordinator.apiToken());
      tls.announce(coordinator, tlsSettings, System.out, System.err);
      System.out.flush();
      coordinator.onRound(r -> System.out.println(line(r)));
      List<RoundRecord> rounds = coordinator.completion().await();
      long completed = rounds.stream().filter(RoundRecord::completed).count();
      System.out.printf("run finished: %d of %d rounds completed, final model version %d%n", completed,
          rounds.size(), rounds.get(rounds.size() - 1).modelVersion());
      // Give clients a poll cycle to hear that the run finished before the server goes away.
      Thread.sleep(Math.min(2000, config.pollWait().toMillis()));
      coordinator.close().await();
      return completed == rounds.size() ? 0 : 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } finally {
      vertx.close().await();
    }
  }

  private static String line(RoundRecord r) {
    String s = String.format("round %d: %s, %d/%d clients, %d examples, train loss %.4f, %.3fs, model v%d", r.round(),
        r.completed() ? "aggregated" : "FAILED (" + r.failureReason() + ")", r.accepted(), r.invited(), r.examples(),
        r.trainLoss(), r.seconds(), r.modelVersion());
    s += ", " + RunReporter.traffic(r.bytesUp(), r.bytesDown());
    if (r.federatedEvaluation() != null) {
      s += String.format(", federated accuracy %.4f over %d clients", r.federatedEvaluation().accuracy(),
          r.federatedEvaluation().clients());
    }
    return s;
  }
}
