package io.cohort.client.nd4j;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * im2col and its adjoint col2im for a {@code k x k} "valid" convolution with stride 1, done on the Java heap: the
 * image is copied out of native memory, unfolded with one {@code System.arraycopy} per output row, and the columns
 * copied back in bulk. For the two conv blocks of NIID-Bench's CNN at batch 64 on one thread (nd4j 1.0.0-M2.1),
 * libnd4j's {@code im2col} op took 3.4 and 2.5 ms where this takes 0.33 and 0.45 ms including the transfers (5-10x),
 * and the second block's {@code col2im} 1.2 ms against 0.75 ms (1.6x): together about a third of a training step.
 *
 * <p>Layouts are NCHW: an image {@code [n, c, h, w]} unfolds to columns {@code [n, c, k, k, oH, oW]} (viewed by the
 * layer as {@code [n, c*k*k, oH*oW]}), exactly the layout of libnd4j's op ({@code Nd4jConvOpsTest} checks both
 * directions against it). Works for FLOAT and DOUBLE arrays. Both layouts are example-major, so a batch is processed
 * in chunks of examples whose columns fit {@value #MAX_CHUNK_ELEMENTS} elements: the heap scratch stays bounded
 * however large a batch (an evaluation batch of 1,000, say) comes through. An instance belongs to one layer and is used
 * by one thread at a time, like the network that owns it.
 */
final class Im2Col {
  /** Column elements per chunk at most (a chunk holds at least one example): 16 MB of float scratch. */
  static final int MAX_CHUNK_ELEMENTS = 4 << 20;

  private final int kernel;
  private final int maxChunkElements;
  private Object imageScratch; // float[] or double[], as the arrays' data type
  private Object columnScratch;

  Im2Col(int kernel) {
    this(kernel, MAX_CHUNK_ELEMENTS);
  }

  /** For tests: a smaller chunk limit, so that a small batch takes several chunks. */
  Im2Col(int kernel, int maxChunkElements) {
    this.kernel = kernel;
    this.maxChunkElements = maxChunkElements;
  }

  /** Fills {@code columns} ({@code n * c*k*k * oH*oW} elements, contiguous) from {@code image} {@code [n, c, h, w]}. */
  void unfold(INDArray image, INDArray columns) {
    Geometry all = Geometry.of(image, columns, kernel);
    int chunk = all.chunk(maxChunkElements);
    for (int first = 0; first < all.n; first += chunk) {
      Geometry g = all.examples(Math.min(chunk, all.n - first));
      imageScratch = HostTransfer.readInto(image, (long) first * g.imageLength(1), imageScratch, g.imageLength());
      columnScratch = scratch(columnScratch, image.dataType(), g.columnLength());
      Object from = imageScratch;
      Object to = columnScratch;
      g.forEachRow((imageOffset, columnOffset) -> System.arraycopy(from, imageOffset, to, columnOffset, g.outW));
      HostTransfer.writeFrom(columns, (long) first * g.columnLength(1), to, g.columnLength());
    }
  }

  /**
   * Writes into {@code image} {@code [n, c, h, w]} the sum, at each pixel, of the {@code columns} entries that
   * {@link #unfold} would have copied from it.
   */
  void fold(INDArray columns, INDArray image) {
    Geometry all = Geometry.of(image, columns, kernel);
    int chunk = all.chunk(maxChunkElements);
    for (int first = 0; first < all.n; first += chunk) {
      Geometry g = all.examples(Math.min(chunk, all.n - first));
      columnScratch = HostTransfer.readInto(columns, (long) first * g.columnLength(1), columnScratch,
          g.columnLength());
      imageScratch = scratch(imageScratch, image.dataType(), g.imageLength());
      if (imageScratch instanceof float[] sum) {
        float[] cols = (float[]) columnScratch;
        Arrays.fill(sum, 0, g.imageLength(), 0f);
        g.forEachRow((imageOffset, columnOffset) -> {
          for (int j = 0; j < g.outW; j++) {
            sum[imageOffset + j] += cols[columnOffset + j];
          }
        });
      } else {
        double[] sum = (double[]) imageScratch;
        double[] cols = (double[]) columnScratch;
        Arrays.fill(sum, 0, g.imageLength(), 0d);
        g.forEachRow((imageOffset, columnOffset) -> {
          for (int j = 0; j < g.outW; j++) {
            sum[imageOffset + j] += cols[columnOffset + j];
          }
        });
      }
      HostTransfer.writeFrom(image, (long) first * g.imageLength(1), imageScratch, g.imageLength());
    }
  }

  private static Object scratch(Object current, DataType type, int length) {
    boolean isFloat = type == DataType.FLOAT;
    if (isFloat && current instanceof float[] f && f.length >= length) {
      return current;
    }
    if (!isFloat && current instanceof double[] d && d.length >= length) {
      return current;
    }
    return isFloat ? new float[length] : new double[length];
  }

  /** Where each output row of {@code oW} values comes from in the image and goes to in the columns. */
  private record Geometry(int n, int channels, int height, int width, int kernel, int outH, int outW) {
    static Geometry of(INDArray image, INDArray columns, int kernel) {
      if (image.rank() != 4) {
        throw new IllegalArgumentException("expected an NCHW image, got shape " + Arrays.toString(image.shape()));
      }
      if (image.dataType() != columns.dataType()) {
        throw new IllegalArgumentException("image is " + image.dataType() + " but columns are " + columns.dataType());
      }
      int h = Math.toIntExact(image.size(2));
      int w = Math.toIntExact(image.size(3));
      Geometry g = new Geometry(Math.toIntExact(image.size(0)), Math.toIntExact(image.size(1)), h, w, kernel,
          h - kernel + 1, w - kernel + 1);
      if (g.outH < 1 || g.outW < 1 || columns.length() != (long) g.n * g.columnLength(1)) {
        throw new IllegalArgumentException("columns of shape " + Arrays.toString(columns.shape()) + " do not fit a "
            + kernel + "x" + kernel + " unfold of an image of shape " + Arrays.toString(image.shape()));
      }
      return g;
    }

    /** The same geometry for {@code count} examples. */
    Geometry examples(int count) {
      return new Geometry(count, channels, height, width, kernel, outH, outW);
    }

    /** Examples per chunk: as many as fit {@code maxElements} column elements, at least one. */
    int chunk(int maxElements) {
      return Math.max(1, Math.min(n, maxElements / columnLength(1)));
    }

    int imageLength() {
      return imageLength(n);
    }

    int imageLength(int examples) {
      return Math.toIntExact((long) examples * channels * height * width);
    }

    int columnLength() {
      return columnLength(n);
    }

    int columnLength(int examples) {
      return Math.toIntExact((long) examples * channels * kernel * kernel * outH * outW);
    }

    void forEachRow(RowVisitor visitor) {
      int column = 0;
      for (int plane = 0; plane < n * channels; plane++) {
        int planeStart = plane * height * width;
        for (int ki = 0; ki < kernel; ki++) {
          for (int kj = 0; kj < kernel; kj++) {
            for (int oh = 0; oh < outH; oh++) {
              visitor.row(planeStart + (oh + ki) * width + kj, column);
              column += outW;
            }
          }
        }
      }
    }
  }

  @FunctionalInterface
  private interface RowVisitor {
    void row(int imageOffset, int columnOffset);
  }
}
