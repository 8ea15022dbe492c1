package io.cohort.coordinator.dashboard;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Reads a server-sent event stream line by line on a thread of its own; every wait is bounded. */
final class EventStreamReader implements AutoCloseable {
  private static final String END = "\u0000end";
  private final HttpResponse<InputStream> response;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Thread thread;

  private EventStreamReader(HttpResponse<InputStream> response) {
    this.response = response;
    this.thread = new Thread(this::read, "sse-reader");
    thread.setDaemon(true);
    thread.start();
  }

  /** Opens {@code uri}; with a non-null {@code bearer}, sends it as an Authorization header. */
  static EventStreamReader open(HttpClient http, URI uri, String bearer) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("accept", "text/event-stream").GET();
    if (bearer != null) {
      request.header("authorization", "Bearer " + bearer);
    }
    return new EventStreamReader(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  int status() {
    return response.statusCode();
  }

  String contentType() {
    return response.headers().firstValue("content-type").orElse("");
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      // closed by the test or the server: the stream ends
    } finally {
      lines.add(END);
    }
  }

  /** The next line, or null if none comes within {@code wait} or the stream ended. */
  String nextLine(Duration wait) throws InterruptedException {
    String line = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    return line == null || line.equals(END) ? null : line;
  }

  /** The data of the next {@code status} event within {@code wait}, or null. */
  JsonObject nextStatus(Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    boolean inStatus = false;
    while (System.nanoTime() < deadline) {
      String line = nextLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (line == null) {
        return null;
      }
      if (line.equals("event: status")) {
        inStatus = true;
      } else if (inStatus && line.startsWith("data: ")) {
        return new JsonObject(line.substring(6));
      } else if (line.isEmpty()) {
        inStatus = false;
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }

  static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  static URI uri(String base, String pathAndQuery) {
    return URI.create(base + pathAndQuery);
  }
}
