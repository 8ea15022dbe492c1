package io.cohort.client.nd4j;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * im2col and its adjoint col2im for a {@code k x k} "valid" convolution with stride 1, done on the Java heap: the
 * image is copied out of native memory, unfolded with one {@code System.arraycopy} per output row, and the columns
 * copied back in one bulk write. libnd4j's own {@code im2col} / {@code col2im} ops (nd4j 1.0.0-M2.1, one thread)
 * took 3.4 and 2.5 ms for the two conv blocks of NIID-Bench's CNN at batch 64, where this takes 0.33 and 0.45 ms
 * including the transfers, and 1.2 against 0.75 ms for col2im: together about a third of a training step.
 *
 * <p>Layouts are NCHW: an image {@code [n, c, h, w]} unfolds to columns {@code [n, c, k, k, oH, oW]} (viewed by the
 * layer as {@code [n, c*k*k, oH*oW]}), exactly the layout of libnd4j's op ({@code Nd4jConvOpsTest} checks both
 * directions against it). Works for FLOAT and DOUBLE arrays. Holds grow-only heap scratch, so an instance belongs to
 * one layer and is used by one thread at a time, like the network that owns it.
 */
final class Im2Col {
  private final int kernel;
  private Object imageScratch; // float[] or double[], as the arrays' data type
  private Object columnScratch;

  Im2Col(int kernel) {
    this.kernel = kernel;
  }

  /** Fills {@code columns} ({@code n * c*k*k * oH*oW} elements, contiguous) from {@code image} {@code [n, c, h, w]}. */
  void unfold(INDArray image, INDArray columns) {
    Geometry g = Geometry.of(image, kernel);
    imageScratch = HostTransfer.readInto(image, imageScratch, g.imageLength());
    columnScratch = scratch(columnScratch, image.dataType(), g.columnLength());
    Object from = imageScratch;
    Object to = columnScratch;
    g.forEachRow((imageOffset, columnOffset) -> System.arraycopy(from, imageOffset, to, columnOffset, g.outW));
    HostTransfer.writeFrom(columns, to, g.columnLength());
  }

  /**
   * Writes into {@code image} {@code [n, c, h, w]} the sum, at each pixel, of the {@code columns} entries that
   * {@link #unfold} would have copied from it.
   */
  void fold(INDArray columns, INDArray image) {
    Geometry g = Geometry.of(image, kernel);
    columnScratch = HostTransfer.readInto(columns, columnScratch, g.columnLength());
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
    HostTransfer.writeFrom(image, imageScratch, g.imageLength());
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
    static Geometry of(INDArray image, int kernel) {
      if (image.rank() != 4) {
        throw new IllegalArgumentException("expected an NCHW image, got shape " + Arrays.toString(image.shape()));
      }
      int h = (int) image.size(2);
      int w = (int) image.size(3);
      return new Geometry((int) image.size(0), (int) image.size(1), h, w, kernel, h - kernel + 1, w - kernel + 1);
    }

    int imageLength() {
      return Math.multiplyExact(n * channels, height * width);
    }

    int columnLength() {
      return Math.multiplyExact(Math.multiplyExact(n * channels, kernel * kernel), outH * outW);
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
