package io.cohort.coordinator.metrics;

import io.cohort.protocol.v1.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The metrics of one coordinator, in a Prometheus registry of its own (never the global one: several coordinators may
 * share a JVM), rendered by {@link #scrape()} in the Prometheus text format (version 0.0.4) that {@code GET /metrics}
 * serves:
 *
 * <ul>
 *   <li>{@code cohort_rounds_completed_total}, {@code cohort_rounds_failed_total}: rounds this node drove to a new
 *       model, or to a failure;
 *   <li>{@code cohort_round_duration_seconds{outcome="completed"|"failed"}}: histogram of round wall times, from
 *       sampling to the new model (or the failure);
 *   <li>{@code cohort_aggregation_seconds}: histogram of the time spent turning a round's sum into the next model;
 *   <li>{@code cohort_clients_registered}, {@code cohort_clients_online}: gauges, as of the last {@link #clients}
 *       call (0 on a node that does not drive);
 *   <li>{@code cohort_updates_accepted_total}; {@code cohort_updates_rejected_total{reason}}: uploads refused, by
 *       protocol error code; {@code cohort_requests_refused_total{reason}}: every refusal of every route, uploads
 *       included (the counts {@code GET /v1/status} shows as {@code refusals});
 *   <li>{@code cohort_bytes_received_total}, {@code cohort_bytes_sent_total}: request and response body bytes of the
 *       protocol routes ({@code /v1/*});
 *   <li>{@code cohort_cluster_members}, {@code cohort_cluster_driving}: only once {@link #cluster} is called (a
 *       coordinator without a cluster has neither);
 *   <li>the JVM's memory, GC, threads, CPU and uptime ({@code jvm_*}, {@code process_*}, {@code system_*}).
 * </ul>
 *
 * <p>Every recording method is thread-safe and non-blocking. Every refused-reason series is present from the start,
 * at 0, so that rates over them are defined.
 */
public final class CoordinatorMetrics implements AutoCloseable {
  /** The content type of {@link #scrape()}'s text. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final Duration[] ROUND_BUCKETS = seconds(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600);
  /** Request latency buckets: 0.5 ms to about 2 minutes, each 20 % above the last, so a percentile is read to 20 %. */
  private static final Duration[] REQUEST_BUCKETS = geometric(0.0005, 1.2, 69);
  private static final Duration[] AGGREGATION_BUCKETS = seconds(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
      10, 30, 60);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Counter roundsCompleted;
  private final Counter roundsFailed;
  private final Timer completedDurations;
  private final Timer failedDurations;
  private final Timer aggregations;
  private final Counter updatesAccepted;
  private final Map<ErrorCode, Counter> updatesRejected = new EnumMap<>(ErrorCode.class);
  private final Map<ErrorCode, Counter> requestsRefused = new EnumMap<>(ErrorCode.class);
  private final Counter bytesReceived;
  private final Counter bytesSent;
  private final Map<String, Timer> requests = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicInteger registered = new AtomicInteger();
  private final AtomicInteger online = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private boolean clusterBound;

  /** A registry with every coordinator metric at 0 and the JVM metrics bound. */
  public CoordinatorMetrics() {
    roundsCompleted = Counter.builder("cohort.rounds.completed")
        .description("Rounds this node drove that produced a new global model").register(registry);
    roundsFailed = Counter.builder("cohort.rounds.failed")
        .description("Rounds this node drove that failed").register(registry);
    completedDurations = roundTimer("completed");
    failedDurations = roundTimer("failed");
    aggregations = Timer.builder("cohort.aggregation")
        .description("Time spent turning a round's sum into the next global model")
        .serviceLevelObjectives(AGGREGATION_BUCKETS).register(registry);
    updatesAccepted = Counter.builder("cohort.updates.accepted")
        .description("Updates (plain or masked) folded into a round").register(registry);
    for (ErrorCode code : ErrorCode.values()) {
      if (code != ErrorCode.UNRECOGNIZED && code != ErrorCode.ERROR_CODE_UNSPECIFIED) {
        updatesRejected.put(code, updateRejectedCounter(code));
        requestsRefused.put(code, requestRefusedCounter(code));
      }
    }
    bytesReceived = Counter.builder("cohort.bytes.received")
        .description("Request body bytes received on the protocol routes").register(registry);
    bytesSent = Counter.builder("cohort.bytes.sent")
        .description("Response body bytes sent on the protocol routes").register(registry);
    Gauge.builder("cohort.clients.registered", registered, AtomicInteger::get)
        .description("Clients registered with the run (0 on a node that does not drive)").register(registry);
    Gauge.builder("cohort.clients.online", online, AtomicInteger::get)
        .description("Registered clients heard from within the liveness window (0 on a node that does not drive)")
        .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  private Timer roundTimer(String outcome) {
    return Timer.builder("cohort.round.duration")
        .description("Round wall time from sampling to the new model or the failure")
        .tag("outcome", outcome)
        .serviceLevelObjectives(ROUND_BUCKETS).register(registry);
  }

  private Counter updateRejectedCounter(ErrorCode code) {
    return Counter.builder("cohort.updates.rejected").description("Update uploads refused, by protocol error code")
        .tag("reason", code.name()).register(registry);
  }

  private Counter requestRefusedCounter(ErrorCode code) {
    return Counter.builder("cohort.requests.refused")
        .description("Requests refused on any route, by protocol error code").tag("reason", code.name())
        .register(registry);
  }

  private static Duration[] seconds(double... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
    }
    return out;
  }

  private static Duration ofSeconds(double seconds) {
    return Duration.ofNanos(Math.round(Math.max(0, seconds) * 1e9));
  }

  /** A round produced a new model after {@code seconds} of wall time. */
  public void roundCompleted(double seconds) {
    roundsCompleted.increment();
    completedDurations.record(ofSeconds(seconds));
  }

  /** A round failed after {@code seconds} of wall time. */
  public void roundFailed(double seconds) {
    roundsFailed.increment();
    failedDurations.record(ofSeconds(seconds));
  }

  /** Turning a round's sum into the next model took {@code seconds}. */
  public void aggregated(double seconds) {
    aggregations.record(ofSeconds(seconds));
  }

  /** An update was accepted into its round. */
  public void updateAccepted() {
    updatesAccepted.increment();
  }

  /** An update upload was refused with {@code code}; count it with {@link #requestRefused} too. */
  public void updateRejected(ErrorCode code) {
    Counter c = updatesRejected.get(code);
    (c != null ? c : updateRejectedCounter(code)).increment();
  }

  /** A request (of any route) was refused with {@code code}. */
  public void requestRefused(ErrorCode code) {
    Counter c = requestsRefused.get(code);
    (c != null ? c : requestRefusedCounter(code)).increment();
  }

  /**
   * A protocol request on {@code route} (a short fixed name: {@code register}, {@code tasks}, {@code updates}, ...) took
   * {@code nanos} from its arrival to the end of its response; a poll's time includes how long it was held.
   */
  public void request(String route, long nanos) {
    requests.computeIfAbsent(route, r -> Timer.builder("cohort.http.request")
        .description("Protocol requests from arrival to the end of the response, by route (a poll is held open "
            + "while there is no task, so its time is mostly waiting)")
        .tag("route", r).serviceLevelObjectives(REQUEST_BUCKETS).register(registry))
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private static Duration[] geometric(double first, double ratio, int count) {
    Duration[] out = new Duration[count];
    double v = first;
    for (int i = 0; i < count; i++, v *= ratio) {
      out[i] = Duration.ofNanos(Math.round(v * 1e9));
    }
    return out;
  }

  /** A protocol exchange read {@code requestBytes} of request body and wrote {@code responseBytes} of response body. */
  public void transferred(long requestBytes, long responseBytes) {
    if (requestBytes > 0) {
      bytesReceived.increment(requestBytes);
    }
    if (responseBytes > 0) {
      bytesSent.increment(responseBytes);
    }
  }

  /** Sets the client gauges: {@code registered} clients, of which {@code online} are live. */
  public void clients(int registered, int online) {
    this.registered.set(registered);
    this.online.set(online);
  }

  /**
   * Adds the cluster gauges, read at each scrape: {@code cohort_cluster_members} (members this node sees) and
   * {@code cohort_cluster_driving} (1 while this node drives, else 0). Both suppliers are called on the scraping
   * thread, so they must be thread-safe and non-blocking. At most once.
   *
   * @throws IllegalStateException if already called
   */
  public synchronized void cluster(IntSupplier members, BooleanSupplier driving) {
    Objects.requireNonNull(members, "members");
    Objects.requireNonNull(driving, "driving");
    if (clusterBound) {
      throw new IllegalStateException("the cluster gauges are already bound");
    }
    clusterBound = true;
    Gauge.builder("cohort.cluster.members", members::getAsInt)
        .description("Members of the coordinator cluster this node sees").register(registry);
    Gauge.builder("cohort.cluster.driving", () -> driving.getAsBoolean() ? 1 : 0)
        .description("1 while this node drives the run, else 0").register(registry);
  }

  /**
   * Every metric in the Prometheus text format ({@link #CONTENT_TYPE}). Thread-safe; takes a few milliseconds (the
   * JVM gauges are read now), so call it off the event loop.
   */
  public String scrape() {
    return registry.scrape();
  }

  /** Unbinds the JVM GC listeners and closes the registry. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    gc.close();
    registry.close();
  }
}
