package io.cohort.coordinator.http;

import io.cohort.coordinator.metrics.CoordinatorMetrics;
import io.cohort.protocol.Frames;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.Router;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The coordinator's connection limit: connections beyond it are let in only to be told, on their first request, that
 * the coordinator is full (HTTP 503, a retryable {@code UNAVAILABLE} Error frame), and closed. A crowd of clients thus
 * costs refusals that the SDK retries with back-off, not the coordinator's memory or file descriptors; a connection
 * that closes makes room for the next.
 */
public final class ConnectionLimit {
  private final int max;
  private final CoordinatorMetrics metrics;
  private final AtomicInteger open = new AtomicInteger();
  private final Set<HttpConnection> overLimit = ConcurrentHashMap.newKeySet();

  /** A limit of {@code max} connections open at once; each refusal is counted in {@code metrics}. */
  public ConnectionLimit(int max, CoordinatorMetrics metrics) {
    this.max = max;
    this.metrics = metrics;
  }

  /** Counts a new connection (the server's connection handler). */
  public void opened(HttpConnection connection) {
    if (open.incrementAndGet() > max) {
      overLimit.add(connection);
    }
    connection.closeHandler(v -> {
      open.decrementAndGet();
      overLimit.remove(connection);
    });
  }

  /** Connections open now. */
  public int open() {
    return open.get();
  }

  /** Adds the first route of {@code router}: requests on a connection beyond the limit are refused. */
  public void mount(Router router) {
    router.route().order(-10).handler(ctx -> {
      HttpConnection connection = ctx.request().connection();
      if (!overLimit.contains(connection)) {
        ctx.next();
        return;
      }
      metrics.requestRefused(ErrorCode.UNAVAILABLE); // cohort_requests_refused_total{reason="UNAVAILABLE"}
      Error error = Error.newBuilder().setCode(ErrorCode.UNAVAILABLE).setRetryable(true)
          .setMessage("the coordinator has " + max + " connections open, its limit (--max-connections); retry "
              + "shortly").build();
      ctx.response().setStatusCode(503).putHeader("content-type", Frames.CONTENT_TYPE)
          .putHeader("connection", "close").putHeader("retry-after", "1")
          .end(Buffer.buffer(Frames.encode(error))).onComplete(done -> connection.close());
    });
  }
}
