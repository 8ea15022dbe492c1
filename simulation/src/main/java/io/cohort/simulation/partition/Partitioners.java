package io.cohort.simulation.partition;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Creates partitioners from their textual specifications, as given on a command line or in a configuration file.
 *
 * <p>Grammar (case-insensitive, surrounding blanks ignored):
 * <ul>
 *   <li>{@code iid} — {@link IidPartitioner};
 *   <li>{@code dirichlet:<alpha>} or {@code dirichlet:<alpha>:<minSize>} — {@link DirichletPartitioner}, alpha a
 *       finite number {@code > 0}, minSize (default 10) an integer {@code >= 0};
 *   <li>{@code shards:<K>} — {@link ShardPartitioner}, K an integer {@code >= 1};
 *   <li>{@code labels:<K>} — {@link LabelQuantityPartitioner} (NIID-Bench's {@code #C=K}), K an integer {@code >= 1};
 *   <li>{@code file:<path>} — {@link FilePartitioner}, the clients' example indices from a JSON file (the path is
 *       taken as written, colons included).
 * </ul>
 * Whether the partition is possible for a given data set (for example more shards than examples) can only be known
 * when {@link Partitioner#partition} is called, which then fails with an equally precise message.
 */
public final class Partitioners {
  /** What {@link #parse} accepts, quoted in error messages. */
  public static final String USAGE = "expected one of: iid, dirichlet:<alpha> (e.g. dirichlet:0.5), "
      + "dirichlet:<alpha>:<minSize>, shards:<K> (e.g. shards:2), labels:<K> (e.g. labels:2), file:<path> (a JSON "
      + "file of the clients' example indices)";

  private Partitioners() {}

  /**
   * Parses a specification.
   *
   * @param spec e.g. {@code "iid"}, {@code "dirichlet:0.5"}, {@code "shards:2"}
   * @return the partitioner; its {@link Partitioner#spec()} is the canonical form of {@code spec}
   * @throws IllegalArgumentException naming the faulty part and what is allowed
   */
  public static Partitioner parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("partitioner is empty; " + USAGE);
    }
    String trimmed = spec.trim();
    if (trimmed.regionMatches(true, 0, "file:", 0, 5)) {
      String path = trimmed.substring(5).trim();
      if (path.isEmpty()) {
        throw new IllegalArgumentException("file needs the path of a partition file, e.g. file:partition.json; got '"
            + trimmed + "'");
      }
      return new FilePartitioner(Path.of(path));
    }
    String[] parts = trimmed.split(":", -1);
    String name = parts[0].trim().toLowerCase(Locale.ROOT);
    switch (name) {
      case "iid":
        if (parts.length > 1) {
          throw new IllegalArgumentException("iid takes no parameter, got '" + trimmed + "'; write just iid");
        }
        return new IidPartitioner();
      case "dirichlet":
        if (parts.length < 2 || parts[1].isBlank()) {
          throw new IllegalArgumentException("dirichlet needs a concentration alpha > 0, e.g. dirichlet:0.5; got '"
              + trimmed + "'");
        }
        if (parts.length > 3) {
          throw new IllegalArgumentException("too many parameters in '" + trimmed + "'; " + USAGE);
        }
        double alpha = parseAlpha(parts[1].trim(), trimmed);
        int minSize = parts.length == 3
            ? parseInt(parts[2].trim(), trimmed, "dirichlet minimum client size", 0)
            : DirichletPartitioner.DEFAULT_MIN_SIZE;
        return new DirichletPartitioner(alpha, minSize, DirichletPartitioner.DEFAULT_MAX_ATTEMPTS);
      case "shards":
        if (parts.length != 2 || parts[1].isBlank()) {
          throw new IllegalArgumentException("shards needs exactly one parameter, the number of shards per client"
              + " K >= 1, e.g. shards:2; got '" + trimmed + "'");
        }
        return new ShardPartitioner(parseInt(parts[1].trim(), trimmed, "shards K", 1));
      case "labels":
        if (parts.length != 2 || parts[1].isBlank()) {
          throw new IllegalArgumentException("labels needs exactly one parameter, the number of labels per client"
              + " K >= 1, e.g. labels:2; got '" + trimmed + "'");
        }
        return new LabelQuantityPartitioner(parseInt(parts[1].trim(), trimmed, "labels K", 1));
      default:
        throw new IllegalArgumentException("unknown partitioner '" + parts[0].trim() + "' in '" + trimmed + "'; "
            + USAGE);
    }
  }

  private static double parseAlpha(String text, String spec) {
    double alpha;
    try {
      alpha = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("dirichlet alpha '" + text + "' in '" + spec
          + "' is not a number; give a finite number > 0, e.g. dirichlet:0.5", e);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("dirichlet alpha must be a finite number > 0, got " + text + " in '" + spec
          + "'; e.g. dirichlet:0.5 (smaller is more skewed)");
    }
    return alpha;
  }

  private static int parseInt(String text, String spec, String what, int min) {
    int value;
    try {
      value = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " '" + text + "' in '" + spec + "' is not an integer; give an"
          + " integer >= " + min, e);
    }
    if (value < min) {
      throw new IllegalArgumentException(what + " must be >= " + min + ", got " + value + " in '" + spec + "'");
    }
    return value;
  }
}
