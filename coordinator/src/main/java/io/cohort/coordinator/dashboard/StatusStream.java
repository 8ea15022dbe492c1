package io.cohort.coordinator.dashboard;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Server-sent events of the coordinator's status: each open stream gets the status JSON as an {@code event: status}
 * at once, then again whenever it differs from what that stream last got (checked every {@code checkMs} and on
 * {@link #changed()}), and a comment line when it has been quiet for {@code keepAliveMs}, so that proxies and idle
 * timeouts leave it open. The stream starts with a {@code retry:} field telling the browser how soon to reconnect.
 *
 * <p>Confined to the coordinator's context: every method runs there, and the status supplier must be cheap and
 * non-blocking. The periodic check runs only while a stream is open. A reader too slow to take an event skips it
 * (nothing queues behind a full write queue) and gets the newest status once it catches up. At most {@code
 * maxStreams} streams are open at once; more get HTTP 503.
 */
final class StatusStream {
  /** The reconnection delay the stream asks browsers for. */
  static final long RETRY_MS = 2000;

  private final Vertx vertx;
  private final Supplier<JsonObject> status;
  private final long checkMs;
  private final long keepAliveMs;
  private final int maxStreams;
  private final Set<Subscriber> subscribers = new LinkedHashSet<>();
  private long timer = -1;

  StatusStream(Vertx vertx, Supplier<JsonObject> status, long checkMs, long keepAliveMs, int maxStreams) {
    if (checkMs <= 0 || keepAliveMs <= 0 || maxStreams <= 0) {
      throw new IllegalArgumentException("checkMs, keepAliveMs and maxStreams must be > 0, got " + checkMs + ", "
          + keepAliveMs + ", " + maxStreams);
    }
    this.vertx = vertx;
    this.status = status;
    this.checkMs = checkMs;
    this.keepAliveMs = keepAliveMs;
    this.maxStreams = maxStreams;
  }

  /** One open event stream. */
  private static final class Subscriber {
    final HttpServerResponse response;
    String lastSent;
    long lastWriteMs;

    Subscriber(HttpServerResponse response) {
      this.response = response;
    }
  }

  /** Opens an event stream on this request (already authenticated). */
  void open(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (subscribers.size() >= maxStreams) {
      response.setStatusCode(503).putHeader("retry-after", "10").putHeader("content-type", "application/json")
          .end(new JsonObject().put("error", "too many dashboard streams are open (" + maxStreams
              + "); close one and retry").encode());
      return;
    }
    Subscriber s = new Subscriber(response);
    subscribers.add(s);
    response.closeHandler(v -> remove(s));
    response.exceptionHandler(e -> remove(s));
    response.setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-store")
        .putHeader("x-accel-buffering", "no"); // a buffering reverse proxy would hold the events back
    response.write("retry: " + RETRY_MS + "\n\n");
    send(s, status.get().encode());
    if (timer < 0) {
      timer = vertx.setPeriodic(checkMs, id -> tick());
    }
  }

  /** Sends the status now to every stream it changed for (after a round, say). */
  void changed() {
    if (!subscribers.isEmpty()) {
      push();
    }
  }

  /** How many streams are open. */
  int open() {
    return subscribers.size();
  }

  private void tick() {
    push();
    long now = System.currentTimeMillis();
    for (Subscriber s : new ArrayList<>(subscribers)) {
      if (now - s.lastWriteMs >= keepAliveMs && !s.response.writeQueueFull()) {
        s.response.write(": keep-alive\n\n");
        s.lastWriteMs = now;
      }
    }
  }

  private void push() {
    String json = status.get().encode(); // one line: JSON strings escape their line breaks
    for (Subscriber s : new ArrayList<>(subscribers)) {
      if (!json.equals(s.lastSent)) {
        send(s, json);
      }
    }
  }

  private void send(Subscriber s, String json) {
    if (s.response.closed() || s.response.writeQueueFull()) {
      return; // skipped: lastSent stays, so the newest status goes out once the reader catches up
    }
    s.response.write("event: status\ndata: " + json + "\n\n");
    s.lastSent = json;
    s.lastWriteMs = System.currentTimeMillis();
  }

  private void remove(Subscriber s) {
    subscribers.remove(s);
    if (subscribers.isEmpty() && timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
