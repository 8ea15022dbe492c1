package io.cohort.coordinator.round;

import io.cohort.coordinator.CheckpointSettings;
import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.checkpoint.CheckpointStore;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.CheckpointHeader;
import io.cohort.protocol.v1.PrivacyState;
import io.cohort.protocol.v1.RoundSummary;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The checkpoints of one run: converts the driver's state to and from {@link Checkpoint}s and writes them with a
 * {@link CheckpointStore} under {@code directory/runId}. Blocking I/O: use from worker threads.
 */
public final class RunCheckpoints {
  private final CheckpointStore store;

  RunCheckpoints(Path directory, String runId, int keep) {
    this.store = new CheckpointStore(directory.resolve(runId), keep);
  }

  /** A run restored from its newest good checkpoint, and the newer files skipped as corrupt. */
  public record Restored(String runId, Checkpoint checkpoint, List<CheckpointStore.Skipped> skipped) {
    /** The round history as the driver keeps it (without per-round parameters). */
    List<RoundRecord> history() {
      return historyOf(checkpoint);
    }

    /** The round history {@code checkpoint} records (without per-round parameters). */
    public static List<RoundRecord> historyOf(Checkpoint checkpoint) {
      List<RoundRecord> out = new ArrayList<>();
      for (RoundSummary r : checkpoint.header().getHistoryList()) {
        out.add(new RoundRecord(r.getRound(), r.getCompleted(), r.getInvited(), r.getAccepted(), List.of(),
            r.getExamples(), r.getTrainLoss(), r.getSeconds(), r.getModelVersion(), null, null,
            r.getFailureReason().isEmpty() ? null : r.getFailureReason(), r.getEpsilon(), r.getClipNorm(),
            r.getBytesUp(), r.getBytesDown()));
      }
      return out;
    }

    /** Rounds finished before the checkpoint; the run resumes at the next. */
    public int roundsDone() {
      return checkpoint.header().getRoundsDone();
    }

    Optional<PrivacyState> privacy() {
      return checkpoint.header().hasPrivacy() ? Optional.of(checkpoint.header().getPrivacy()) : Optional.empty();
    }
  }

  /**
   * Finds the run to resume (the one named in {@code settings}, else the one written to most recently) and reads its
   * newest good checkpoint.
   *
   * @throws IOException if there is nothing to resume, saying where it looked and what was skipped
   */
  public static Restored resume(CheckpointSettings settings, ModelArchitecture expectedModel) throws IOException {
    Path base = settings.directory().orElseThrow();
    Path runDir = settings.resumeRun().map(base::resolve).orElse(mostRecentRun(base));
    if (runDir == null || !Files.isDirectory(runDir)) {
      throw new IOException("nothing to resume: no run " + settings.resumeRun().map(r -> "'" + r + "' ").orElse("")
          + "has checkpoints under " + base + "; start without --resume to begin a new run");
    }
    CheckpointStore.Loaded loaded = new CheckpointStore(runDir, settings.keep()).loadLatest();
    if (loaded.checkpoint().isEmpty()) {
      throw new IOException("no good checkpoint in " + runDir + (loaded.skipped().isEmpty() ? ""
          : "; skipped as corrupt: " + loaded.skipped()) + "; start without --resume to begin a new run");
    }
    Checkpoint c = loaded.checkpoint().get();
    ModelArchitecture saved = ModelArchitecture.fromProto(c.header().getModel());
    if (!saved.equals(expectedModel)) {
      throw new IOException("the checkpointed run trains " + saved.describe() + " but this coordinator is configured "
          + "for " + expectedModel.describe() + "; resume with the run's model flags");
    }
    return new Restored(c.header().getRunId(), c, loaded.skipped());
  }

  private static Path mostRecentRun(Path base) throws IOException {
    if (!Files.isDirectory(base)) {
      return null;
    }
    Path best = null;
    FileTime bestTime = null;
    try (DirectoryStream<Path> runs = Files.newDirectoryStream(base, Files::isDirectory)) {
      for (Path run : runs) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(run, "round-*.ckpt")) {
          for (Path f : files) {
            FileTime t = Files.getLastModifiedTime(f);
            if (bestTime == null || t.compareTo(bestTime) > 0) {
              best = run;
              bestTime = t;
            }
          }
        }
      }
    }
    return best;
  }

  /** Writes {@code checkpoint} (see {@link #of}). */
  Path write(Checkpoint checkpoint) throws IOException {
    return store.write(checkpoint);
  }

  /** A run's state before its first round: the initial model as version 0, no history. */
  public static Checkpoint of(String runId, ModelArchitecture architecture, float[] initial) {
    return of(runId, 0, new GlobalModel(0, initial, List.of(), 0), architecture, List.of(), Optional.empty());
  }

  /** The run state after {@code roundsDone} rounds, as a checkpoint. */
  static Checkpoint of(String runId, int roundsDone, GlobalModel model, ModelArchitecture architecture,
      List<RoundRecord> history, Optional<PrivacyState> privacy) {
    return of(runId, roundsDone, model, architecture, history, privacy, new byte[0]);
  }

  /** The run state after {@code roundsDone} rounds, with the strategy's state across rounds. */
  static Checkpoint of(String runId, int roundsDone, GlobalModel model, ModelArchitecture architecture,
      List<RoundRecord> history, Optional<PrivacyState> privacy, byte[] strategyState) {
    CheckpointHeader.Builder header = CheckpointHeader.newBuilder()
        .setRunId(runId)
        .setRoundsDone(roundsDone)
        .setModelVersion(model.version())
        .setModel(architecture.toProto())
        .setTotalElements(model.parameters().length)
        .setWrittenUnixMs(System.currentTimeMillis());
    for (RoundRecord r : history) {
      header.addHistory(RoundSummary.newBuilder()
          .setRound(r.round())
          .setCompleted(r.completed())
          .setInvited(r.invited())
          .setAccepted(r.accepted())
          .setExamples(r.examples())
          .setTrainLoss(r.trainLoss())
          .setSeconds(r.seconds())
          .setModelVersion(r.modelVersion())
          .setFailureReason(r.failureReason() == null ? "" : r.failureReason())
          .setEpsilon(r.epsilon())
          .setClipNorm(r.clipNorm())
          .setBytesUp(r.bytesUp())
          .setBytesDown(r.bytesDown()));
    }
    privacy.ifPresent(header::setPrivacy);
    header.setStrategyState(com.google.protobuf.ByteString.copyFrom(strategyState));
    return new Checkpoint(header.build(), model.parameters());
  }
}
