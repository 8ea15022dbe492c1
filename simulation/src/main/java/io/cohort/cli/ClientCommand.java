package io.cohort.cli;

import io.cohort.client.ClientReport;
import io.cohort.client.CohortClient;
import io.cohort.client.DatasetSource;
import io.cohort.client.LocalDataset;
import io.cohort.simulation.ClientShards;
import io.cohort.simulation.data.FashionMnist;
import io.cohort.simulation.data.FashionMnistData;
import io.cohort.simulation.partition.Partitioners;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cohort client}: one federation member in its own process. Its private data is one shard of an IDX image
 * data set (a stand-in for an organisation's own data); it trains on it locally and sends only model updates.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
    description = "Run one client: enrol with the coordinator once (--ca, --enrol-token), then train on local data "
        + "each round it is sampled, over mutual TLS.")
final class ClientCommand implements Callable<Integer> {
  @Option(names = "--coordinator", required = true, split = ",", paramLabel = "URL[,URL...]",
      description = "the coordinator's URL, e.g. https://127.0.0.1:7000 (http:// with --insecure); for a cluster, "
          + "every node's URL, comma-separated: the client follows redirects to the driving node and fails over")
  List<URI> coordinators;

  @Mixin ConfigOptions configOptions;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec commandSpec;
  @Mixin DataOptions data;
  @Mixin ClientTlsOptions tls;

  @Option(names = "--secure-agg", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "require secure aggregation: never send an update in the clear (default: ${DEFAULT-VALUE}; "
          + "--no-secure-agg to join a coordinator that runs without it)")
  boolean requireSecureAggregation;

  @Option(names = "--shard", defaultValue = "0/1",
      description = "which part of the training set is this client's: INDEX/COUNT (default: ${DEFAULT-VALUE})")
  String shard;

  @Option(names = "--partition", defaultValue = "iid",
      description = "how the training set is split into COUNT shards: iid, dirichlet:ALPHA, shards:K, labels:K (default: ${DEFAULT-VALUE})")
  String partition;

  @Option(names = "--partition-seed", defaultValue = "1", description = "seed of the split (default: ${DEFAULT-VALUE})")
  long partitionSeed;

  @Option(names = "--name", description = "stable client name (default: client-INDEX)")
  String name;

  @Override
  public Integer call() throws Exception {
    if (configOptions.print) {
      ConfigFiles.print(commandSpec, commandSpec.commandLine().getOut());
      return 0;
    }
    String[] parts = shard.split("/");
    int index;
    int count;
    try {
      index = Integer.parseInt(parts[0]);
      count = Integer.parseInt(parts[1]);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--shard must be INDEX/COUNT such as 2/10, got '" + shard + "'");
    }
    if (parts.length != 2 || count < 1 || index < 0 || index >= count) {
      throw new IllegalArgumentException("--shard must be INDEX/COUNT with 0 <= INDEX < COUNT, got '" + shard + "'");
    }
    Partitioners.parse(partition); // fail on a bad spec before loading data
    if (data.csv() != null) {
      throw new IllegalArgumentException("--data csv: is for `cohort simulate`; a client process holds an image"
          + " shard (embed the SDK with TribuoDatasetSource for tabular data)");
    }
    String clientName = name != null ? name : String.format("client-%05d", index);
    CohortClient.Builder builder = tls.apply(CohortClient.builder(), clientName, System.err);
    FashionMnistData all = FashionMnist.load(data.directory(), data.verify(), data.download);
    ClientShards shards = ClientShards.split(all.train(), all.test(), partition, count, partitionSeed);
    LocalDataset train = shards.train(index);
    LocalDataset heldOut = shards.heldOut(index);
    System.out.printf("%s: %d training and %d held-out examples from %s; coordinator %s%n", clientName, train.size(),
        heldOut.size(), all.source(), coordinators);
    try (CohortClient client = builder.coordinators(coordinators).name(clientName)
        .data(DatasetSource.of(train, heldOut)).requireSecureAggregation(requireSecureAggregation).build()) {
      Thread leaveOnCtrlC = new Thread(client::stop);
      Runtime.getRuntime().addShutdownHook(leaveOnCtrlC);
      try {
        ClientReport report = client.run();
        System.out.printf("%s: finished (%s): %d updates accepted, %d refused, %d evaluations%n", clientName,
            report.finishReason(), report.roundsTrained(), report.updatesRejected(), report.evaluations());
        return 0;
      } finally {
        Runtime.getRuntime().removeShutdownHook(leaveOnCtrlC);
      }
    }
  }
}
