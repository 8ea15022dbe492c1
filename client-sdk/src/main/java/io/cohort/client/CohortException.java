package io.cohort.client;

/**
 * A failure talking to the coordinator that the SDK could not handle by itself: a refusal (the coordinator's error
 * code and message), or a transport failure that outlasted the retry policy.
 */
public class CohortException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String code;
  private final boolean retryable;

  /**
   * @param code the coordinator's error code (e.g. {@code SHAPE_MISMATCH}), or {@code TRANSPORT} for I/O failures
   * @param message what went wrong and what to do
   * @param retryable whether the same request may succeed later
   * @param cause the underlying failure, or null
   */
  public CohortException(String code, String message, boolean retryable, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
    this.retryable = retryable;
  }

  /** The coordinator's error code, or {@code TRANSPORT}. */
  public String code() {
    return code;
  }

  /** Whether the same request may succeed if sent again later. */
  public boolean retryable() {
    return retryable;
  }
}
