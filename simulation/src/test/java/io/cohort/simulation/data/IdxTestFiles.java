package io.cohort.simulation.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPOutputStream;

/** Builds small IDX files in memory for tests. */
final class IdxTestFiles {
  private IdxTestFiles() {}

  /** An IDX image file of {@code count} images whose pixel {@code p} of image {@code i} is {@code (i * 7 + p) % 256}. */
  static byte[] images(int count, int rows, int columns) {
    ByteBuffer buf = ByteBuffer.allocate(16 + count * rows * columns);
    buf.putInt(IdxFiles.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(columns);
    for (int i = 0; i < count; i++) {
      for (int p = 0; p < rows * columns; p++) {
        buf.put((byte) pixel(i, p));
      }
    }
    return buf.array();
  }

  /** The value {@link #images} stores at pixel {@code p} of image {@code i}. */
  static int pixel(int image, int p) {
    return (image * 7 + p) % 256;
  }

  /** An IDX label file holding {@code labels}. */
  static byte[] labels(int... labels) {
    ByteBuffer buf = ByteBuffer.allocate(8 + labels.length);
    buf.putInt(IdxFiles.LABELS_MAGIC).putInt(labels.length);
    for (int label : labels) {
      buf.put((byte) label);
    }
    return buf.array();
  }

  static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
