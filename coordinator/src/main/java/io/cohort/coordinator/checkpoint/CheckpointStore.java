package io.cohort.coordinator.checkpoint;

import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.CheckpointHeader;
import io.cohort.protocol.v1.CheckpointTrailer;
import io.cohort.protocol.v1.TensorChunk;
import com.google.protobuf.ByteString;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes and reads checkpoints in a directory, one file per finished round ({@code round-000012.ckpt}).
 *
 * <p>A write goes to a temporary file in the same directory, is forced to disk, renamed over its final name
 * atomically, and the directory is forced too, so a crash at any point leaves either the old set of checkpoints or
 * the new one, never a half-written file under a checkpoint's name. Only the newest {@code keep} checkpoints are kept.
 * A read takes the newest checkpoint whose trailer checksum matches; corrupt or truncated ones are skipped and
 * reported, so the run resumes from the newest good one. Blocking I/O: call from a worker thread, not an event loop.
 */
public final class CheckpointStore {
  static final byte[] MAGIC = "COHORTCK".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern NAME = Pattern.compile("round-(\\d{6,})\\.ckpt");
  private static final int FORMAT_VERSION = 1;

  private final Path dir;
  private final int keep;

  /**
   * @param dir where checkpoints live (created if missing)
   * @param keep how many of the newest checkpoints to keep (at least 2, so a corrupt newest one has a fallback)
   */
  public CheckpointStore(Path dir, int keep) {
    if (keep < 2) {
      throw new IllegalArgumentException("keep must be at least 2 (a fallback for a corrupt newest one), got " + keep);
    }
    this.dir = dir;
    this.keep = keep;
  }

  /** A checkpoint file that could not be used, and why. */
  public record Skipped(Path file, String reason) {}

  /** The newest good checkpoint, if any, and the newer files that were skipped as corrupt. */
  public record Loaded(Optional<Checkpoint> checkpoint, List<Skipped> skipped) {}

  /** The directory this store writes to. */
  public Path directory() {
    return dir;
  }

  /**
   * Writes {@code checkpoint} atomically and prunes old ones.
   *
   * @return the checkpoint's file
   */
  public Path write(Checkpoint checkpoint) throws IOException {
    Files.createDirectories(dir);
    CheckpointHeader header = checkpoint.header().toBuilder().setFormatVersion(FORMAT_VERSION).build();
    Path target = dir.resolve(String.format("round-%06d.ckpt", header.getRoundsDone()));
    Path temp = Files.createTempFile(dir, ".writing-", ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        MessageDigest sha = sha256();
        OutputStream out = new DigestOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel),
            1 << 20), sha);
        out.write(MAGIC);
        Frames.write(out, header);
        ModelArchitecture model = ModelArchitecture.fromProto(header.getModel());
        for (TensorChunk chunk : TensorChunks.split(model.tensors(), checkpoint.parameters(),
            TensorChunks.DEFAULT_CHUNK_ELEMENTS)) {
          Frames.write(out, chunk);
        }
        out.flush();
        byte[] digest = sha.digest();
        Frames.write(out, CheckpointTrailer.newBuilder().setSha256(ByteString.copyFrom(digest)).build());
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system under " + dir + " cannot rename atomically; checkpoints need it", e);
      }
      forceDirectory();
    } finally {
      Files.deleteIfExists(temp);
    }
    prune();
    return target;
  }

  /** Reads the newest checkpoint whose checksum matches, skipping (and reporting) corrupt ones. */
  public Loaded loadLatest() throws IOException {
    List<Skipped> skipped = new ArrayList<>();
    for (Path file : checkpointsNewestFirst()) {
      try {
        return new Loaded(Optional.of(read(file)), List.copyOf(skipped));
      } catch (CorruptCheckpointException e) {
        skipped.add(new Skipped(file, e.getMessage()));
      }
    }
    return new Loaded(Optional.empty(), List.copyOf(skipped));
  }

  /** Reads and verifies one checkpoint file. */
  public static Checkpoint read(Path file) throws IOException, CorruptCheckpointException {
    MessageDigest sha = sha256();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 20);
        DigestInputStream in = new DigestInputStream(raw, sha)) {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new CorruptCheckpointException(file + " is not a Cohort checkpoint (bad magic bytes)");
      }
      CheckpointHeader header = Frames.readRequired(in, CheckpointHeader.parser(), "CheckpointHeader");
      if (header.getFormatVersion() != FORMAT_VERSION) {
        throw new CorruptCheckpointException(file + " has format version " + header.getFormatVersion()
            + "; this coordinator reads version " + FORMAT_VERSION);
      }
      ModelArchitecture model = ModelArchitecture.fromProto(header.getModel());
      if (model.parameterCount() != header.getTotalElements()) {
        throw new CorruptCheckpointException(file + ": header names " + header.getTotalElements()
            + " parameters but its model has " + model.parameterCount());
      }
      // Each parameter takes 4 bytes of float32 in the file: a header naming a bigger model than the file can hold
      // is refused before the model's array is allocated (up to 1 GiB for a file of a few bytes).
      long size = Files.size(file);
      if (size < MAGIC.length + (long) Float.BYTES * model.parameterCount()) {
        throw new CorruptCheckpointException(file + " is truncated: its header names a model of "
            + model.parameterCount() + " parameters (" + (long) Float.BYTES * model.parameterCount()
            + " bytes of float32) but the file has " + size + " bytes");
      }
      float[] parameters = new float[model.parameterCount()];
      TensorChunks.Assembler assembler = new TensorChunks.Assembler(model.tensors(), parameters);
      while (assembler.received() < parameters.length) {
        TensorChunk chunk = Frames.read(in, TensorChunk.parser());
        if (chunk == null) {
          throw new CorruptCheckpointException(file + " is truncated: " + assembler.received() + " of "
              + parameters.length + " parameters");
        }
        assembler.accept(chunk);
      }
      assembler.finish();
      byte[] expected = sha.digest();
      in.on(false);
      CheckpointTrailer trailer = Frames.read(in, CheckpointTrailer.parser());
      if (trailer == null) {
        throw new CorruptCheckpointException(file + " is truncated: the checksum trailer is missing");
      }
      if (!MessageDigest.isEqual(expected, trailer.getSha256().toByteArray())) {
        throw new CorruptCheckpointException(file + " fails its SHA-256 check: the file was altered or damaged");
      }
      if (in.read() != -1) {
        throw new CorruptCheckpointException(file + " has bytes after its checksum trailer");
      }
      return new Checkpoint(header, parameters);
    } catch (ProtocolException | IllegalArgumentException e) {
      throw new CorruptCheckpointException(file + " is damaged or truncated: " + e.getMessage(), e);
    } catch (EOFException e) {
      throw new CorruptCheckpointException(file + " is truncated", e);
    }
  }

  private List<Path> checkpointsNewestFirst() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "round-*.ckpt")) {
      for (Path p : entries) {
        if (NAME.matcher(p.getFileName().toString()).matches()) {
          files.add(p);
        }
      }
    }
    files.sort(Comparator.comparingLong(CheckpointStore::roundOf).reversed());
    return files;
  }

  private static long roundOf(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private void prune() throws IOException {
    List<Path> files = checkpointsNewestFirst();
    for (int i = keep; i < files.size(); i++) {
      Files.deleteIfExists(files.get(i));
    }
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory for fsync; the rename itself is still atomic there.
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }
}
