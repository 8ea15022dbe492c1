package io.cohort.protocol;

import io.cohort.protocol.v1.ErrorCode;

/**
 * A message that breaks the protocol: it does not parse, does not fit the model, or exceeds a limit. Carries the
 * {@link ErrorCode} that is sent back to the peer, so the mapping to wire status happens in one place.
 */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ProtocolException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
