package io.cohort.crypto.secagg;

/**
 * A secure-aggregation protocol violation or impossibility: a message from the wrong client or stage, a bad key or
 * ciphertext, too few shares to go on, or a client's refusal to reveal what would break another client's privacy. The
 * message says what happened and who caused it. Unchecked: the caller (coordinator or SDK) maps it to a failed round
 * at one boundary.
 */
public final class SecAggException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with {@code message}, which names the stage and the client involved. */
  public SecAggException(String message) {
    super(message);
  }

  /** An exception with {@code message} and the lower-level {@code cause}. */
  public SecAggException(String message, Throwable cause) {
    super(message, cause);
  }
}
