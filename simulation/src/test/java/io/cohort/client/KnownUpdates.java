package io.cohort.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Federations of SecureAggregationIT's known updates in plain rounds, for the tests that kill, cut or starve the
 * coordinator: the SDK clients that send them, and the exact model any number of rounds of them must give.
 */
final class KnownUpdates {
  private KnownUpdates() {}

  /** The model after {@code rounds} FedAvg rounds of the first {@code clients} known updates, from {@code start}. */
  static float[] after(float[] start, int clients, int rounds) {
    float[] model = start.clone();
    double total = 0;
    for (int i = 0; i < clients; i++) {
      total += SecureAggregationIT.examples(i);
    }
    for (int r = 0; r < rounds; r++) {
      for (int j = 0; j < model.length; j++) {
        double mean = 0;
        for (int i = 0; i < clients; i++) {
          mean += SecureAggregationIT.examples(i) * (double) SecureAggregationIT.delta(i)[j] / total;
        }
        model[j] = (float) (model[j] + mean);
      }
    }
    return model;
  }

  /**
   * Runs client {@code i} (named {@code c<i>}, its known number of examples) against {@code http://127.0.0.1:port}
   * on {@code threads}, in the clear, retrying up to {@code attempts} times so that it outlives a coordinator restart.
   */
  static CompletableFuture<ClientReport> client(int port, int i, LocalTrainer trainer, int attempts,
      ExecutorService threads) {
    int n = SecureAggregationIT.examples(i);
    LocalDataset data = LocalDataset.of(new float[n * 8], new int[n], List.of(8), 2);
    CohortClient client = CohortClient.builder().coordinator(URI.create("http://127.0.0.1:" + port))
        .name("c" + i).data(DatasetSource.of(data, data)).trainer(trainer)
        .requireSecureAggregation(false).insecure()
        .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), attempts))
        .pollWait(Duration.ofSeconds(1)).build();
    return CompletableFuture.supplyAsync(client::run, threads);
  }
}
