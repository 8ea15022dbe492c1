package io.cohort.coordinator.http;

import io.cohort.coordinator.metrics.CoordinatorMetrics;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}: the coordinator's metrics in the Prometheus text format, for a Prometheus server to scrape.
 * Served by every node, outside the protocol: it needs no client certificate or token (with TLS, a scraper trusts the
 * coordinator's CA or skips verification) and it is neither redirected in a cluster nor counted in the protocol's
 * bytes or refusals. It reveals counts and timings, never client ids, names or model data.
 */
public final class MetricsEndpoint {
  /** The path Prometheus scrapes. */
  public static final String PATH = "/metrics";

  private MetricsEndpoint() {}

  /**
   * Adds the route to {@code router}. {@code scrape} is called on the event loop for each request and must not block:
   * it returns the text once rendered (on a worker).
   */
  public static void mount(Router router, Supplier<Future<String>> scrape) {
    router.get(PATH).handler(ctx -> scrape.get().onComplete(text -> {
      if (ctx.response().closed() || ctx.response().ended()) {
        return;
      }
      if (text.succeeded()) {
        ctx.response().putHeader("content-type", CoordinatorMetrics.CONTENT_TYPE).end(text.result());
      } else {
        ctx.response().setStatusCode(500).putHeader("content-type", "text/plain; charset=utf-8")
            .end("metrics unavailable: " + text.cause() + "\n");
      }
    }));
  }
}
