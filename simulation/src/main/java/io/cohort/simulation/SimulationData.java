package io.cohort.simulation;

import io.cohort.simulation.data.FashionMnistData;
import java.io.IOException;

/**
 * Where a {@link Simulation}'s examples come from: a training split (dealt out to the clients), a test split (central
 * evaluation, and each client's held-out share) and the class names. By default Fashion-MNIST; {@link
 * io.cohort.simulation.data.CsvData} reads a tabular CSV through Tribuo.
 */
@FunctionalInterface
public interface SimulationData {
  /** Loads the splits (blocking I/O). */
  FashionMnistData load() throws IOException;
}
