package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.nd4j.Nd4jTrainer;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.model.Inference;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Optimizer;
import io.cohort.testing.GeneratedCsv;
import io.cohort.tribuo.CohortModel;
import io.cohort.tribuo.FeatureMapping;
import io.cohort.tribuo.FeatureWeight;
import io.cohort.tribuo.TopFeatures;
import io.cohort.tribuo.TribuoData;
import io.cohort.tribuo.TribuoExplanations;
import io.cohort.tribuo.TribuoModels;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Tribuo in, Tribuo out, end to end: a CSV read with Tribuo's CSVLoader is split into a held-out part and three shards;
 * three SDK clients (ND4J trainer) federate the shards through {@link TribuoDatasetSource} against a real coordinator;
 * the final global model is exported as a Tribuo {@code Model<Label>}, scored by Tribuo's {@link LabelEvaluator} on the
 * held-out part, checked against {@link Inference}, and explained with LIME.
 */
class TribuoFederationIT {
  private static final LabelFactory LABELS = new LabelFactory();
  private static final int CLIENTS = 3;
  private static final int ROUNDS = 4;

  @TempDir Path dir;

  @Test
  void federateCsvThroughTribuo_exportToTribuo_evaluatesPredictsAndExplains() throws Exception {
    MutableDataset<Label> all = TribuoData.readCsv(GeneratedCsv.copyTo(dir), GeneratedCsv.LABEL);
    // The federation's agreed schema: every client and the export use this one mapping.
    FeatureMapping mapping = FeatureMapping.of(all);
    List<Example<Label>> examples = new ArrayList<>(all.getData());
    Collections.shuffle(examples, new Random(17));
    MutableDataset<Label> heldOut = dataset("held-out", examples.subList(0, 60));
    List<MutableDataset<Label>> shards = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      shards.add(dataset("shard " + i, examples.subList(60 + i * 80, 60 + (i + 1) * 80)));
    }
    ModelArchitecture model = ModelArchitecture.logreg(List.of(mapping.featureCount()), mapping.classCount());

    Vertx vertx = Vertx.vertx();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    float[] global;
    try (Nd4jTrainer trainer = new Nd4jTrainer()) {
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(model).rounds(ROUNDS)
          .minClients(CLIENTS).train(new TrainSettings(2, 16, 0.1, Optimizer.SGD, 0.9, 0))
          .secureAggregation(SecureAggregationSettings.off()).pollWait(Duration.ofSeconds(1)).build()).await();
      List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        CohortClient client = CohortClient.builder().coordinator(URI.create(coordinator.url())).name("tribuo-" + i)
            .data(TribuoDatasetSource.of(shards.get(i), mapping))
            .trainer(new ClientResilienceIT.SyncTrainer(trainer))
            .trustedCoordinatorCa(coordinator.caCertificate()).enrolmentToken(coordinator.issueEnrolmentToken())
            .requireSecureAggregation(false).pollWait(Duration.ofSeconds(1)).build();
        runs.add(CompletableFuture.supplyAsync(client::run, pool));
      }
      List<RoundRecord> rounds = coordinator.completion().toCompletionStage().toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
      for (CompletableFuture<ClientReport> run : runs) {
        assertThat(run.get(30, TimeUnit.SECONDS).roundsTrained()).isEqualTo(ROUNDS);
      }
      assertThat(rounds).hasSize(ROUNDS).allMatch(RoundRecord::completed);
      global = rounds.get(ROUNDS - 1).parameters();
      coordinator.close().await();
    } finally {
      pool.shutdownNow();
      vertx.close().await();
    }

    // Export, with the first shard (this party's own data) as LIME's reference statistics.
    CohortModel tribuoModel = TribuoModels.export(model, global, mapping, shards.get(0));

    LabelEvaluation evaluation = new LabelEvaluator().evaluate(tribuoModel, heldOut);
    assertThat(evaluation.accuracy()).isGreaterThan(0.8); // chance is 1/3
    assertThat(evaluation.macroAveragedF1()).isGreaterThan(0.8);

    Inference inference = new Inference(model, global);
    for (Prediction<Label> p : tribuoModel.predict(heldOut)) {
      double[] expected = inference.probabilities(mapping.row(p.getExample()));
      for (int c = 0; c < expected.length; c++) {
        assertThat(p.getOutputScores().get(mapping.labelNames().get(c)).getScore()).isEqualTo(expected[c]);
      }
      assertThat(p.getOutput().getLabel()).isEqualTo(mapping.labelNames().get(inference.predict(
          mapping.row(p.getExample()))));
    }

    Example<Label> first = heldOut.getExample(0);
    TopFeatures explanation = TribuoExplanations.explain(tribuoModel, first, 2, 3);
    assertThat(explanation.label()).isEqualTo(tribuoModel.predict(first).getOutput().getLabel());
    assertThat(explanation.features()).isNotEmpty().hasSizeLessThanOrEqualTo(2);
    // The CSV's signal is in alpha, beta and gamma; the noise columns must not lead an explanation.
    assertThat(explanation.features().get(0).feature()).isIn("alpha", "beta", "gamma");
    assertThat(explanation.features()).extracting(FeatureWeight::weight).allMatch(w -> w != 0 && Double.isFinite(w));
  }

  private static MutableDataset<Label> dataset(String name, List<Example<Label>> examples) {
    MutableDataset<Label> d = new MutableDataset<>(new SimpleDataSourceProvenance(name, LABELS), LABELS);
    d.addAll(examples);
    return d;
  }
}
