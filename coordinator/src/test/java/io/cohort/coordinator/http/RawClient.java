package io.cohort.coordinator.http;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.Task;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Speaks the protocol frame by frame, so tests can send what no well-behaved SDK would. */
final class RawClient {
  /** A reply; {@code closesConnection} if the server said it closes the connection after it. */
  record Reply(int status, byte[] body, boolean closesConnection) {
    <T> T as(Parser<T> parser) throws IOException, ProtocolException {
      return Frames.readSingle(new ByteArrayInputStream(body), parser, "reply");
    }

    Error error() throws IOException, ProtocolException {
      return as(Error.parser());
    }
  }

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  RawClient(String base) {
    this.base = base;
  }

  RegisterResponse register(String name) throws Exception {
    Reply r = post("/v1/register", Frames.encode(RegisterRequest.newBuilder().setClientName(name)
        .setProtocolVersion(1).build()));
    if (r.status() != 200) {
      throw new AssertionError("register failed: " + r.error());
    }
    return r.as(RegisterResponse.parser());
  }

  Task poll(RegisterResponse who, int waitMs) throws Exception {
    Reply r = post("/v1/tasks", Frames.encode(PollRequest.newBuilder().setClientId(who.getClientId())
        .setClientToken(who.getClientToken()).setWaitMs(waitMs).build()));
    if (r.status() != 200) {
      throw new AssertionError("poll failed: " + r.error());
    }
    return r.as(Task.parser());
  }

  Reply post(String path, byte[] body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("content-type", Frames.CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(response.statusCode(), response.body(),
        response.headers().firstValue("connection").map("close"::equalsIgnoreCase).orElse(false));
  }

  Reply get(String path, String clientId, String token) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header(ProtocolRoutes.CLIENT_HEADER, clientId).header(ProtocolRoutes.TOKEN_HEADER, token)
        .GET().build();
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(response.statusCode(), response.body(),
        response.headers().firstValue("connection").map("close"::equalsIgnoreCase).orElse(false));
  }

  static byte[] frames(List<? extends MessageLite> messages) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (MessageLite m : messages) {
      out.writeBytes(Frames.encode(m));
    }
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
