package io.cohort.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.protocol.v1.Decline;
import io.cohort.protocol.v1.KeyAdvertisement;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.ShareBundle;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UnmaskBundle;
import io.cohort.protocol.v1.UpdateHeader;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The signed payloads are part of the wire contract: the golden digests below were computed with Python's hashlib
 * over protobuf bytes written out by hand (field tags and lengths), independently of the Java protobuf runtime.
 */
class SignedPayloadsTest {
  private static final SecAggMessage DECLINE = SecAggMessage.newBuilder().setClientId("c1").setRunId("r").setRound(2)
      .setDecline(Decline.newBuilder().setReason("x")).build();
  private static final UpdateHeader HEADER = UpdateHeader.newBuilder().setClientId("c1").setRunId("r").setRound(2)
      .setNumExamples(5).build();
  private static final TensorChunk CHUNK = TensorChunk.newBuilder().setName("w").setOffset(3).build();

  @Test
  void digest_secAggMessage_matchesHandEncodedGoldenVector() {
    // 0a02 6331 | 1a01 72 | 2002 | 4203 0a01 78  (client_id, run_id, round, decline{reason})
    assertThat(HexFormat.of().formatHex(SignedPayloads.digest(DECLINE)))
        .isEqualTo("89f6665b8c4aca65e95f3cb7bffe258bc10885999d77e64bbfcf785cb87fc492");
  }

  @Test
  void digest_secAggMessage_ignoresTheSignatureField() {
    SecAggMessage signed = DECLINE.toBuilder().setSignature(ByteString.copyFromUtf8("sig")).build();
    assertThat(SignedPayloads.digest(signed)).isEqualTo(SignedPayloads.digest(DECLINE));
  }

  @Test
  void digest_secAggMessage_changesWithEveryField() {
    byte[] base = SignedPayloads.digest(DECLINE);
    assertThat(SignedPayloads.digest(DECLINE.toBuilder().setRound(3).build())).isNotEqualTo(base);
    assertThat(SignedPayloads.digest(DECLINE.toBuilder().setRunId("s").build())).isNotEqualTo(base);
    assertThat(SignedPayloads.digest(DECLINE.toBuilder().setClientId("c2").build())).isNotEqualTo(base);
    assertThat(SignedPayloads.digest(DECLINE.toBuilder()
        .setDecline(Decline.newBuilder().setReason("y")).build())).isNotEqualTo(base);
  }

  @Test
  void uploadDigest_headerThenFrame_matchesHandEncodedGoldenVector() {
    // header 0a02 6331 | 1a01 72 | 2002 | 3005, then the frame 00000005 | 0a01 77 | 2003
    SignedPayloads.UploadDigest digest = new SignedPayloads.UploadDigest(
        HEADER.toBuilder().setSignature(ByteString.copyFromUtf8("ignored")).build());
    digest.addFrame(CHUNK.toByteArray());
    assertThat(HexFormat.of().formatHex(digest.finish()))
        .isEqualTo("69ac5f71562e1c0674ae2d3823c6a66f112a8452f449c10015820b75cb9beea2");
  }

  @Test
  void uploadDigest_encodedFrameAndMessageBytes_giveTheSameDigest() {
    SignedPayloads.UploadDigest sender = new SignedPayloads.UploadDigest(HEADER);
    sender.addEncodedFrame(Frames.encode(CHUNK));
    SignedPayloads.UploadDigest receiver = new SignedPayloads.UploadDigest(HEADER);
    byte[] padded = new byte[CHUNK.getSerializedSize() + 7];
    System.arraycopy(CHUNK.toByteArray(), 0, padded, 3, CHUNK.getSerializedSize());
    receiver.addFrame(padded, 3, CHUNK.getSerializedSize());
    assertThat(receiver.finish()).isEqualTo(sender.finish());
  }

  @Test
  void uploadDigest_reorderedFrames_giveAnotherDigest() {
    TensorChunk other = CHUNK.toBuilder().setOffset(4).build();
    SignedPayloads.UploadDigest inOrder = new SignedPayloads.UploadDigest(HEADER);
    inOrder.addFrame(CHUNK.toByteArray());
    inOrder.addFrame(other.toByteArray());
    SignedPayloads.UploadDigest swapped = new SignedPayloads.UploadDigest(HEADER);
    swapped.addFrame(other.toByteArray());
    swapped.addFrame(CHUNK.toByteArray());
    assertThat(swapped.finish()).isNotEqualTo(inOrder.finish());
  }

  @Test
  void uploadDigest_finishTwice_throws() {
    SignedPayloads.UploadDigest digest = new SignedPayloads.UploadDigest(HEADER);
    digest.finish();
    assertThatThrownBy(digest::finish).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> digest.addFrame(new byte[1])).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void stageOf_eachStage_hasItsOwnName() {
    SecAggMessage.Builder m = SecAggMessage.newBuilder();
    assertThat(SignedPayloads.stageOf(m.setKeys(KeyAdvertisement.getDefaultInstance()).build()))
        .isEqualTo("secagg/keys");
    assertThat(SignedPayloads.stageOf(m.setShares(ShareBundle.getDefaultInstance()).build()))
        .isEqualTo("secagg/shares");
    assertThat(SignedPayloads.stageOf(m.setUnmask(UnmaskBundle.getDefaultInstance()).build()))
        .isEqualTo("secagg/unmask");
    assertThat(SignedPayloads.stageOf(DECLINE)).isEqualTo("secagg/decline");
    assertThat(SignedPayloads.uploadStage(false)).isEqualTo("update");
    assertThat(SignedPayloads.uploadStage(true)).isEqualTo("secagg/masked");
  }

  @Test
  void stageOf_noStage_throws() {
    assertThatThrownBy(() -> SignedPayloads.stageOf(SecAggMessage.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no stage");
  }
}
