package io.cohort.fuzz;

import com.google.protobuf.MessageLite;
import java.io.ByteArrayOutputStream;
import java.util.List;

/** Helpers for writing seed inputs: a selector byte followed by protocol frames. */
public final class Seeds {
  private Seeds() {}

  /** {@code selector} followed by each message as a length-prefixed frame. */
  public static byte[] frames(int selector, List<? extends MessageLite> messages) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(selector);
    for (MessageLite m : messages) {
      out.writeBytes(io.cohort.protocol.Frames.encode(m));
    }
    return out.toByteArray();
  }

  /** {@code selector} followed by {@code body}. */
  public static byte[] tagged(int selector, byte[] body) {
    byte[] out = new byte[body.length + 1];
    out[0] = (byte) selector;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }
}
