package io.cohort.simulation.partition;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A partition read from a file rather than drawn: for reproducing a published run on exactly its clients' data, or
 * for a federation whose split is given. The file is JSON, {@code {"clients": [[i, ...], [j, ...], ...]}}, one array
 * of training-example indices (positions in the training set's file order) per client. An optional
 * {@code "published_as"} names the partition spec under which figures published for this very split are listed (the
 * split of a published run drawn as {@code dirichlet:0.5}, say), for tables that put them side by side; other
 * top-level fields (a {@code "description"}) are ignored. The seed plays no part.
 *
 * <p>The file must satisfy {@link Partitioner}'s contract for the data it is used with: as many arrays as clients,
 * every index in {@code [0, examples)} exactly once. Anything else is refused with the first fault found, because a
 * silently dropped or doubled example would make the run something other than the one the file describes.
 */
public final class FilePartitioner implements Partitioner {
  private static final long MAX_FILE_BYTES = 64L << 20;

  private final Path file;
  private final int[][] clients;
  private final String publishedAs;

  /**
   * Reads and checks the file's shape (the data-dependent checks wait for {@link #partition}).
   *
   * @throws IllegalArgumentException if the file cannot be read or is not of the form above
   */
  public FilePartitioner(Path file) {
    this.file = file;
    JsonNode root = parse(file);
    this.clients = clients(file, root);
    JsonNode published = root.get("published_as");
    if (published != null && !published.isTextual()) {
      throw new IllegalArgumentException("partition file " + file + ": \"published_as\" must be a partition spec "
          + "string such as \"dirichlet:0.5\", got " + published);
    }
    this.publishedAs = published == null ? null : published.asText();
  }

  /** The spec under which published figures for this split are listed, if the file names one. */
  public java.util.Optional<String> publishedAs() {
    return java.util.Optional.ofNullable(publishedAs);
  }

  private static JsonNode parse(Path file) {
    JsonNode root;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException("partition file " + file + " is over " + (MAX_FILE_BYTES >> 20) + " MB");
      }
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read partition file " + file + ": " + e.getMessage()
          + "; it must be JSON of the form {\"clients\": [[0, 5, ...], [1, 2, ...], ...]}", e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("partition file " + file + " has no non-empty \"clients\" array; it must be"
          + " JSON of the form {\"clients\": [[0, 5, ...], [1, 2, ...], ...]}");
    }
    return root;
  }

  private static int[][] clients(Path file, JsonNode root) {
    JsonNode list = root.get("clients");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException("partition file " + file + " has no non-empty \"clients\" array; it must be"
          + " JSON of the form {\"clients\": [[0, 5, ...], [1, 2, ...], ...]}");
    }
    int[][] out = new int[list.size()][];
    for (int c = 0; c < out.length; c++) {
      JsonNode indices = list.get(c);
      if (!indices.isArray()) {
        throw new IllegalArgumentException("partition file " + file + ": clients[" + c + "] is not an array of "
            + "example indices");
      }
      out[c] = new int[indices.size()];
      for (int i = 0; i < out[c].length; i++) {
        JsonNode index = indices.get(i);
        if (!index.canConvertToInt() || !index.isIntegralNumber() || index.intValue() < 0) {
          throw new IllegalArgumentException("partition file " + file + ": clients[" + c + "][" + i + "] = "
              + index + " is not a non-negative integer index");
        }
        out[c][i] = index.intValue();
      }
    }
    return out;
  }

  @Override
  public int[][] partition(int[] labels, int numClients, long seed) {
    PartitionSupport.validate(labels, numClients);
    if (clients.length != numClients) {
      throw new IllegalArgumentException("partition file " + file + " has " + clients.length + " clients, the run "
          + numClients + "; run with --clients " + clients.length);
    }
    int[] owner = new int[labels.length];
    Arrays.fill(owner, -1);
    int[][] out = new int[numClients][];
    for (int c = 0; c < numClients; c++) {
      for (int index : clients[c]) {
        if (index >= labels.length) {
          throw new IllegalArgumentException("partition file " + file + ": client " + c + " has example " + index
              + ", but the training set has " + labels.length + " (is --train-limit set, or is it another data set?)");
        }
        if (owner[index] >= 0) {
          throw new IllegalArgumentException("partition file " + file + ": example " + index + " is given to client "
              + owner[index] + " and to client " + c + "; each example must belong to one client");
        }
        owner[index] = c;
      }
      out[c] = clients[c].clone();
      Arrays.sort(out[c]);
    }
    for (int i = 0; i < owner.length; i++) {
      if (owner[i] < 0) {
        throw new IllegalArgumentException("partition file " + file + " gives example " + i + " to no client; every "
            + "one of the " + labels.length + " training examples must belong to a client");
      }
    }
    return out;
  }

  @Override
  public String spec() {
    return "file:" + file;
  }
}
