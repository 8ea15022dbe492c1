package io.cohort.protocol;

import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.UpdateHeader;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What a client signs for each message, defined once for both sides: the stage names and the payload digests that go
 * into a signed statement (see "Signed messages" at the top of {@code cohort.proto}). The statement itself and the
 * signature live in the crypto module ({@code io.cohort.crypto.pki.SignedStatement}); this class only says which
 * bytes are hashed, so that the SDK and the coordinator cannot drift apart.
 *
 * <p>Payloads are the messages serialized with their {@code signature} field cleared (protobuf writes fields in
 * field-number order, so both sides produce the same bytes) and, for uploads, every chunk frame exactly as sent.
 */
public final class SignedPayloads {
  /** The protocol version every statement carries. */
  public static final int PROTOCOL_VERSION = 1;
  /** Stage of a plain update upload. */
  public static final String UPDATE = "update";
  /** Stage of a masked-input upload in a secure round. */
  public static final String MASKED_INPUT = "secagg/masked";
  /** Stage of a SecAggMessage that advertises keys. */
  public static final String SECAGG_KEYS = "secagg/keys";
  /** Stage of a SecAggMessage that carries encrypted shares. */
  public static final String SECAGG_SHARES = "secagg/shares";
  /** Stage of a SecAggMessage that reveals shares for unmasking. */
  public static final String SECAGG_UNMASK = "secagg/unmask";
  /** Stage of a SecAggMessage that declines the round. */
  public static final String SECAGG_DECLINE = "secagg/decline";

  private SignedPayloads() {}

  /** The stage of an upload: {@link #MASKED_INPUT} in a secure round, else {@link #UPDATE}. */
  public static String uploadStage(boolean masked) {
    return masked ? MASKED_INPUT : UPDATE;
  }

  /**
   * The stage a SecAggMessage is signed under, from the stage it carries.
   *
   * @throws IllegalArgumentException if it carries none
   */
  public static String stageOf(SecAggMessage message) {
    return switch (message.getStageCase()) {
      case KEYS -> SECAGG_KEYS;
      case SHARES -> SECAGG_SHARES;
      case UNMASK -> SECAGG_UNMASK;
      case DECLINE -> SECAGG_DECLINE;
      default -> throw new IllegalArgumentException("SecAggMessage carries no stage");
    };
  }

  /** SHA-256 of the message serialized with its signature cleared. */
  public static byte[] digest(SecAggMessage message) {
    MessageDigest sha = sha256();
    sha.update(message.toBuilder().clearSignature().build().toByteArray());
    return sha.digest();
  }

  /**
   * The running digest of an upload: the header (signature cleared), then each chunk frame as it is sent or received.
   * Not thread-safe: feed it from one thread at a time (handing it between threads with a happens-before edge, as
   * an executor or a future does, is fine).
   */
  public static final class UploadDigest {
    private final MessageDigest sha = sha256();
    private boolean finished;

    /** Starts the digest with {@code header}, its signature cleared. */
    public UploadDigest(UpdateHeader header) {
      sha.update(header.toBuilder().clearSignature().build().toByteArray());
    }

    /** Adds a frame whose message bytes are {@code message} (the 4-byte length prefix is hashed first). */
    public void addFrame(byte[] message) {
      addFrame(message, 0, message.length);
    }

    /** Adds a frame whose message bytes are {@code message[offset, offset + length)}. */
    public void addFrame(byte[] message, int offset, int length) {
      requireOpen();
      sha.update(new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length});
      sha.update(message, offset, length);
    }

    /** Adds a frame already encoded with its length prefix, e.g. {@link Frames#encode}'s output. */
    public void addEncodedFrame(byte[] frame) {
      requireOpen();
      sha.update(frame);
    }

    /** The SHA-256 of everything added; the digest cannot be used afterwards. */
    public byte[] finish() {
      requireOpen();
      finished = true;
      return sha.digest();
    }

    private void requireOpen() {
      if (finished) {
        throw new IllegalStateException("the upload digest is already finished");
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }
}
