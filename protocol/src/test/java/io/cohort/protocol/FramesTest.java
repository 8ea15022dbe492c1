package io.cohort.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.protocol.v1.Ack;
import io.cohort.protocol.v1.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FramesTest {
  private static final Ack ACK = Ack.newBuilder().setMessage("hello").setReceivedElements(42).build();

  @Test
  void encode_prefixIsBigEndianLength() {
    byte[] frame = Frames.encode(ACK);
    int size = ACK.getSerializedSize();
    assertThat(Arrays.copyOf(frame, 4)).containsExactly(0, 0, 0, size);
    assertThat(frame).hasSize(4 + size);
  }

  @Test
  void read_twoFramesThenEnd_returnsBothThenNull() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Frames.write(out, ACK);
    Frames.write(out, ACK.toBuilder().setMessage("second").build());
    ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
    assertThat(Frames.read(in, Ack.parser())).isEqualTo(ACK);
    assertThat(Frames.read(in, Ack.parser()).getMessage()).isEqualTo("second");
    assertThat(Frames.read(in, Ack.parser())).isNull();
  }

  @Test
  void read_truncatedBody_isMalformed() {
    byte[] frame = Frames.encode(ACK);
    ByteArrayInputStream in = new ByteArrayInputStream(Arrays.copyOf(frame, frame.length - 1));
    assertThatThrownBy(() -> Frames.read(in, Ack.parser()))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED))
        .hasMessageContaining("stream ended after");
  }

  @Test
  void read_truncatedPrefix_isMalformed() {
    assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(new byte[] {0, 0}), Ack.parser()))
        .hasMessageContaining("length prefix");
  }

  @Test
  void read_frameOverTheLimit_isTooLargeBeforeReadingIt() {
    byte[] prefix = {0x01, 0x00, 0x00, 0x01}; // 16 MiB + 1
    assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(prefix), Ack.parser()))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE));
  }

  @Test
  void readSingle_trailingBytes_isMalformed() {
    byte[] frame = Arrays.copyOf(Frames.encode(ACK), Frames.encode(ACK).length + 1);
    assertThatThrownBy(() -> Frames.readSingle(new ByteArrayInputStream(frame), Ack.parser(), "Ack"))
        .hasMessageContaining("unexpected bytes after the Ack frame");
  }

  @Test
  void parse_garbage_isMalformed() {
    assertThatThrownBy(() -> Frames.parse(new byte[] {(byte) 0xff, (byte) 0xff}, Ack.parser()))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
  }

  @Test
  void parseAliasing_sameMessageAsParse_andTheTensorDataSharesTheBody() throws Exception {
    io.cohort.protocol.v1.TensorChunk chunk = io.cohort.protocol.v1.TensorChunk.newBuilder().setName("dense0/W")
        .setOffset(7).setData(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})).build();
    byte[] body = chunk.toByteArray();

    io.cohort.protocol.v1.TensorChunk aliased = Frames.parseAliasing(body, io.cohort.protocol.v1.TensorChunk.parser());
    assertThat(aliased).isEqualTo(Frames.parse(body, io.cohort.protocol.v1.TensorChunk.parser()));
    // No copy: the data is read where it lies in the body (the last 8 bytes of this encoding).
    body[body.length - 1] = 42;
    assertThat(aliased.getData().byteAt(7)).isEqualTo((byte) 42);
  }

  @Test
  void parseAliasing_garbage_isMalformed() {
    assertThatThrownBy(() -> Frames.parseAliasing(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff},
        io.cohort.protocol.v1.TensorChunk.parser()))
        .isInstanceOf(ProtocolException.class)
        .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.MALFORMED));
  }
}
