package io.cohort.cli;

import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.simulation.Heterogeneity;
import io.cohort.simulation.SimulatedClients;
import io.cohort.simulation.Simulation;
import io.cohort.simulation.SimulationConfig;
import io.cohort.simulation.data.CsvData;
import io.cohort.simulation.data.FashionMnistData;
import io.cohort.tribuo.FeatureMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cohort simulate}: a coordinator and N clients in this JVM, over loopback HTTP, on Fashion-MNIST or a tabular
 * CSV ({@code --data csv:PATH --label COLUMN}).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Simulate a federation on Fashion-MNIST or a tabular CSV (--data csv:PATH --label COLUMN): an "
        + "in-process coordinator and N SDK clients talking over the real protocol on loopback. Writes "
        + "OUT/metrics.csv, OUT/accuracy.png and OUT/summary.json.")
final class SimulateCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec commandSpec;
  @Mixin ModelOptions modelOptions;
  @Mixin RoundOptions roundOptions;
  @Mixin SecureAggregationOptions secureAggregation;
  @Mixin DifferentialPrivacyOptions differentialPrivacy;
  @Mixin SimulationTlsOptions tls;
  @Mixin CompressionOptions compression;

  @Option(names = "--dropout", defaultValue = "0",
      description = "probability that a sampled client crashes at a random stage of a round and restarts "
          + "(default: ${DEFAULT-VALUE})")
  double dropout;

  @Option(names = "--stragglers", paramLabel = "FRACTION:FACTOR",
      description = "that share of the clients (a seeded choice, fixed for the run) is FACTOR times slower: after "
          + "each local training such a client waits (FACTOR - 1) x the time the training took; e.g. 0.3:3")
  String stragglers;

  @Option(names = "--offline", defaultValue = "0", paramLabel = "P",
      description = "in each round each client is offline with probability P (seeded by seed, client and round): "
          + "it leaves the round's tasks unanswered, and the deadline or --over-select deals with it "
          + "(default: ${DEFAULT-VALUE})")
  double offline;

  @Option(names = "--clients", defaultValue = "10", description = "simulated clients (default: ${DEFAULT-VALUE})")
  int clients;

  @Option(names = "--partition", defaultValue = "iid",
      description = "iid, dirichlet:ALPHA, shards:K or labels:K (default: ${DEFAULT-VALUE})")
  String partition;

  @Option(names = "--out", description = "output directory (default: runs/simulate-TIMESTAMP)")
  Path out;

  @Mixin DataOptions data;

  @Option(names = "--poison", paramLabel = "FRACTION[:SCALE]",
      description = "robustness study: that share of the clients (the first by index) send their update "
          + "sign-flipped and scaled, e.g. 0.2:10; plaintext updates in one JVM only")
  String poison;

  @Option(names = "--trainers", description = "trainings at once per JVM: a pool of ND4J trainers shared by the "
      + "clients (default: number of cores)")
  Integer trainers;

  @Option(names = "--workers", defaultValue = "0",
      description = "worker JVMs that run the simulated clients, each a share; they join this JVM over Hazelcast on "
          + "loopback (default: ${DEFAULT-VALUE}: the clients run in this JVM)")
  int workerJvms;

  @Option(names = "--train-limit", defaultValue = "0", description = "use only the first N training examples")
  int trainLimit;

  @Option(names = "--test-limit", defaultValue = "0", description = "use only the first N test examples")
  int testLimit;

  @Option(names = "--no-progress", description = "no progress bar (it is also off when output is not a terminal)")
  boolean noProgress;

  private Heterogeneity heterogeneity() {
    Heterogeneity h = Heterogeneity.NONE.withOffline(offline);
    return stragglers == null ? h : h.withStragglers(stragglers);
  }

  @Override
  public Integer call() throws Exception {
    if (configOptions.print) {
      ConfigFiles.print(commandSpec, commandSpec.commandLine().getOut());
      return 0;
    }
    Path dir = out != null ? out : Path.of("runs", "simulate-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Path csv = data.csv();
    CsvData table = null;
    ModelArchitecture model;
    if (csv != null) {
      table = CsvData.load(csv, data.label, roundOptions.seed);
      FeatureMapping m = table.mapping();
      System.out.printf("%s: %d rows; features (in input order) %s; labels (class 0 first) %s%n", csv,
          table.data().train().size() + table.data().test().size(), m.featureNames(), m.labelNames());
      model = modelOptions.architecture(List.of(m.featureCount()), m.classCount());
    } else {
      model = modelOptions.architecture();
    }
    SimulationConfig config = new SimulationConfig(clients, roundOptions.fraction, roundOptions.minClients,
        roundOptions.rounds, partition, model, modelOptions.train(roundOptions.strategy), roundOptions.seed, dir,
        data.directory(), data.verify(), data.download, trainers != null ? trainers : Runtime.getRuntime().availableProcessors(),
        roundOptions.evaluateEvery, Duration.ofSeconds(roundOptions.roundTimeoutSeconds), trainLimit, testLimit,
        secureAggregation.settings(false, 60_000), dropout,
        differentialPrivacy.config(Math.ceil(roundOptions.fraction * clients)), workerJvms, roundOptions.strategy,
        poison == null ? SimulatedClients.Poisoning.NONE : SimulatedClients.Poisoning.parse(poison),
        compression.settings(), java.util.Optional.ofNullable(roundOptions.async()), heterogeneity(),
        roundOptions.overSelect, modelOptions.init);
    try (RunReporter reporter = new RunReporter(config, Versions.all(), !noProgress && System.console() != null)) {
      FashionMnistData tabular = table == null ? null : table.data();
      Simulation simulation = tabular == null ? new Simulation(config, reporter, tls.insecure(System.err))
          : new Simulation(config, reporter, tls.insecure(System.err), () -> tabular);
      boolean allCompleted = simulation.run().stream().allMatch(r -> r.record().completed());
      return allCompleted ? 0 : 1; // like `cohort coordinator`: 1 when a round failed
    }
  }
}
