package io.cohort.coordinator.security;

import io.cohort.crypto.pki.SignedStatement;
import io.cohort.crypto.pki.UpdateVerifier;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.SignedPayloads;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.UpdateHeader;
import java.security.cert.X509Certificate;

/**
 * Checks the signatures on uploads and secure-aggregation messages (see "Signed messages" in {@code cohort.proto}).
 *
 * <p><b>Security guarantees.</b> A message passes only if its signature verifies under the certificate the
 * coordinator holds for the claimed client and that certificate names the same client, over a statement rebuilt
 * here from the message's own run, round, client id, the stage the coordinator expects, and the digest of the
 * payload it received. So a message whose bytes were changed, that is re-labelled with another round, run or stage,
 * or that was signed with another key is refused with {@code BAD_SIGNATURE}. <b>Not</b> provided: freshness; a valid
 * message sent twice or in another round than the open one is refused by the round driver's checks on the same
 * (signed) fields.
 */
public final class MessageSignatures {
  private MessageSignatures() {}

  /** Refuses an upload header without a signature, before any of its body is read. */
  public static void requireSigned(UpdateHeader header) throws ProtocolException {
    if (header.getSignature().isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_SIGNATURE, "the update of client " + header.getClientId()
          + " carries no signature; with TLS every upload is signed with the client's certified key");
    }
  }

  /**
   * Checks an upload's signature once its whole body has been hashed.
   *
   * @param signer the certificate the coordinator holds for {@code header.getClientId()}
   * @param masked whether it is a secure round's masked input (stage {@code secagg/masked}) or a plain update
   * @param payloadDigest the {@link SignedPayloads.UploadDigest} of the header and the frames received
   */
  public static void verifyUpload(X509Certificate signer, UpdateHeader header, boolean masked, byte[] payloadDigest)
      throws ProtocolException {
    requireSigned(header);
    String stage = SignedPayloads.uploadStage(masked);
    SignedStatement statement = statement(header.getRunId(), header.getRound(), header.getClientId(), stage,
        payloadDigest);
    if (!UpdateVerifier.verify(signer, statement, header.getSignature().toByteArray())) {
      throw new ProtocolException(ErrorCode.BAD_SIGNATURE, "the signature of client " + header.getClientId()
          + "'s " + stage + " for round " + header.getRound() + " does not verify: the upload was altered, signed "
          + "for another round, run or stage, or signed with another key");
    }
  }

  /** Checks a secure-aggregation message's signature. */
  public static void verifySecAgg(X509Certificate signer, SecAggMessage message) throws ProtocolException {
    String stage;
    try {
      stage = SignedPayloads.stageOf(message);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.MALFORMED, "SecAggMessage carries no stage");
    }
    if (message.getSignature().isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_SIGNATURE, "the " + stage + " message of client "
          + message.getClientId() + " carries no signature; with TLS every message is signed with the client's key");
    }
    SignedStatement statement = statement(message.getRunId(), message.getRound(), message.getClientId(), stage,
        SignedPayloads.digest(message));
    if (!UpdateVerifier.verify(signer, statement, message.getSignature().toByteArray())) {
      throw new ProtocolException(ErrorCode.BAD_SIGNATURE, "the signature of client " + message.getClientId()
          + "'s " + stage + " message for round " + message.getRound() + " does not verify: the message was "
          + "altered, signed for another round, run or stage, or signed with another key");
    }
  }

  private static SignedStatement statement(String runId, int round, String clientId, String stage, byte[] digest)
      throws ProtocolException {
    try {
      return new SignedStatement(SignedPayloads.PROTOCOL_VERSION, runId, round, clientId, stage, digest);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.MALFORMED, "cannot check the signature: " + e.getMessage());
    }
  }
}
