package io.cohort.client.nd4j;

import java.lang.ref.Reference;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adds a bias vector along one dimension, in place, through libnd4j's broadcast add, keeping the op object alive
 * until the native call has returned. Every broadcast in this package must go through here: never
 * {@code addiRowVector}/{@code addRowVector} (or any other {@code *RowVector}/{@code *ColumnVector} method), and never
 * a bare {@code exec(new Broadcast...Op(...))}.
 *
 * <p><b>Why.</b> In nd4j 1.0.0-M2.1 a broadcast op's dimension list is an {@code INDArray} that only the op object
 * holds ({@code BaseOp.defineDimensions} creates it outside any workspace, so ND4J frees it when the Java GC finds it
 * unreachable: the DeallocatorService then calls {@code deleteDataBuffer} on its native {@code OpaqueDataBuffer}).
 * {@code NativeOpExecutioner.exec(BroadcastOp, OpContext)}, unlike the scalar, transform, reduce and custom op paths,
 * does not touch the op after calling {@code execBroadcast} (those call {@code profilingConfigurableHookOut(op, ..)}),
 * so once the JIT has compiled it, a GC during the call can collect the op and its dimension array, and
 * {@code execBroadcast}'s first statement, {@code dbDimension->primary()}, reads a freed {@code InteropDataBuffer}:
 * SIGSEGV in {@code sd::DataBuffer::primary()} under {@code Nd4jCpu.execBroadcast}. {@code addiRowVector} creates the
 * op inside {@code BaseNDArray.applyBroadcastOp}, out of the caller's reach, so it cannot be made safe from outside.
 * Holding the op to {@link Reference#reachabilityFence} after the call keeps the dimension buffer alive; the
 * arithmetic is the very same op, so results are bit-identical.
 */
final class BiasAdd {
  private BiasAdd() {}

  /**
   * {@code target += bias} broadcast along {@code dimension} of {@code target} (1 for a dense layer's
   * {@code [batch, out]} pre-activations and for a conv layer's {@code [batch, channels, positions]}).
   */
  static void addInPlace(INDArray target, INDArray bias, int dimension) {
    BroadcastAddOp op = new BroadcastAddOp(target, bias, target, dimension);
    try {
      Nd4j.getExecutioner().exec(op);
    } finally {
      Reference.reachabilityFence(op);
    }
  }
}
