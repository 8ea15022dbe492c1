package io.cohort.coordinator.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.protocol.Frames;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.CheckpointHeader;
import io.cohort.protocol.v1.RoundSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
  // 2 tensors, and over two chunks in total, so a checkpoint holds several TensorChunk frames.
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(700_000), 2);

  @TempDir
  Path dir;

  private static Checkpoint checkpoint(int round) {
    float[] parameters = MODEL.initialParameters(round);
    CheckpointHeader header = CheckpointHeader.newBuilder()
        .setRunId("run-1")
        .setRoundsDone(round)
        .setModelVersion(round)
        .setModel(MODEL.toProto())
        .setTotalElements(parameters.length)
        .addHistory(RoundSummary.newBuilder().setRound(round).setCompleted(true).setAccepted(3).build())
        .build();
    return new Checkpoint(header, parameters);
  }

  private List<String> files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void write_thenLoadLatest_returnsTheNewestExactly() throws Exception {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(checkpoint(1));
    store.write(checkpoint(2));
    CheckpointStore.Loaded loaded = store.loadLatest();
    assertThat(loaded.skipped()).isEmpty();
    Checkpoint c = loaded.checkpoint().orElseThrow();
    assertThat(c.header().getRoundsDone()).isEqualTo(2);
    assertThat(c.header().getHistory(0).getAccepted()).isEqualTo(3);
    assertThat(Arrays.equals(c.parameters(), checkpoint(2).parameters())).isTrue();
    assertThat(files()).containsExactly("round-000001.ckpt", "round-000002.ckpt"); // no temporary file left
  }

  @Test
  void write_beyondKeep_prunesTheOldest() throws Exception {
    CheckpointStore store = new CheckpointStore(dir, 2);
    for (int r = 1; r <= 4; r++) {
      store.write(checkpoint(r));
    }
    assertThat(files()).containsExactly("round-000003.ckpt", "round-000004.ckpt");
  }

  @Test
  void loadLatest_truncatedNewest_skipsItWithAReasonAndUsesThePrevious() throws Exception {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(checkpoint(1));
    Path newest = store.write(checkpoint(2));
    byte[] bytes = Files.readAllBytes(newest);
    Files.write(newest, Arrays.copyOf(bytes, bytes.length / 2));
    CheckpointStore.Loaded loaded = store.loadLatest();
    assertThat(loaded.checkpoint().orElseThrow().header().getRoundsDone()).isEqualTo(1);
    assertThat(loaded.skipped()).singleElement().satisfies(s -> {
      assertThat(s.file()).isEqualTo(newest);
      assertThat(s.reason()).contains("truncated");
    });
  }

  @Test
  void loadLatest_flippedByteInTheModel_failsTheChecksumAndUsesThePrevious() throws Exception {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(checkpoint(1));
    Path newest = store.write(checkpoint(2));
    byte[] bytes = Files.readAllBytes(newest);
    bytes[bytes.length / 2] ^= 0x01; // inside a float: still parses, still finite
    Files.write(newest, bytes);
    CheckpointStore.Loaded loaded = store.loadLatest();
    assertThat(loaded.checkpoint().orElseThrow().header().getRoundsDone()).isEqualTo(1);
    assertThat(loaded.skipped()).singleElement().satisfies(s -> assertThat(s.reason()).contains("SHA-256"));
  }

  @Test
  void loadLatest_missingTrailer_isTruncated() throws Exception {
    CheckpointStore store = new CheckpointStore(dir, 3);
    Path only = store.write(checkpoint(1));
    byte[] bytes = Files.readAllBytes(only);
    // The trailer frame is 4 bytes of length + 2 bytes of field header + 32 bytes of digest.
    Files.write(only, Arrays.copyOf(bytes, bytes.length - 38));
    assertThatThrownBy(() -> CheckpointStore.read(only)).isInstanceOf(CorruptCheckpointException.class)
        .hasMessageContaining("trailer is missing");
  }

  @Test
  void loadLatest_notACheckpoint_isReportedAndNothingLoads() throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("round-000007.ckpt"), "hello");
    CheckpointStore.Loaded loaded = new CheckpointStore(dir, 3).loadLatest();
    assertThat(loaded.checkpoint()).isEmpty();
    assertThat(loaded.skipped()).singleElement().satisfies(s -> assertThat(s.reason()).contains("magic"));
  }

  @Test
  void read_headerNamingAModelFarBiggerThanTheFile_isTruncated_beforeTheModelIsAllocated() throws Exception {
    // Found by fuzzing (fuzz/corpus/CheckpointFuzz/regression-huge-model-in-a-tiny-file): a 38-byte file whose header
    // names a model of 2^28 parameters made the loader allocate 1 GiB for it, an OutOfMemoryError in a small heap.
    ModelArchitecture huge = ModelArchitecture.logreg(List.of((1 << 27) - 1), 2);
    CheckpointHeader header = CheckpointHeader.newBuilder().setFormatVersion(1).setRunId("run-1").setRoundsDone(1)
        .setModel(huge.toProto()).setTotalElements(huge.parameterCount()).build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(CheckpointStore.MAGIC);
    Frames.write(bytes, header);
    Path file = dir.resolve("round-000001.ckpt");
    Files.write(file, bytes.toByteArray());
    assertThatThrownBy(() -> CheckpointStore.read(file)).isInstanceOf(CorruptCheckpointException.class)
        .hasMessageContaining("is truncated: its header names a model of 268435456 parameters")
        .hasMessageContaining("but the file has " + bytes.size() + " bytes");
  }

  @Test
  void loadLatest_emptyOrMissingDirectory_isEmpty() throws Exception {
    assertThat(new CheckpointStore(dir.resolve("none"), 3).loadLatest().checkpoint()).isEmpty();
  }

  @Test
  void constructor_keepBelowTwo_refused() {
    assertThatThrownBy(() -> new CheckpointStore(dir, 1)).hasMessageContaining("keep must be at least 2");
  }
}
