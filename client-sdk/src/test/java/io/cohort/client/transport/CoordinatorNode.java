package io.cohort.client.transport;

import com.google.protobuf.MessageLite;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.cohort.protocol.Frames;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A stand-in for one coordinator node on 127.0.0.1, for tests: a JDK HTTP(S) server whose handler answers every
 * request, and which records every request it saw (path and body) for the test to check.
 */
public final class CoordinatorNode implements AutoCloseable {
  /** What a node answers to one request. */
  public interface Behaviour {
    /** Answers {@code exchange}, whose request body (already read) is {@code body}. */
    void answer(HttpExchange exchange, byte[] body) throws Exception;
  }

  /**
   * One request as the node read it.
   *
   * @param method the HTTP method
   * @param path the raw path
   * @param body the whole request body
   */
  public record Seen(String method, String path, byte[] body) {}

  private final HttpServer server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final String scheme;
  private volatile Behaviour behaviour;

  private CoordinatorNode(HttpServer server, String scheme, Behaviour behaviour) {
    this.server = server;
    this.scheme = scheme;
    this.behaviour = behaviour;
    server.createContext("/", exchange -> {
      try (exchange) {
        byte[] body = exchange.getRequestBody().readAllBytes();
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), body));
        try {
          this.behaviour.answer(exchange, body);
        } catch (Exception e) { // a broken test node: say so in the client's exception
          reply(exchange, 500, Error.newBuilder().setCode(ErrorCode.MALFORMED).setMessage("test node failed: " + e)
              .build());
        }
      }
    });
    server.start();
  }

  /** A cleartext node. */
  public static CoordinatorNode http(Behaviour behaviour) {
    try {
      return new CoordinatorNode(HttpServer.create(loopback(0), 0), "http", behaviour);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A TLS node presenting the certificate in {@code tls}; it asks for a client certificate but does not require one
   * (enrolment comes without), as a coordinator does.
   */
  public static CoordinatorNode https(SSLContext tls, Behaviour behaviour) {
    try {
      HttpsServer server = HttpsServer.create(loopback(0), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(tls) {
        @Override
        public void configure(HttpsParameters parameters) {
          SSLParameters ssl = tls.getDefaultSSLParameters();
          ssl.setWantClientAuth(true);
          parameters.setSSLParameters(ssl);
        }
      });
      return new CoordinatorNode(server, "https", behaviour);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The base URL ({@code scheme}) of a port that was bound on 127.0.0.1 and closed again: connections to it are
   * refused.
   */
  public static URI deadBase(String scheme) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create(scheme + "://127.0.0.1:" + socket.getLocalPort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Answers 307 with {@code Location} = {@code target}'s base + the request's path, and an UNAVAILABLE Error. */
  public static Behaviour redirectTo(URI target) {
    return (exchange, body) -> {
      String location = target + exchange.getRequestURI().getRawPath();
      exchange.getResponseHeaders().set("Location", location);
      reply(exchange, 307, Error.newBuilder().setCode(ErrorCode.UNAVAILABLE).setRetryable(true)
          .setMessage("not the driving node; the run is driven by " + target).build());
    };
  }

  /** Answers 200 with {@code message} as one frame. */
  public static Behaviour answer(MessageLite message) {
    return (exchange, body) -> reply(exchange, 200, message);
  }

  /** Answers {@code status} with {@code message} as one frame. */
  public static void reply(HttpExchange exchange, int status, MessageLite message) throws IOException {
    reply(exchange, status, Frames.encode(message));
  }

  /** Answers {@code status} with {@code bytes} as the body. */
  public static void reply(HttpExchange exchange, int status, byte[] bytes) throws IOException {
    exchange.getResponseHeaders().set("content-type", Frames.CONTENT_TYPE);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** From now on answers as {@code behaviour} says. */
  public void behave(Behaviour behaviour) {
    this.behaviour = behaviour;
  }

  /** This node's base URL, e.g. {@code http://127.0.0.1:41234}. */
  public URI base() {
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Every request this node has read so far, in order. */
  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
