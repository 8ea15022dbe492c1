package io.cohort.cli;

import io.cohort.coordinator.CheckpointSettings;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Checkpoint and resume options of {@code coordinator}. */
final class CheckpointOptions {
  @Option(names = "--checkpoint-dir",
      description = "where each run's finished rounds are checkpointed, as DIR/RUN_ID/round-NNNNNN.ckpt "
          + "(default: ~/.cohort/coordinator/runs)")
  Path directory;

  @Option(names = "--no-checkpoints", description = "do not checkpoint (a crash loses the run)")
  boolean off;

  @Option(names = "--keep-checkpoints", defaultValue = "3",
      description = "checkpoints kept per run, newest first (default: ${DEFAULT-VALUE})")
  int keep;

  @Option(names = "--resume", arity = "0..1", fallbackValue = "",
      description = "resume a checkpointed run at the round after its newest good checkpoint: RUN_ID, or the most "
          + "recently checkpointed run when none is given (a corrupt or truncated checkpoint is reported and skipped)")
  String resume;

  CheckpointSettings settings() {
    if (off) {
      if (resume != null) {
        throw new IllegalArgumentException("--resume needs checkpoints; drop --no-checkpoints");
      }
      return CheckpointSettings.none();
    }
    Path dir = directory != null ? directory
        : Path.of(System.getProperty("user.home"), ".cohort", "coordinator", "runs");
    CheckpointSettings s = new CheckpointSettings(Optional.of(dir), keep, false, Optional.empty());
    return resume == null ? s : s.resuming(resume);
  }
}
