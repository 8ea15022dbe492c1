package io.cohort.client.transport;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.cohort.client.CohortException;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.Ack;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.EvaluateResult;
import io.cohort.protocol.v1.LeaveRequest;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UpdateHeader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One coordinator's protocol endpoints over HTTP. Every call either returns the reply or throws {@link
 * CohortException}: code {@code TRANSPORT} (retryable) for I/O failures, otherwise the coordinator's error code.
 * Thread-safe; share one instance (and its connection pool) among many clients.
 */
public final class HttpTransport {
  private static final Duration SMALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration BULK_TIMEOUT = Duration.ofMinutes(30);

  private final String base; // without a trailing slash; a path prefix (behind a proxy) is kept
  private final HttpClient http;

  /** A transport to the coordinator at {@code base} (e.g. {@code http://127.0.0.1:7000}). */
  public HttpTransport(URI base, HttpClient http) {
    String text = base.toString();
    this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    this.http = http;
  }

  /** A JDK HTTP client suited to the protocol (HTTP/1.1 on cleartext, connect timeout 10 s). */
  public static HttpClient defaultHttpClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  public RegisterResponse register(RegisterRequest request) {
    return call("/v1/register", request, RegisterResponse.parser(), SMALL_TIMEOUT);
  }

  public Task poll(PollRequest request) {
    return call("/v1/tasks", request, Task.parser(), SMALL_TIMEOUT.plusMillis(request.getWaitMs()));
  }

  public Ack evaluation(EvaluateResult result) {
    return call("/v1/evaluations", result, Ack.parser(), SMALL_TIMEOUT);
  }

  /** A secure-aggregation stage message (keys, shares, unmask or decline). */
  public Ack secAgg(SecAggMessage message) {
    return call("/v1/secagg", message, Ack.parser(), SMALL_TIMEOUT);
  }

  public Ack leave(LeaveRequest request) {
    return call("/v1/leave", request, Ack.parser(), SMALL_TIMEOUT);
  }

  /** A downloaded global model. */
  public record DownloadedModel(long version, ModelArchitecture architecture, float[] parameters) {}

  /** Downloads model {@code version} of {@code runId}, validating every chunk against the model's tensors. */
  public DownloadedModel downloadModel(String clientId, String token, String runId, long version) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/runs/" + runId + "/models/" + version))
        .timeout(BULK_TIMEOUT)
        .header("x-cohort-client", clientId)
        .header("x-cohort-token", token)
        .GET()
        .build();
    HttpResponse<InputStream> response = send(request);
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw refusal(response.statusCode(), body.readAllBytes());
      }
      ModelHeader header = Frames.readRequired(body, ModelHeader.parser(), "ModelHeader");
      ModelArchitecture architecture = ModelArchitecture.fromProto(header.getModel());
      if (header.getVersion() != version || header.getTotalElements() != architecture.parameterCount()) {
        throw new CohortException("MALFORMED", "model header (version " + header.getVersion() + ", "
            + header.getTotalElements() + " elements) does not match the request for version " + version, false, null);
      }
      float[] parameters = new float[architecture.parameterCount()];
      TensorChunks.Assembler assembler = new TensorChunks.Assembler(architecture.tensors(), parameters);
      TensorChunk chunk;
      while ((chunk = Frames.read(body, TensorChunk.parser())) != null) {
        assembler.accept(chunk);
      }
      assembler.finish();
      return new DownloadedModel(version, architecture, parameters);
    } catch (ProtocolException e) {
      throw new CohortException(e.code().name(), "model download: " + e.getMessage(), false, e);
    } catch (IllegalArgumentException e) {
      throw new CohortException("MALFORMED", "model download: " + e.getMessage(), false, e);
    } catch (IOException e) {
      throw new CohortException("TRANSPORT", "model download broke off: " + e.getMessage(), true, e);
    }
  }

  /**
   * Streams an update: the header frame, then the delta's chunks, encoded one at a time as the body is sent.
   */
  public Ack uploadUpdate(UpdateHeader header, List<TensorShape> tensors, float[] delta) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/updates"))
        .timeout(BULK_TIMEOUT)
        .header("content-type", Frames.CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> updateBody(header, tensors, delta)))
        .build();
    return reply(send(request), Ack.parser());
  }

  /**
   * Streams a masked secure-aggregation vector: the header frame, then UINT32 chunks of the one tensor {@code name},
   * encoded one at a time as the body is sent.
   */
  public Ack uploadMasked(UpdateHeader header, String name, int[] masked) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/updates"))
        .timeout(BULK_TIMEOUT)
        .header("content-type", Frames.CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> maskedBody(header, name, masked)))
        .build();
    return reply(send(request), Ack.parser());
  }

  private static InputStream maskedBody(UpdateHeader header, String name, int[] masked) {
    return new SequenceInputStream(new Enumeration<InputStream>() {
      private int offset = -1;

      @Override
      public boolean hasMoreElements() {
        return offset < masked.length;
      }

      @Override
      public InputStream nextElement() {
        if (!hasMoreElements()) {
          throw new NoSuchElementException();
        }
        if (offset < 0) {
          offset = 0;
          return new ByteArrayInputStream(Frames.encode(header));
        }
        int count = Math.min(TensorChunks.DEFAULT_CHUNK_ELEMENTS, masked.length - offset);
        TensorChunk chunk = TensorChunks.chunkUInt32(name, masked, offset, count);
        offset += count;
        return new ByteArrayInputStream(Frames.encode(chunk));
      }
    });
  }

  private static InputStream updateBody(UpdateHeader header, List<TensorShape> tensors, float[] delta) {
    return new SequenceInputStream(new Enumeration<InputStream>() {
      private int tensor = -1;
      private int offset;

      @Override
      public boolean hasMoreElements() {
        return tensor < 0 || tensor < tensors.size() - 1 || offset < tensors.get(tensor).size();
      }

      @Override
      public InputStream nextElement() {
        if (!hasMoreElements()) {
          throw new NoSuchElementException();
        }
        if (tensor < 0) {
          tensor = 0;
          return new ByteArrayInputStream(Frames.encode(header));
        }
        if (offset >= tensors.get(tensor).size()) {
          tensor++;
          offset = 0;
        }
        TensorShape t = tensors.get(tensor);
        int count = Math.min(TensorChunks.DEFAULT_CHUNK_ELEMENTS, t.size() - offset);
        TensorChunk chunk = TensorChunks.chunk(t, delta, offset, count);
        offset += count;
        return new ByteArrayInputStream(Frames.encode(chunk));
      }
    });
  }

  private <T> T call(String path, MessageLite message, Parser<T> parser, Duration timeout) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(timeout)
        .header("content-type", Frames.CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofByteArray(Frames.encode(message)))
        .build();
    return reply(send(request), parser);
  }

  private HttpResponse<InputStream> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new CohortException("TRANSPORT", request.method() + " " + request.uri() + " failed: " + e, true, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CohortException("INTERRUPTED", "interrupted during " + request.uri(), false, e);
    }
  }

  private static <T> T reply(HttpResponse<InputStream> response, Parser<T> parser) {
    try (InputStream body = response.body()) {
      byte[] bytes = body.readAllBytes();
      if (response.statusCode() != 200) {
        throw refusal(response.statusCode(), bytes);
      }
      return Frames.readSingle(new ByteArrayInputStream(bytes), parser, "reply");
    } catch (ProtocolException e) {
      throw new CohortException("MALFORMED", "reply from coordinator: " + e.getMessage(), false, e);
    } catch (IOException e) {
      throw new CohortException("TRANSPORT", "reading the reply failed: " + e, true, e);
    }
  }

  private static CohortException refusal(int status, byte[] body) {
    try {
      Error error = Frames.readSingle(new ByteArrayInputStream(body), Error.parser(), "Error");
      boolean retryable = error.getRetryable() || error.getCode() == ErrorCode.UNAVAILABLE;
      return new CohortException(error.getCode().name(), error.getMessage(), retryable, null);
    } catch (ProtocolException | IOException e) {
      return new CohortException("HTTP_" + status, "coordinator answered HTTP " + status + " without an Error frame",
          status >= 500, null);
    }
  }
}
