package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EnrolmentTokensTest {
  @Test
  void redeem_issuedToken_succeedsOnceThenFails() {
    EnrolmentTokens tokens = new EnrolmentTokens();
    String token = tokens.issue();
    assertThat(tokens.outstanding()).isEqualTo(1);
    assertThat(tokens.redeem(token)).isTrue();
    assertThat(tokens.redeem(token)).isFalse();
    assertThat(tokens.outstanding()).isZero();
  }

  @Test
  void redeem_wrongToken_failsAndLeavesTheRealOneUsable() {
    EnrolmentTokens tokens = new EnrolmentTokens();
    String token = tokens.issue();
    assertThat(tokens.redeem(token.substring(1))).isFalse();
    assertThat(tokens.redeem(new EnrolmentTokens().issue())).isFalse();
    assertThat(tokens.redeem("")).isFalse();
    assertThat(tokens.redeem(null)).isFalse();
    assertThat(tokens.redeem(token)).isTrue();
  }

  @Test
  void issue_manyTokens_areDistinct256BitUrlSafe() {
    EnrolmentTokens tokens = new EnrolmentTokens();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      String token = tokens.issue();
      assertThat(token).hasSize(43).matches("[A-Za-z0-9_-]+");
      seen.add(token);
    }
    assertThat(seen).hasSize(500);
  }

  @Test
  void redeem_sameTokenConcurrently_exactlyOneSucceeds() throws Exception {
    EnrolmentTokens tokens = new EnrolmentTokens();
    String token = tokens.issue();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          start.await(5, TimeUnit.SECONDS);
          return tokens.redeem(token);
        }));
      }
      start.countDown();
      int successes = 0;
      for (Future<Boolean> result : results) {
        successes += result.get(5, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(successes).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void redeem_afterTimeToLive_fails() {
    MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    EnrolmentTokens tokens = new EnrolmentTokens(Duration.ofMinutes(10), clock);
    String early = tokens.issue();
    String late = tokens.issue();
    clock.now = clock.now.plus(Duration.ofMinutes(9));
    assertThat(tokens.redeem(early)).isTrue();
    clock.now = clock.now.plus(Duration.ofMinutes(1));
    assertThat(tokens.redeem(late)).isFalse();
    assertThat(tokens.outstanding()).isZero();
  }

  @Test
  void constructor_nonPositiveTimeToLive_throws() {
    assertThatThrownBy(() -> new EnrolmentTokens(Duration.ZERO, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeToLive");
  }

  private static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
