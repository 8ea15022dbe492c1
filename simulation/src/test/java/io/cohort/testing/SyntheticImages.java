package io.cohort.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a small, learnable stand-in for Fashion-MNIST under its four file names: 28x28 grey images of 10 classes,
 * where class c is a bright 6x6 square at a class-specific place plus noise. Tests use it instead of the real data so
 * they stay fast and need nothing installed.
 */
public final class SyntheticImages {
  private SyntheticImages() {}

  /** Writes {@code train} training and {@code test} test examples into {@code dir}; returns {@code dir}. */
  public static Path write(Path dir, int train, int test, long seed) throws IOException {
    Files.createDirectories(dir);
    SplittableRandom random = new SplittableRandom(seed);
    writeSet(dir, "train", train, random);
    writeSet(dir, "t10k", test, random);
    return dir;
  }

  private static void writeSet(Path dir, String prefix, int count, SplittableRandom random) throws IOException {
    ByteBuffer images = ByteBuffer.allocate(16 + count * 784);
    images.putInt(0x803).putInt(count).putInt(28).putInt(28);
    ByteBuffer labels = ByteBuffer.allocate(8 + count);
    labels.putInt(0x801).putInt(count);
    for (int i = 0; i < count; i++) {
      int label = random.nextInt(10);
      labels.put((byte) label);
      int top = 2 + (label / 5) * 12 + random.nextInt(3);
      int left = 2 + (label % 5) * 5 + random.nextInt(2);
      for (int r = 0; r < 28; r++) {
        for (int c = 0; c < 28; c++) {
          boolean inside = r >= top && r < top + 6 && c >= left && c < left + 6;
          int value = (inside ? 170 : 0) + random.nextInt(60);
          images.put((byte) Math.min(255, value));
        }
      }
    }
    gzip(dir.resolve(prefix + "-images-idx3-ubyte.gz"), images.array());
    gzip(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), labels.array());
  }

  private static void gzip(Path file, byte[] bytes) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(bytes);
    }
  }
}
