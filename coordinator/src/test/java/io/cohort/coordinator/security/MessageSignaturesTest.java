package io.cohort.coordinator.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.crypto.pki.CertificateAuthority;
import io.cohort.crypto.pki.ClientIdentity;
import io.cohort.crypto.pki.SignedStatement;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.SignedPayloads;
import io.cohort.protocol.v1.Decline;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.UpdateHeader;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageSignaturesTest {
  private static final CertificateAuthority CA = CertificateAuthority.create("test CA", Duration.ofDays(1));
  private static final ClientIdentity ALICE = enrolled("alice");
  private static final ClientIdentity BOB = enrolled("bob");
  private static final UpdateHeader HEADER = UpdateHeader.newBuilder().setClientId("alice").setRunId("run")
      .setRound(4).setModelVersion(3).setNumExamples(10).build();
  private static final byte[] FRAME = {1, 2, 3};

  private static ClientIdentity enrolled(String id) {
    ClientIdentity identity = ClientIdentity.generate();
    return identity.withCertificate(List.of(CA.signClientCsr(identity.certificationRequest(id), id,
        Duration.ofDays(1)), CA.certificate()));
  }

  private static X509Certificate certificate(ClientIdentity identity) {
    return identity.certificateChain().orElseThrow().get(0);
  }

  private static byte[] digest(UpdateHeader header) {
    SignedPayloads.UploadDigest digest = new SignedPayloads.UploadDigest(header);
    digest.addFrame(FRAME);
    return digest.finish();
  }

  private static UpdateHeader signed(ClientIdentity identity, UpdateHeader header, String stage) {
    byte[] signature = identity.signer().sign(new SignedStatement(1, header.getRunId(), header.getRound(),
        header.getClientId(), stage, digest(header)));
    return header.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  private static void assertBadSignature(Runnable check) {
    assertThatThrownBy(check::run).hasCauseInstanceOf(ProtocolException.class)
        .cause().satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_SIGNATURE));
  }

  private static Runnable upload(X509Certificate signer, UpdateHeader header, boolean masked, byte[] digest) {
    return () -> {
      try {
        MessageSignatures.verifyUpload(signer, header, masked, digest);
      } catch (ProtocolException e) {
        throw new IllegalStateException(e);
      }
    };
  }

  @Test
  void verifyUpload_signedByTheClient_passes() {
    UpdateHeader header = signed(ALICE, HEADER, "update");
    assertThatCode(() -> MessageSignatures.verifyUpload(certificate(ALICE), header, false, digest(header)))
        .doesNotThrowAnyException();
  }

  @Test
  void verifyUpload_alteredHeaderOrBody_isBadSignature() {
    UpdateHeader header = signed(ALICE, HEADER, "update");
    UpdateHeader inflated = header.toBuilder().setNumExamples(10_000).build();
    assertBadSignature(upload(certificate(ALICE), inflated, false, digest(inflated)));
    SignedPayloads.UploadDigest other = new SignedPayloads.UploadDigest(header);
    other.addFrame(new byte[] {1, 2, 4});
    assertBadSignature(upload(certificate(ALICE), header, false, other.finish()));
  }

  @Test
  void verifyUpload_signedAsAPlainUpdate_isNoMaskedInput() {
    UpdateHeader header = signed(ALICE, HEADER, "update");
    assertBadSignature(upload(certificate(ALICE), header, true, digest(header)));
  }

  @Test
  void verifyUpload_otherClientsKeyOrCertificate_isBadSignature() {
    UpdateHeader byBob = signed(BOB, HEADER, "update"); // bob signs a header that claims alice
    assertBadSignature(upload(certificate(ALICE), byBob, false, digest(byBob)));
    UpdateHeader byAlice = signed(ALICE, HEADER, "update");
    assertBadSignature(upload(certificate(BOB), byAlice, false, digest(byAlice))); // names bob, not alice
  }

  @Test
  void verifyUpload_noSignature_isBadSignature() {
    assertThatThrownBy(() -> MessageSignatures.requireSigned(HEADER)).isInstanceOfSatisfying(ProtocolException.class,
        e -> assertThat(e.getMessage()).contains("carries no signature"));
  }

  @Test
  void verifySecAgg_signedMessage_passes_andAnyChangeFails() throws Exception {
    SecAggMessage message = SecAggMessage.newBuilder().setClientId("alice").setRunId("run").setRound(4)
        .setDecline(Decline.newBuilder().setReason("r")).build();
    byte[] signature = ALICE.signer().sign(new SignedStatement(1, "run", 4, "alice", "secagg/decline",
        SignedPayloads.digest(message)));
    SecAggMessage signed = message.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
    MessageSignatures.verifySecAgg(certificate(ALICE), signed);
    for (SecAggMessage changed : List.of(signed.toBuilder().setRound(5).build(),
        signed.toBuilder().setRunId("other").build(),
        signed.toBuilder().setDecline(Decline.newBuilder().setReason("s")).build())) {
      assertThatThrownBy(() -> MessageSignatures.verifySecAgg(certificate(ALICE), changed))
          .isInstanceOfSatisfying(ProtocolException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_SIGNATURE));
    }
  }

  @Test
  void verifySecAgg_negativeRound_isMalformedNotACrash() {
    SecAggMessage message = SecAggMessage.newBuilder().setClientId("alice").setRunId("run").setRound(-1)
        .setDecline(Decline.getDefaultInstance()).setSignature(ByteString.copyFromUtf8("x")).build();
    assertThatThrownBy(() -> MessageSignatures.verifySecAgg(certificate(ALICE), message))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
  }
}
