package io.cohort.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter for transient failures (connection refused or reset, HTTP 503, a retryable
 * error from the coordinator).
 *
 * @param initialDelay delay before the first retry
 * @param maxDelay cap on any one delay
 * @param maxAttempts attempts in all, the first included (at least 1)
 */
public record RetryPolicy(Duration initialDelay, Duration maxDelay, int maxAttempts) {
  /**
   * 200 ms doubling to 10 s, 12 attempts: the 11 waits add up to between 31 s and 63 s (each is drawn from the upper
   * half of its cap). That outlasts a coordinator cluster's change of driver (about 5 to 10 s, during which nodes
   * refuse connections or answer 503) several times over: the 8th attempt already comes at least 11 s after the
   * first, leaving 4 more. A dead node costs one attempt: the transport moves on, and the retry goes to the next
   * node.
   */
  public static RetryPolicy defaults() {
    return new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(10), 12);
  }

  public RetryPolicy {
    if (initialDelay == null || initialDelay.isNegative() || initialDelay.isZero()) {
      throw new IllegalArgumentException("initialDelay must be positive, got " + initialDelay);
    }
    if (maxDelay == null || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException("maxDelay must be at least initialDelay, got " + maxDelay);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
  }

  /** The randomised delay before retry number {@code attempt} (1-based). */
  public Duration delay(int attempt) {
    long cap = Math.min(maxDelay.toMillis(), initialDelay.toMillis() << Math.min(attempt - 1, 20));
    return Duration.ofMillis(cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1));
  }
}
