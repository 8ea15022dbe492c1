package io.cohort.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.http.ApiAuth;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's routes on a bare router and a real HTTP server on loopback, with a status the test sets: the page
 * and its policy, the redirect, the token check, and the event stream's first event, change events, keep-alives,
 * immediate pushes, and its bound on open streams.
 */
class DashboardRoutesTest {
  private static final String TOKEN = "dashboard-test-token";
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final AtomicReference<JsonObject> status = new AtomicReference<>(new JsonObject().put("run", "r1")
      .put("registered", 0));
  private final HttpClient http = EventStreamReader.client();
  private final List<EventStreamReader> readers = new ArrayList<>();
  private Vertx vertx;
  private Server server;

  /** Mounts the routes on its own context, as the coordinator's verticle does. */
  private static final class Server extends VerticleBase {
    private final AtomicReference<JsonObject> status;
    private final long checkMs;
    private final long keepAliveMs;
    private DashboardRoutes routes;
    private HttpServer http;

    Server(AtomicReference<JsonObject> status, long checkMs, long keepAliveMs) {
      this.status = status;
      this.checkMs = checkMs;
      this.keepAliveMs = keepAliveMs;
    }

    @Override
    public Future<?> start() {
      Router router = Router.router(vertx);
      routes = DashboardRoutes.mount(vertx, router, () -> status.get().copy(), ApiAuth.bearerOrQuery(TOKEN),
          checkMs, keepAliveMs);
      return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").onSuccess(s -> http = s);
    }

    String base() {
      return "http://127.0.0.1:" + http.actualPort();
    }

    /** Runs {@code action} on this verticle's context and waits for it. */
    <T> T onContext(java.util.function.Supplier<T> action) throws java.util.concurrent.TimeoutException {
      Promise<T> done = Promise.promise();
      context.runOnContext(v -> done.complete(action.get()));
      return done.future().await(5, TimeUnit.SECONDS);
    }
  }

  private void start(long checkMs, long keepAliveMs) throws java.util.concurrent.TimeoutException {
    // A low blocked-thread threshold, so that blocking on the event loop would show in the log.
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(100)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    server = new Server(status, checkMs, keepAliveMs);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
  }

  private EventStreamReader events(String query, String bearer) throws Exception {
    EventStreamReader reader = EventStreamReader.open(http, EventStreamReader.uri(server.base(),
        DashboardRoutes.EVENTS_PATH + query), bearer);
    readers.add(reader);
    return reader;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(EventStreamReader.uri(server.base(), path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @AfterEach
  void stop() throws Exception {
    for (EventStreamReader reader : readers) {
      reader.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void inlineHash_cspSpecExamples_matchPublishedHashes() {
    // The examples of the CSP Level 3 specification and MDN's Content-Security-Policy page.
    assertThat(DashboardRoutes.inlineHash("<p><script>alert('Hello, world.');</script></p>", "script"))
        .isEqualTo("sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng=");
    assertThat(DashboardRoutes.inlineHash("<script>var inline = 1;</script>", "script"))
        .isEqualTo("sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8=");
  }

  @Test
  void inlineHash_withTwoScripts_throws() {
    assertThatThrownBy(() -> DashboardRoutes.inlineHash("<script>a</script><script>b</script>", "script"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one");
  }

  @Test
  void page_get_isSelfContainedHtmlWithAPolicyAllowingOnlyItsOwnInlineCode() throws Exception {
    start(DashboardRoutes.CHECK_MS, DashboardRoutes.KEEP_ALIVE_MS);
    HttpResponse<String> page = get(DashboardRoutes.PATH);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    String policy = page.headers().firstValue("content-security-policy").orElseThrow();
    assertThat(policy).contains("default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'",
        "script-src '" + DashboardRoutes.inlineHash(page.body(), "script") + "'",
        "style-src '" + DashboardRoutes.inlineHash(page.body(), "style") + "'");
    assertThat(page.headers().firstValue("referrer-policy")).hasValue("no-referrer");
    String html = page.body();
    assertThat(html).contains("/dashboard/events?access_token=", "data-round", "id=\"chart\"", "id=\"run\"",
        "id=\"registered\"", "id=\"online\"", "id=\"epsilon\"", "id=\"members\"");
    // Nothing is loaded from elsewhere: the only absolute URL is the SVG namespace.
    assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://", "https://", " src=");
    assertThat(html).doesNotContain("innerHTML");
  }

  @Test
  void root_get_redirectsToTheDashboardKeepingTheQuery() throws Exception {
    start(DashboardRoutes.CHECK_MS, DashboardRoutes.KEEP_ALIVE_MS);
    HttpResponse<String> plain = get("/");
    assertThat(plain.statusCode()).isEqualTo(302);
    assertThat(plain.headers().firstValue("location")).hasValue("/dashboard");
    HttpResponse<String> withQuery = get("/?token=abc");
    assertThat(withQuery.headers().firstValue("location")).hasValue("/dashboard?token=abc");
  }

  @Test
  void events_withoutOrWithWrongToken_get401() throws Exception {
    start(DashboardRoutes.CHECK_MS, DashboardRoutes.KEEP_ALIVE_MS);
    assertThat(events("", null).status()).isEqualTo(401);
    assertThat(events("?access_token=wrong", null).status()).isEqualTo(401);
    assertThat(events("", "wrong").status()).isEqualTo(401);
    assertThat(server.onContext(server.routes::openStreams)).isZero();
  }

  @Test
  void events_withQueryToken_sendRetryThenTheStatusAtOnce() throws Exception {
    start(60_000, 60_000);
    EventStreamReader reader = events("?access_token=" + TOKEN, null);
    assertThat(reader.status()).isEqualTo(200);
    assertThat(reader.contentType()).startsWith("text/event-stream");
    assertThat(reader.nextLine(WAIT)).isEqualTo("retry: " + StatusStream.RETRY_MS);
    assertThat(reader.nextLine(WAIT)).isEmpty();
    assertThat(reader.nextLine(WAIT)).isEqualTo("event: status");
    assertThat(reader.nextLine(WAIT)).isEqualTo("data: " + status.get().encode());
    assertThat(reader.nextLine(WAIT)).isEmpty();
  }

  @Test
  void events_whenTheStatusChanges_sendItOnce() throws Exception {
    start(50, 60_000);
    EventStreamReader reader = events("", TOKEN); // the header works too
    assertThat(reader.nextStatus(WAIT)).isEqualTo(status.get());
    JsonObject next = status.get().copy().put("registered", 1);
    status.set(next);
    assertThat(reader.nextStatus(WAIT)).isEqualTo(next);
    assertThat(reader.nextStatus(Duration.ofMillis(600))).as("no event while the status stays the same").isNull();
  }

  @Test
  void events_whenQuiet_sendKeepAliveComments() throws Exception {
    start(20, 100);
    EventStreamReader reader = events("?access_token=" + TOKEN, null);
    assertThat(reader.nextStatus(WAIT)).isNotNull();
    String line;
    do {
      line = reader.nextLine(WAIT);
    } while (line != null && line.isEmpty());
    assertThat(line).isEqualTo(": keep-alive");
  }

  @Test
  void changed_withTheCheckFarOff_pushesTheNewStatusAtOnce() throws Exception {
    start(60_000, 60_000);
    EventStreamReader reader = events("?access_token=" + TOKEN, null);
    assertThat(reader.nextStatus(WAIT)).isNotNull();
    JsonObject next = status.get().copy().put("modelVersion", 2);
    status.set(next);
    server.onContext(() -> {
      server.routes.changed();
      return null;
    });
    assertThat(reader.nextStatus(Duration.ofSeconds(2))).isEqualTo(next);
  }

  @Test
  void events_beyondMaxStreams_get503_andAClosedStreamFreesItsSlot() throws Exception {
    start(50, 60_000);
    for (int i = 0; i < DashboardRoutes.MAX_STREAMS; i++) {
      EventStreamReader reader = events("?access_token=" + TOKEN, null);
      assertThat(reader.status()).isEqualTo(200);
      assertThat(reader.nextStatus(WAIT)).isNotNull();
    }
    EventStreamReader refused = events("?access_token=" + TOKEN, null);
    assertThat(refused.status()).isEqualTo(503);
    assertThat(server.onContext(server.routes::openStreams)).isEqualTo(DashboardRoutes.MAX_STREAMS);

    readers.get(0).close();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (server.onContext(server.routes::openStreams) == DashboardRoutes.MAX_STREAMS
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(server.onContext(server.routes::openStreams)).isEqualTo(DashboardRoutes.MAX_STREAMS - 1);
    EventStreamReader again = events("?access_token=" + TOKEN, null);
    assertThat(again.status()).isEqualTo(200);
  }
}
