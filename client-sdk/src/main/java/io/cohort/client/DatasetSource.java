package io.cohort.client;

import java.io.IOException;

/**
 * Where a client's private examples come from. The SDK calls {@link #load()} when it needs the data (for training
 * and for evaluation), so a source can read fresh data each round or return the same dataset every time.
 */
@FunctionalInterface
public interface DatasetSource {
  /** The examples to train on. */
  LocalDataset load() throws IOException;

  /** The examples held out for federated evaluation; by default the training examples. */
  default LocalDataset loadEvaluation() throws IOException {
    return load();
  }

  /** A source that always returns the given datasets. */
  static DatasetSource of(LocalDataset train, LocalDataset evaluation) {
    return new DatasetSource() {
      @Override
      public LocalDataset load() {
        return train;
      }

      @Override
      public LocalDataset loadEvaluation() {
        return evaluation;
      }
    };
  }
}
