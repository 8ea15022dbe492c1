package io.cohort.coordinator.http;

import io.cohort.protocol.v1.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many requests were refused, per error code (BAD_SIGNATURE for forged messages, UNAUTHENTICATED for missing or
 * foreign credentials, DUPLICATE_UPDATE and ROUND_NOT_OPEN for replays, ...), for {@code GET /v1/status}. Counted at
 * the one place where refusals become replies. Thread-safe.
 */
final class RefusalCounters {
  private final Map<ErrorCode, LongAdder> counts = new ConcurrentHashMap<>();

  void count(ErrorCode code) {
    counts.computeIfAbsent(code, c -> new LongAdder()).increment();
  }

  /** The counts so far, by code name, in name order. */
  JsonObject toJson() {
    Map<String, Object> sorted = new TreeMap<>();
    counts.forEach((code, n) -> sorted.put(code.name(), n.sum()));
    return new JsonObject(sorted);
  }
}
