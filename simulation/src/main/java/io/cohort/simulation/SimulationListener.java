package io.cohort.simulation;

import io.cohort.coordinator.CoordinatorConfig;
import java.nio.file.Path;
import java.util.List;

/** Hears what a {@link Simulation} does; the CLI's implementation prints and writes the output files. */
public interface SimulationListener {
  /** The data set was loaded from {@code source}. */
  default void onData(Path source, int trainExamples, int testExamples) {}

  /** The training set was split; {@code parts[i]} holds client i's example indices. */
  default void onPartition(int[][] parts, int[] labels, int numClasses) {}

  /** The coordinator listens at {@code url}. */
  default void onStart(String url, CoordinatorConfig config) {}

  /** A round finished and was evaluated. */
  default void onRound(RoundResult result) {}

  /** The run finished; the last result holds the final model's scores. */
  default void onFinish(List<RoundResult> results) {}
}
