package io.cohort.coordinator;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and whether a coordinator checkpoints its run, and whether it resumes one.
 *
 * <p>Checkpoints of run R go to {@code directory/R/round-NNNNNN.ckpt}, one per finished round, written atomically;
 * the newest {@code keep} are kept. Resuming is explicit ({@code --resume}): the coordinator takes the newest good
 * checkpoint of run {@code resumeRun}, or of the most recently written run when that is empty, and continues at the
 * next round; a corrupt or truncated checkpoint is reported and the one before it used.
 *
 * @param directory where runs' checkpoint directories live, or empty for no checkpoints
 * @param keep checkpoints kept per run (at least 2)
 * @param resume whether to resume a checkpointed run instead of starting a new one
 * @param resumeRun the run to resume, or empty for the most recent
 */
public record CheckpointSettings(Optional<Path> directory, int keep, boolean resume, Optional<String> resumeRun) {
  public CheckpointSettings {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(resumeRun, "resumeRun");
    if (keep < 2) {
      throw new IllegalArgumentException("checkpoints kept must be at least 2 (a fallback for a corrupt newest one), "
          + "got " + keep);
    }
    if (resume && directory.isEmpty()) {
      throw new IllegalArgumentException("resume needs a checkpoint directory to resume from");
    }
  }

  /** No checkpoints (the library default; the {@code coordinator} command checkpoints). */
  public static CheckpointSettings none() {
    return new CheckpointSettings(Optional.empty(), 3, false, Optional.empty());
  }

  /** Checkpoints under {@code directory}, the newest 3 kept, starting a new run. */
  public static CheckpointSettings in(Path directory) {
    return new CheckpointSettings(Optional.of(directory), 3, false, Optional.empty());
  }

  /** This, resuming run {@code run} (null or empty: the most recent run). */
  public CheckpointSettings resuming(String run) {
    return new CheckpointSettings(directory, keep, true,
        run == null || run.isBlank() ? Optional.empty() : Optional.of(run));
  }
}
