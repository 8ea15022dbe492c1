package io.cohort.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.cohort.protocol.v1.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Length-prefixed framing: each frame is a 4-byte big-endian length followed by one protobuf message. Bodies are
 * sequences of frames, so a model of any size streams as many bounded frames.
 */
public final class Frames {
  /** Content type of every Cohort request and response body. */
  public static final String CONTENT_TYPE = "application/x-cohort-frames";
  /** Largest frame either side accepts. */
  public static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;
  /** Bytes of the length prefix. */
  public static final int PREFIX_BYTES = 4;

  private Frames() {}

  /** The frame (prefix and message) for {@code message}, as one array. */
  public static byte[] encode(MessageLite message) {
    int size = message.getSerializedSize();
    if (size > MAX_FRAME_BYTES) {
      throw new IllegalArgumentException("message of " + size + " bytes exceeds the frame limit " + MAX_FRAME_BYTES);
    }
    byte[] out = new byte[PREFIX_BYTES + size];
    writePrefix(out, size);
    try {
      message.writeTo(com.google.protobuf.CodedOutputStream.newInstance(out, PREFIX_BYTES, size));
    } catch (IOException e) {
      throw new IllegalStateException("serialising into an array cannot fail", e);
    }
    return out;
  }

  /** Writes one frame. */
  public static void write(OutputStream out, MessageLite message) throws IOException {
    out.write(encode(message));
  }

  /** Reads the length prefix at {@code offset} of {@code bytes} and checks it against {@code limit}. */
  public static int readPrefix(byte[] bytes, int offset, int limit) throws ProtocolException {
    long length = ((bytes[offset] & 0xffL) << 24) | ((bytes[offset + 1] & 0xffL) << 16)
        | ((bytes[offset + 2] & 0xffL) << 8) | (bytes[offset + 3] & 0xffL);
    if (length > limit) {
      throw new ProtocolException(ErrorCode.TOO_LARGE,
          "frame of " + length + " bytes exceeds the limit of " + limit + " bytes");
    }
    return (int) length;
  }

  /**
   * Reads one frame and parses it, or returns {@code null} at a clean end of stream (no byte of a next frame).
   *
   * @throws ProtocolException for a truncated frame, a frame over {@link #MAX_FRAME_BYTES}, or bytes that do not
   *     parse as {@code T}
   */
  public static <T> T read(InputStream in, Parser<T> parser) throws IOException, ProtocolException {
    byte[] prefix = new byte[PREFIX_BYTES];
    int first = in.readNBytes(prefix, 0, PREFIX_BYTES);
    if (first == 0) {
      return null;
    }
    if (first < PREFIX_BYTES) {
      throw new ProtocolException(ErrorCode.MALFORMED, "stream ended inside a frame's length prefix");
    }
    int length = readPrefix(prefix, 0, MAX_FRAME_BYTES);
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new ProtocolException(ErrorCode.MALFORMED,
          "stream ended after " + body.length + " of a frame's " + length + " bytes");
    }
    return parse(body, parser);
  }

  /** Like {@link #read} but a missing frame is an error naming {@code what}. */
  public static <T> T readRequired(InputStream in, Parser<T> parser, String what)
      throws IOException, ProtocolException {
    T message = read(in, parser);
    if (message == null) {
      throw new ProtocolException(ErrorCode.MALFORMED, "expected a " + what + " frame but the body ended");
    }
    return message;
  }

  /** Parses one message body (without prefix). */
  public static <T> T parse(byte[] body, Parser<T> parser) throws ProtocolException {
    try {
      return parser.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new ProtocolException(ErrorCode.MALFORMED, "frame does not parse: " + e.getMessage(), e);
    }
  }

  /**
   * Parses one message body (without prefix) whose bytes fields may share {@code body} instead of copying it: for
   * large tensor chunks, one copy fewer. The caller must not change {@code body} while the message is in use.
   */
  public static <T> T parseAliasing(byte[] body, Parser<T> parser) throws ProtocolException {
    try {
      // Only an input marked immutable may alias (CodedInputStream.newInstance(byte[]) is not: it copies bytes
      // fields whatever enableAliasing says).
      com.google.protobuf.CodedInputStream in = com.google.protobuf.UnsafeByteOperations.unsafeWrap(body)
          .newCodedInput();
      in.enableAliasing(true);
      T message = parser.parseFrom(in);
      in.checkLastTagWas(0);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw new ProtocolException(ErrorCode.MALFORMED, "frame does not parse: " + e.getMessage(), e);
    }
  }

  /** Reads a whole body expected to hold exactly one frame. */
  public static <T> T readSingle(InputStream in, Parser<T> parser, String what) throws IOException, ProtocolException {
    T message = readRequired(in, parser, what);
    if (in.read() != -1) {
      throw new ProtocolException(ErrorCode.MALFORMED, "unexpected bytes after the " + what + " frame");
    }
    return message;
  }

  static void writePrefix(byte[] out, int size) {
    out[0] = (byte) (size >>> 24);
    out[1] = (byte) (size >>> 16);
    out[2] = (byte) (size >>> 8);
    out[3] = (byte) size;
  }

}
