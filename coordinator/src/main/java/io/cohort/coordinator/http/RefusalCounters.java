package io.cohort.coordinator.http;

import io.cohort.coordinator.metrics.CoordinatorMetrics;
import io.cohort.protocol.v1.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many requests were refused, per error code (BAD_SIGNATURE for forged messages, UNAUTHENTICATED for missing or
 * foreign credentials, DUPLICATE_UPDATE and ROUND_NOT_OPEN for replays, ...), for {@code GET /v1/status} and, as
 * {@code cohort_requests_refused_total}, for {@code GET /metrics}. Counted at the one place where refusals become
 * replies; the view {@link #forUploads()} also counts {@code cohort_updates_rejected_total}. Thread-safe.
 */
final class RefusalCounters {
  private final Map<ErrorCode, LongAdder> counts;
  private final CoordinatorMetrics metrics;
  private final boolean uploads;

  RefusalCounters(CoordinatorMetrics metrics) {
    this(new ConcurrentHashMap<>(), metrics, false);
  }

  private RefusalCounters(Map<ErrorCode, LongAdder> counts, CoordinatorMetrics metrics, boolean uploads) {
    this.counts = counts;
    this.metrics = metrics;
    this.uploads = uploads;
  }

  /** The same counts, for the update route: its refusals are rejected updates as well. */
  RefusalCounters forUploads() {
    return new RefusalCounters(counts, metrics, true);
  }

  void count(ErrorCode code) {
    counts.computeIfAbsent(code, c -> new LongAdder()).increment();
    metrics.requestRefused(code);
    if (uploads) {
      metrics.updateRejected(code);
    }
  }

  /** The counts so far, by code name, in name order. */
  JsonObject toJson() {
    Map<String, Object> sorted = new TreeMap<>();
    counts.forEach((code, n) -> sorted.put(code.name(), n.sum()));
    return new JsonObject(sorted);
  }
}
