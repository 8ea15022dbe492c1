package io.cohort.simulation.report;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * Writes {@code metrics.csv}: a header, then one row per round, each flushed as soon as it is appended so that a
 * crashed or interrupted run keeps every completed round.
 *
 * <p>Columns ({@link #COLUMNS}): {@code round,accuracy,loss,clients,seconds,macro_f1,failed,train_loss,
 * fed_eval_accuracy,fed_eval_loss,epsilon,bytes_up,bytes_down,invited,late,elapsed_seconds}. Numbers use {@link
 * Double#toString} (a dot, shortest exact form, possibly {@code 1.0E-5}), counts are integers, {@code failed} is
 * {@code true}/{@code false}, and an absent value is an empty cell.
 */
public final class MetricsCsv implements Closeable {
  /** The file name under the output directory. */
  public static final String FILE_NAME = "metrics.csv";
  /** Column names, in order. */
  public static final List<String> COLUMNS = List.of("round", "accuracy", "loss", "clients", "seconds", "macro_f1",
      "failed", "train_loss", "fed_eval_accuracy", "fed_eval_loss", "epsilon", "bytes_up", "bytes_down", "invited",
      "late", "elapsed_seconds");
  /** The header line, without line terminator. */
  public static final String HEADER = String.join(",", COLUMNS);

  private final Path path;
  private final Writer writer;

  private MetricsCsv(Path path, Writer writer) {
    this.path = path;
    this.writer = writer;
  }

  /**
   * Creates (or truncates) {@code outDir/metrics.csv}, creating the directory if needed, and writes the header.
   *
   * @throws IOException if the directory or file cannot be written
   */
  public static MetricsCsv create(Path outDir) throws IOException {
    Files.createDirectories(outDir);
    Path path = outDir.resolve(FILE_NAME);
    Writer writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    MetricsCsv csv = new MetricsCsv(path, writer);
    csv.writeLine(HEADER);
    return csv;
  }

  /** The file being written. */
  public Path path() {
    return path;
  }

  /**
   * Appends one round and flushes it to the file.
   *
   * @throws IOException if writing fails or the writer is closed
   */
  public synchronized void append(RoundRow row) throws IOException {
    writeLine(format(Objects.requireNonNull(row, "row")));
  }

  /** The CSV line of a row, without line terminator. */
  public static String format(RoundRow row) {
    return String.join(",",
        Integer.toString(row.round()),
        number(row.accuracy()),
        number(row.loss()),
        Integer.toString(row.clients()),
        number(row.seconds()),
        number(row.macroF1()),
        Boolean.toString(row.failed()),
        number(row.trainLoss()),
        number(row.fedEvalAccuracy()),
        number(row.fedEvalLoss()),
        number(row.epsilon()),
        row.bytesUp() == null ? "" : row.bytesUp().toString(),
        row.bytesDown() == null ? "" : row.bytesDown().toString(),
        row.invited() == null ? "" : row.invited().toString(),
        row.late() == null ? "" : row.late().toString(),
        row.elapsedSeconds() == null ? "" : row.elapsedSeconds().toString());
  }

  private static String number(Double value) {
    return value == null || value.isNaN() ? "" : value.toString();
  }

  private void writeLine(String line) throws IOException {
    writer.write(line);
    writer.write('\n');
    writer.flush();
  }

  /** Flushes and closes the file. */
  @Override
  public synchronized void close() throws IOException {
    writer.close();
  }
}
