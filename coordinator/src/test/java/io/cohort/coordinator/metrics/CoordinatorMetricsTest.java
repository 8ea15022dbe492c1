package io.cohort.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.protocol.v1.ErrorCode;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoordinatorMetricsTest {
  private final CoordinatorMetrics metrics = new CoordinatorMetrics();

  @AfterEach
  void close() {
    metrics.close();
  }

  private PrometheusText scrape() {
    return PrometheusText.parse(metrics.scrape());
  }

  private double value(PrometheusText text, String series) {
    return text.value(series).orElseThrow(() -> new AssertionError(series + " missing from the scrape"));
  }

  @Test
  void scrape_fresh_everyCohortSeriesAtZero() {
    PrometheusText text = scrape();
    for (String series : new String[] {"cohort_rounds_completed_total", "cohort_rounds_failed_total",
        "cohort_updates_accepted_total", "cohort_bytes_received_total", "cohort_bytes_sent_total",
        "cohort_clients_registered", "cohort_clients_online", "cohort_aggregation_seconds_count",
        "cohort_round_duration_seconds_count{outcome=\"completed\"}",
        "cohort_round_duration_seconds_count{outcome=\"failed\"}"}) {
      assertThat(value(text, series)).as(series).isZero();
    }
    for (ErrorCode code : new ErrorCode[] {ErrorCode.MALFORMED, ErrorCode.BAD_SIGNATURE, ErrorCode.UNAVAILABLE}) {
      assertThat(value(text, "cohort_updates_rejected_total{reason=\"" + code.name() + "\"}")).isZero();
      assertThat(value(text, "cohort_requests_refused_total{reason=\"" + code.name() + "\"}")).isZero();
    }
    assertThat(text.hasSeriesStartingWith("cohort_updates_rejected_total{reason=\"UNRECOGNIZED\"")).isFalse();
    assertThat(text.type("cohort_rounds_completed_total")).isEqualTo("counter");
    assertThat(text.type("cohort_clients_online")).isEqualTo("gauge");
  }

  @Test
  void scrape_fresh_hasJvmAndProcessMetrics() {
    PrometheusText text = scrape();
    assertThat(text.hasSeriesStartingWith("jvm_memory_used_bytes{")).isTrue();
    assertThat(text.hasSeriesStartingWith("jvm_threads_live_threads")).isTrue();
    assertThat(text.hasSeriesStartingWith("jvm_gc_max_data_size_bytes")).isTrue();
    assertThat(text.hasSeriesStartingWith("process_uptime_seconds")).isTrue();
    assertThat(text.hasSeriesStartingWith("system_cpu_count")).isTrue();
    assertThat(value(text, "jvm_threads_live_threads")).isPositive();
  }

  @Test
  void roundCompleted_countsAndObservesDurationInItsBucket() {
    metrics.roundCompleted(3.2);
    metrics.roundCompleted(0.2);
    metrics.roundFailed(61);
    PrometheusText text = scrape();
    assertThat(value(text, "cohort_rounds_completed_total")).isEqualTo(2);
    assertThat(value(text, "cohort_rounds_failed_total")).isEqualTo(1);
    assertThat(text.type("cohort_round_duration_seconds")).isEqualTo("histogram");
    String completed = "cohort_round_duration_seconds_bucket{outcome=\"completed\",le=";
    assertThat(value(text, completed + "\"0.5\"}")).isEqualTo(1);
    assertThat(value(text, completed + "\"2.0\"}")).isEqualTo(1);
    assertThat(value(text, completed + "\"5.0\"}")).isEqualTo(2);
    assertThat(value(text, "cohort_round_duration_seconds_sum{outcome=\"completed\"}")).isCloseTo(3.4,
        org.assertj.core.data.Offset.offset(1e-9));
    String failed = "cohort_round_duration_seconds_bucket{outcome=\"failed\",le=";
    assertThat(value(text, failed + "\"60.0\"}")).isZero();
    assertThat(value(text, failed + "\"120.0\"}")).isEqualTo(1);
  }

  @Test
  void aggregated_observesSeconds() {
    metrics.aggregated(0.003);
    PrometheusText text = scrape();
    assertThat(value(text, "cohort_aggregation_seconds_count")).isEqualTo(1);
    assertThat(value(text, "cohort_aggregation_seconds_bucket{le=\"0.001\"}")).isZero();
    assertThat(value(text, "cohort_aggregation_seconds_bucket{le=\"0.005\"}")).isEqualTo(1);
  }

  @Test
  void updateRejected_countsOnlyItsReason() {
    metrics.updateRejected(ErrorCode.NON_FINITE);
    metrics.updateRejected(ErrorCode.NON_FINITE);
    metrics.requestRefused(ErrorCode.NOT_FOUND);
    PrometheusText text = scrape();
    assertThat(value(text, "cohort_updates_rejected_total{reason=\"NON_FINITE\"}")).isEqualTo(2);
    assertThat(value(text, "cohort_updates_rejected_total{reason=\"MALFORMED\"}")).isZero();
    assertThat(value(text, "cohort_requests_refused_total{reason=\"NOT_FOUND\"}")).isEqualTo(1);
    assertThat(value(text, "cohort_updates_rejected_total{reason=\"NOT_FOUND\"}")).isZero();
  }

  @Test
  void transferred_addsBodyBytes_ignoresZeroAndNegative() {
    metrics.transferred(100, 5000);
    metrics.transferred(0, -1);
    metrics.transferred(23, 0);
    metrics.updateAccepted();
    PrometheusText text = scrape();
    assertThat(value(text, "cohort_bytes_received_total")).isEqualTo(123);
    assertThat(value(text, "cohort_bytes_sent_total")).isEqualTo(5000);
    assertThat(value(text, "cohort_updates_accepted_total")).isEqualTo(1);
  }

  @Test
  void clients_setsBothGauges() {
    metrics.clients(7, 3);
    PrometheusText text = scrape();
    assertThat(value(text, "cohort_clients_registered")).isEqualTo(7);
    assertThat(value(text, "cohort_clients_online")).isEqualTo(3);
  }

  @Test
  void cluster_unbound_gaugesAbsent() {
    assertThat(scrape().hasSeriesStartingWith("cohort_cluster_")).isFalse();
  }

  @Test
  void cluster_bound_gaugesReadAtEachScrape() {
    AtomicBoolean driving = new AtomicBoolean(true);
    metrics.cluster(() -> 3, driving::get);
    assertThat(value(scrape(), "cohort_cluster_members")).isEqualTo(3);
    assertThat(value(scrape(), "cohort_cluster_driving")).isEqualTo(1);
    driving.set(false);
    assertThat(value(scrape(), "cohort_cluster_driving")).isZero();
  }

  @Test
  void cluster_boundTwice_throws() {
    metrics.cluster(() -> 1, () -> true);
    assertThatThrownBy(() -> metrics.cluster(() -> 1, () -> true)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void twoInstances_countIndependently() {
    try (CoordinatorMetrics other = new CoordinatorMetrics()) {
      other.roundCompleted(1);
      other.updateAccepted();
      assertThat(value(scrape(), "cohort_rounds_completed_total")).isZero();
      assertThat(value(scrape(), "cohort_updates_accepted_total")).isZero();
      assertThat(value(PrometheusText.parse(other.scrape()), "cohort_rounds_completed_total")).isEqualTo(1);
    }
  }

  @Test
  void close_twice_isHarmless() {
    CoordinatorMetrics m = new CoordinatorMetrics();
    m.close();
    m.close();
    assertThat(metrics.scrape()).contains("cohort_rounds_completed_total");
  }
}
