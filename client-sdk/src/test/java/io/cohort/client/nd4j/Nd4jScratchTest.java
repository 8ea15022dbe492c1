package io.cohort.client.nd4j;

import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class Nd4jScratchTest {
  @Test
  void scratch() {
    Random r = new Random(1);
    int n = 2, iC = 3, H = 9, W = 8, oC = 4, K = 5;
    float[] x = new float[n * iC * H * W];
    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
    float[] w = new float[oC * iC * K * K];
    for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
    float[] b = {0.1f, -0.2f, 0.3f, 0.5f};
    INDArray flat = Nd4j.create(DataType.FLOAT, 100 + w.length + 4);
    INDArray wv = flat.get(NDArrayIndex.interval(100, 100 + w.length)).reshape('c', oC, iC, K, K);
    System.out.println("wv view? " + wv.isView() + " offset " + wv.offset() + " same data " + (wv.data() == flat.data()));
    wv.assign(Nd4j.createFromArray(w).reshape(oC, iC, K, K));
    System.out.println("flat[100]=" + flat.getFloat(100) + " w0=" + w[0] + " flat[101]=" + flat.getFloat(101) + " w1=" + w[1]);
    INDArray bv = flat.get(NDArrayIndex.interval(100 + w.length, 104 + w.length));
    bv.assign(Nd4j.createFromArray(b));
    INDArray in = Nd4j.createFromArray(x).reshape(n, iC, H, W);
    int oH = H - K + 1, oW = W - K + 1;
    INDArray out = Nd4j.create(DataType.FLOAT, n, oC, oH, oW);
    Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(in, wv, bv).addOutputs(out)
        .addIntegerArguments(K, K, 1, 1, 0, 0, 1, 1, 0, 0, 1).build());
    double maxErr = 0;
    for (int s = 0; s < n; s++) for (int o = 0; o < oC; o++) for (int i = 0; i < oH; i++) for (int j = 0; j < oW; j++) {
      double acc = b[o];
      for (int c = 0; c < iC; c++) for (int ki = 0; ki < K; ki++) for (int kj = 0; kj < K; kj++)
        acc += x[((s * iC + c) * H + i + ki) * W + j + kj] * w[((o * iC + c) * K + ki) * K + kj];
      maxErr = Math.max(maxErr, Math.abs(acc - out.getDouble(s, o, i, j)));
    }
    System.out.println("conv maxErr " + maxErr);
    INDArray pooled = Nd4j.create(DataType.FLOAT, n, oC, oH / 2, oW / 2);
    Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(out).addOutputs(pooled)
        .addIntegerArguments(2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0).build());
    double pErr = 0;
    for (int s = 0; s < n; s++) for (int o = 0; o < oC; o++) for (int i = 0; i < oH / 2; i++) for (int j = 0; j < oW / 2; j++) {
      double m = Double.NEGATIVE_INFINITY;
      for (int a = 0; a < 2; a++) for (int c = 0; c < 2; c++) m = Math.max(m, out.getDouble(s, o, 2 * i + a, 2 * j + c));
      pErr = Math.max(pErr, Math.abs(m - pooled.getDouble(s, o, i, j)));
    }
    System.out.println("pool shape " + java.util.Arrays.toString(pooled.shape()) + " err " + pErr);
    // gemm into a view of a detached buffer
    INDArray buf = Nd4j.create(DataType.FLOAT, 6, 3);
    INDArray view = buf.get(NDArrayIndex.interval(0, 4), NDArrayIndex.all());
    INDArray a = Nd4j.rand(DataType.FLOAT, 4, 5), bb = Nd4j.rand(DataType.FLOAT, 5, 3);
    Nd4j.matmul(a, bb, view, false, false, false);
    System.out.println("matmul view diff " + a.mmul(bb).sub(view).amaxNumber() + " view " + view.isView());
    INDArray gW = Nd4j.create(DataType.FLOAT, 5, 3);
    INDArray dz = Nd4j.rand(DataType.FLOAT, 4, 3);
    Nd4j.gemm(a, dz, gW, true, false, 1.0, 0.0);
    System.out.println("gemm transA diff " + a.transpose().mmul(dz).sub(gW).amaxNumber());
    FloatBuffer fb = buf.data().asNioFloat();
    System.out.println("nio " + fb.get(4) + " vs " + buf.getFloat(1, 1) + " cap " + fb.capacity());
    INDArray bsum = Nd4j.create(DataType.FLOAT, 3);
    dz.sum(bsum, 0);
    System.out.println("sum diff " + dz.sum(0).sub(bsum).amaxNumber());
    INDArray ep = Nd4j.rand(DataType.FLOAT, 4, 3).subi(0.5);
    INDArray act = Nd4j.rand(DataType.FLOAT, 4, 3).subi(0.5);
    INDArray e2 = ep.dup();
    Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(act, e2).addOutputs(e2).addFloatingPointArguments(0.0).build());
    System.out.println("relu_bp " + act + "\n" + ep + "\n" + e2);
  }
}
