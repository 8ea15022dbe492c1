package io.cohort.simulation.data;

import java.io.IOException;

/**
 * No source of a data set could be used: the files are in none of the places looked at and downloading was not
 * allowed or failed. The message lists every place tried and the ways to fix it.
 */
public final class DatasetUnavailableException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was tried and what the user can do
   * @param cause the last underlying failure, or {@code null}
   */
  public DatasetUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
