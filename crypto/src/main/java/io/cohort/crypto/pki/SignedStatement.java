package io.cohort.crypto.pki;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a client signs for one update: the protocol version, run, round, client id and stage it belongs to, and the
 * SHA-256 of its payload.
 *
 * <p><b>Security guarantees.</b> {@link #canonicalBytes()} is injective: it starts with the domain-separation tag
 * {@value #DOMAIN} and encodes each field in a fixed order, integers as 4 big-endian bytes and strings and the
 * digest as a 4-byte big-endian length followed by the bytes (strings in UTF-8), so it can be parsed back
 * unambiguously and no two different statements share an encoding (e.g. run "ab", client "c" differs from run "a",
 * client "bc"). Strings with unpaired surrogates are refused, since UTF-8 would map them to the same bytes as "?".
 * The tag keeps a statement signature from being confused with anything else the client key signs (TLS 1.3 signs
 * a 64-space-prefixed context instead). <b>Not</b> provided: freshness; the coordinator must accept each
 * (run, round, client, stage) once.
 *
 * @param protocolVersion the wire protocol version, at least 0
 * @param runId the training run, non-empty
 * @param round the round within the run, at least 0
 * @param clientId the client that sends the update, non-empty
 * @param stage the step of the round the payload belongs to, e.g. "fit" or a secure-aggregation stage, non-empty
 * @param payloadSha256 the SHA-256 of the payload, 32 bytes
 */
public record SignedStatement(int protocolVersion, String runId, int round, String clientId, String stage,
    byte[] payloadSha256) {
  /** The domain-separation tag at the start of every encoding. */
  public static final String DOMAIN = "cohort.signed-statement.v1";
  private static final int MAX_STRING_CHARS = 1024;

  /** Validates every field and copies the digest. */
  public SignedStatement {
    if (protocolVersion < 0) {
      throw new IllegalArgumentException("protocolVersion must be >= 0, got " + protocolVersion);
    }
    if (round < 0) {
      throw new IllegalArgumentException("round must be >= 0, got " + round);
    }
    requireText(runId, "runId");
    requireText(clientId, "clientId");
    requireText(stage, "stage");
    if (payloadSha256 == null || payloadSha256.length != 32) {
      throw new IllegalArgumentException("payloadSha256 must be 32 bytes, got "
          + (payloadSha256 == null ? "null" : payloadSha256.length));
    }
    payloadSha256 = payloadSha256.clone();
  }

  /** The statement for {@code payload}, hashing it with SHA-256. */
  public static SignedStatement forPayload(int protocolVersion, String runId, int round, String clientId,
      String stage, byte[] payload) {
    Objects.requireNonNull(payload, "payload");
    return new SignedStatement(protocolVersion, runId, round, clientId, stage, X509Support.sha256(payload));
  }

  /** A copy of the payload digest. */
  @Override
  public byte[] payloadSha256() {
    return payloadSha256.clone();
  }

  /** The exact bytes that are signed; see the class documentation for the layout. */
  public byte[] canonicalBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    writeBytes(out, DOMAIN.getBytes(StandardCharsets.US_ASCII));
    writeInt(out, protocolVersion);
    writeBytes(out, utf8(runId));
    writeInt(out, round);
    writeBytes(out, utf8(clientId));
    writeBytes(out, utf8(stage));
    writeBytes(out, payloadSha256);
    return out.toByteArray();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedStatement s && protocolVersion == s.protocolVersion && round == s.round
        && runId.equals(s.runId) && clientId.equals(s.clientId) && stage.equals(s.stage)
        && Arrays.equals(payloadSha256, s.payloadSha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(protocolVersion, runId, round, clientId, stage, Arrays.hashCode(payloadSha256));
  }

  @Override
  public String toString() {
    return "SignedStatement[v" + protocolVersion + ", run=" + runId + ", round=" + round + ", client=" + clientId
        + ", stage=" + stage + ", sha256=" + HexFormat.of().formatHex(payloadSha256) + "]";
  }

  private static void requireText(String value, String field) {
    if (value == null || value.isEmpty() || value.length() > MAX_STRING_CHARS) {
      throw new IllegalArgumentException(field + " must be 1.." + MAX_STRING_CHARS + " characters");
    }
    utf8(value, field);
  }

  private static byte[] utf8(String value) {
    return utf8(value, "field");
  }

  private static byte[] utf8(String value, String field) {
    try {
      ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(value));
      byte[] bytes = new byte[encoded.remaining()];
      encoded.get(bytes);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(field + " is not well-formed Unicode (unpaired surrogate)", e);
    }
  }

  private static void writeInt(ByteArrayOutputStream out, int value) {
    out.write(value >>> 24);
    out.write(value >>> 16);
    out.write(value >>> 8);
    out.write(value);
  }

  private static void writeBytes(ByteArrayOutputStream out, byte[] bytes) {
    writeInt(out, bytes.length);
    out.writeBytes(bytes);
  }
}
