package io.cohort.fuzz.targets;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.checkpoint.CheckpointStore;
import io.cohort.coordinator.checkpoint.CorruptCheckpointException;
import io.cohort.coordinator.round.RunCheckpoints;
import io.cohort.fuzz.Seeds;
import io.cohort.protocol.Frames;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.AccountantSegment;
import io.cohort.protocol.v1.CheckpointHeader;
import io.cohort.protocol.v1.CheckpointTrailer;
import io.cohort.protocol.v1.PrivacyState;
import io.cohort.protocol.v1.RoundSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The coordinator's checkpoint files as {@code --resume} finds them: the input is the bytes of a checkpoint file,
 * written as {@code round-000001.ckpt} into a directory that a {@link CheckpointStore} then loads
 * ({@link CheckpointStore#loadLatest}). The first byte picks how: even, the rest is the whole file as is; odd, the rest
 * is the file without its checksum trailer and the target appends the trailer that matches (as a faulty writer or a
 * deliberate edit would), so that mutations of the header and the model reach the checks after the checksum and the
 * loaded checkpoint.
 *
 * <p>Allowed: the file skipped as corrupt ({@link CorruptCheckpointException}, reported by the store as a skipped
 * file) with a reason that says more than the file's name. A finding: any other exception or error (an
 * {@link OutOfMemoryError} for a header that declares a huge model, a protobuf or I/O exception leaking), or a
 * checkpoint that loads but breaks what the loader verifies: a format version other than 1, a model spec that does not
 * parse, a parameter count other than the model's or the header's, a non-finite parameter, or a checkpoint that the
 * store's own writer cannot write again and read back equal.
 */
public final class CheckpointFuzz {
  /** The first-byte parity that appends a matching checksum trailer to the rest of the input. */
  public static final int SEALED = 1;

  private static final Path DIR;
  private static final Path FILE;
  private static final CheckpointStore STORE;
  private static final CheckpointStore REWRITE;

  static {
    try {
      // tmpfs where there is one: the rewrite check forces each file to disk
      Path shm = Path.of("/dev/shm");
      Path base = Files.isDirectory(shm) && Files.isWritable(shm)
          ? Files.createTempDirectory(shm, "cohort-checkpoint-fuzz-")
          : Files.createTempDirectory("cohort-checkpoint-fuzz-");
      DIR = Files.createDirectories(base.resolve("run"));
      FILE = DIR.resolve("round-000001.ckpt");
      STORE = new CheckpointStore(DIR, 2);
      REWRITE = new CheckpointStore(base.resolve("rewrite"), 2);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(base)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private CheckpointFuzz() {}

  /**
   * Seed inputs: checkpoints written by the store's own writer (a logistic regression with history, an MLP with a
   * privacy ledger and strategy state, a CNN), each whole and, sealed, without its trailer.
   */
  public static Map<String, byte[]> seeds() {
    List<Checkpoint> checkpoints = List.of(
        checkpoint(ModelArchitecture.logreg(List.of(4), 3), 2, null, new byte[0]),
        checkpoint(new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(6), 3, List.of(5), List.of()), 3,
            PrivacyState.newBuilder().setClipNorm(0.8)
                .addSegments(AccountantSegment.newBuilder().setNoiseMultiplier(1.1).setSampleRate(0.1).setSteps(3))
                .build(),
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8}),
        checkpoint(new ModelArchitecture(ModelArchitecture.Kind.CNN, List.of(1, 12, 12), 2, List.of(), List.of(2)),
            1, null, new byte[0]));
    List<String> names = List.of("logreg", "mlp-privacy-strategy", "cnn");
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    try {
      Path dir = Files.createTempDirectory("cohort-checkpoint-seeds-");
      try {
        for (int i = 0; i < checkpoints.size(); i++) {
          byte[] file = Files.readAllBytes(new CheckpointStore(dir.resolve(names.get(i)), 2)
              .write(checkpoints.get(i)));
          seeds.put(names.get(i), Seeds.tagged(0, file));
          seeds.put(names.get(i) + "-sealed", Seeds.tagged(SEALED, Arrays.copyOf(file, file.length - trailerBytes())));
        }
      } finally {
        deleteTree(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return seeds;
  }

  private static Checkpoint checkpoint(ModelArchitecture model, int rounds, PrivacyState privacy, byte[] strategy) {
    float[] parameters = model.initialParameters(rounds);
    CheckpointHeader.Builder header = CheckpointHeader.newBuilder()
        .setRunId("run-20240101-000000")
        .setRoundsDone(rounds)
        .setModelVersion(rounds)
        .setModel(model.toProto())
        .setTotalElements(parameters.length)
        .setWrittenUnixMs(1_700_000_000_000L)
        .setStrategyState(ByteString.copyFrom(strategy));
    for (int r = 1; r <= rounds; r++) {
      header.addHistory(RoundSummary.newBuilder().setRound(r).setCompleted(r != 2).setInvited(4).setAccepted(r != 2
          ? 3 : 0).setExamples(r != 2 ? 300 : 0).setTrainLoss(1.0 / r).setSeconds(0.25).setModelVersion(r)
          .setFailureReason(r != 2 ? "" : "too few updates: 0 of 3").setEpsilon(privacy == null ? Double.NaN : 0.5 * r)
          .setClipNorm(privacy == null ? Double.NaN : 0.8).setBytesUp(1234).setBytesDown(5678));
    }
    if (privacy != null) {
      header.setPrivacy(privacy);
    }
    return new Checkpoint(header.build(), parameters);
  }

  /** Bytes of the trailer frame: a 4-byte prefix and a message holding one 32-byte digest. */
  private static int trailerBytes() {
    return Frames.encode(CheckpointTrailer.newBuilder().setSha256(ByteString.copyFrom(new byte[32])).build()).length;
  }

  public static void fuzzerTestOneInput(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    Files.write(FILE, (input[0] & 1) == SEALED ? seal(body) : body);
    CheckpointStore.Loaded loaded = STORE.loadLatest();
    if (loaded.checkpoint().isEmpty()) {
      if (loaded.skipped().size() != 1 || !loaded.skipped().get(0).file().equals(FILE)) {
        throw new AssertionError("one checkpoint file that does not load must be reported skipped once: "
            + loaded.skipped());
      }
      String reason = loaded.skipped().get(0).reason();
      if (reason == null || reason.replace(FILE.toString(), "").isBlank()) {
        throw new AssertionError("a skipped checkpoint's reason says nothing beyond its name: " + reason);
      }
      return;
    }
    if (!loaded.skipped().isEmpty()) {
      throw new AssertionError("a checkpoint both loaded and was skipped: " + loaded.skipped());
    }
    verify(loaded.checkpoint().get());
  }

  /** {@code body} followed by the trailer frame holding its SHA-256. */
  private static byte[] seal(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      byte[] trailer = Frames.encode(CheckpointTrailer.newBuilder().setSha256(ByteString.copyFrom(digest)).build());
      byte[] out = Arrays.copyOf(body, body.length + trailer.length);
      System.arraycopy(trailer, 0, out, body.length, trailer.length);
      return out;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }

  /** What the loader promises of a checkpoint it returns. */
  private static void verify(Checkpoint c) throws IOException {
    CheckpointHeader header = c.header();
    if (header.getFormatVersion() != 1) {
      throw new AssertionError("loaded a checkpoint of format version " + header.getFormatVersion());
    }
    ModelArchitecture model;
    try {
      model = ModelArchitecture.fromProto(header.getModel());
    } catch (IllegalArgumentException e) {
      throw new AssertionError("loaded a checkpoint whose model spec does not parse: " + e.getMessage(), e);
    }
    if (model.parameterCount() != c.parameters().length || header.getTotalElements() != c.parameters().length) {
      throw new AssertionError("loaded " + c.parameters().length + " parameters; the header says "
          + header.getTotalElements() + " and the model " + model.describe() + " has " + model.parameterCount());
    }
    for (int i = 0; i < c.parameters().length; i++) {
      if (!Float.isFinite(c.parameters()[i])) {
        throw new AssertionError("loaded a checkpoint with parameter " + i + " = " + c.parameters()[i]);
      }
    }
    RunCheckpoints.Restored.historyOf(c); // the resumed run's history
    Path rewritten = REWRITE.write(c);
    Checkpoint back;
    try {
      back = CheckpointStore.read(rewritten);
    } catch (CorruptCheckpointException e) {
      throw new AssertionError("a loaded checkpoint, written again by the store, does not load: " + e.getMessage(), e);
    } finally {
      Files.deleteIfExists(rewritten);
    }
    if (!back.header().equals(header) || !Arrays.equals(back.parameters(), c.parameters())) {
      throw new AssertionError("a loaded checkpoint, written again by the store, reads back different: " + header
          + " vs " + back.header());
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary directory
    }
  }
}
