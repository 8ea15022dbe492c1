package io.cohort.client.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.cohort.client.CohortException;
import io.cohort.crypto.pki.SignedStatement;
import io.cohort.crypto.pki.UpdateSigner;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.SignedPayloads;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.Ack;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.EnrolResponse;
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
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * One coordinator's protocol endpoints over HTTP. Every call either returns the reply or throws {@link
 * CohortException}: code {@code TRANSPORT} (retryable) for I/O failures, otherwise the coordinator's error code.
 * Thread-safe. An unsigned transport may be shared among many clients (and its connection pool with it); a transport
 * with a signer and an mTLS {@link HttpClient} belongs to one client identity.
 *
 * <p>With a signer, every update upload and every {@link SecAggMessage} is signed as "Signed messages" in {@code
 * cohort.proto} defines ({@link SignedPayloads}): the transport fills in the {@code signature} field, so callers
 * build messages without it.
 */
public final class HttpTransport {
  private static final Duration SMALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration BULK_TIMEOUT = Duration.ofMinutes(30);

  private final String base; // without a trailing slash; a path prefix (behind a proxy) is kept
  private final HttpClient http;
  private final UpdateSigner signer; // null: messages go unsigned (insecure mode, or before enrolment)

  /** An unsigning transport to the coordinator at {@code base} (e.g. {@code http://127.0.0.1:7000}). */
  public HttpTransport(URI base, HttpClient http) {
    this(base, http, null);
  }

  /**
   * A transport to the coordinator at {@code base} that signs uploads and secure-aggregation messages with {@code
   * signer} (the client's certified key, see {@link io.cohort.crypto.pki.ClientIdentity#signer()}); {@code http}
   * should present that client's certificate ({@link #tlsHttpClient}).
   */
  public HttpTransport(URI base, HttpClient http, UpdateSigner signer) {
    String text = base.toString();
    this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    this.http = http;
    this.signer = signer;
  }

  /** A JDK HTTP client suited to the protocol (HTTP/1.1 on cleartext, connect timeout 10 s). */
  public static HttpClient defaultHttpClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /**
   * A JDK HTTP client for HTTPS with {@code tls} (HTTP/1.1, connect timeout 10 s), e.g. from {@code
   * io.cohort.crypto.pki.TlsContexts#client}: it pins the coordinator's CA and presents the client's certificate.
   */
  public static HttpClient tlsHttpClient(SSLContext tls) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .sslContext(tls)
        .build();
  }

  /** Trades a one-time token and a CSR for a client certificate (TLS only, no client certificate needed). */
  public EnrolResponse enrol(EnrolRequest request) {
    return call("/v1/enrol", request, EnrolResponse.parser(), SMALL_TIMEOUT);
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

  /** A secure-aggregation stage message (keys, shares, unmask or decline), signed if this transport signs. */
  public Ack secAgg(SecAggMessage message) {
    SecAggMessage sent = message;
    if (signer != null) {
      byte[] signature = signer.sign(statement(message.getRunId(), message.getRound(), message.getClientId(),
          SignedPayloads.stageOf(message), SignedPayloads.digest(message)));
      sent = message.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
    }
    return call("/v1/secagg", sent, Ack.parser(), SMALL_TIMEOUT);
  }

  public Ack leave(LeaveRequest request) {
    return call("/v1/leave", request, Ack.parser(), SMALL_TIMEOUT);
  }

  /** A downloaded global model. */
  public record DownloadedModel(long version, ModelArchitecture architecture, float[] parameters) {}

  /** Downloads model {@code version} of {@code runId}, validating every chunk against the model's tensors. */
  public DownloadedModel downloadModel(String clientId, String token, String runId, long version) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + "/v1/runs/" + runId + "/models/"
        + version)).timeout(BULK_TIMEOUT).header("x-cohort-client", clientId);
    if (token != null && !token.isEmpty()) { // with TLS the certificate authenticates; there is no token
      builder.header("x-cohort-token", token);
    }
    HttpRequest request = builder.GET().build();
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
   * Streams an update: the header frame, then the delta's chunks, encoded one at a time as the body is sent. A signing
   * transport first encodes the chunks once to hash them (the signature, in the header, covers them).
   */
  public Ack uploadUpdate(UpdateHeader header, List<TensorShape> tensors, float[] delta) {
    return upload(header, false, () -> updateFrames(tensors, delta));
  }

  /**
   * Streams a masked secure-aggregation vector: the header frame, then UINT32 chunks of the one tensor {@code name},
   * encoded one at a time as the body is sent (and hashed first by a signing transport).
   */
  public Ack uploadMasked(UpdateHeader header, String name, int[] masked) {
    return upload(header, true, () -> maskedFrames(name, masked));
  }

  private Ack upload(UpdateHeader header, boolean masked, Supplier<Iterator<byte[]>> chunkFrames) {
    UpdateHeader sent = header;
    if (signer != null) {
      SignedPayloads.UploadDigest digest = new SignedPayloads.UploadDigest(header);
      for (Iterator<byte[]> frames = chunkFrames.get(); frames.hasNext(); ) {
        digest.addEncodedFrame(frames.next());
      }
      byte[] signature = signer.sign(statement(header.getRunId(), header.getRound(), header.getClientId(),
          SignedPayloads.uploadStage(masked), digest.finish()));
      sent = header.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
    }
    byte[] headerFrame = Frames.encode(sent);
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/updates"))
        .timeout(BULK_TIMEOUT)
        .header("content-type", Frames.CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body(headerFrame, chunkFrames.get())))
        .build();
    return reply(send(request), Ack.parser());
  }

  private static SignedStatement statement(String runId, int round, String clientId, String stage, byte[] digest) {
    try {
      return new SignedStatement(SignedPayloads.PROTOCOL_VERSION, runId, round, clientId, stage, digest);
    } catch (IllegalArgumentException e) {
      throw new CohortException("MALFORMED", "cannot sign the " + stage + " message: " + e.getMessage(), false, e);
    }
  }

  /** The header frame, then each chunk frame as the body is read. */
  private static InputStream body(byte[] headerFrame, Iterator<byte[]> chunkFrames) {
    return new SequenceInputStream(new Enumeration<InputStream>() {
      private boolean headerSent;

      @Override
      public boolean hasMoreElements() {
        return !headerSent || chunkFrames.hasNext();
      }

      @Override
      public InputStream nextElement() {
        if (!headerSent) {
          headerSent = true;
          return new ByteArrayInputStream(headerFrame);
        }
        return new ByteArrayInputStream(chunkFrames.next());
      }
    });
  }

  /** The masked vector's UINT32 chunk frames, encoded one at a time. */
  private static Iterator<byte[]> maskedFrames(String name, int[] masked) {
    return new Iterator<>() {
      private int offset;

      @Override
      public boolean hasNext() {
        return offset < masked.length;
      }

      @Override
      public byte[] next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int count = Math.min(TensorChunks.DEFAULT_CHUNK_ELEMENTS, masked.length - offset);
        TensorChunk chunk = TensorChunks.chunkUInt32(name, masked, offset, count);
        offset += count;
        return Frames.encode(chunk);
      }
    };
  }

  /** The update's chunk frames, tensor by tensor, encoded one at a time. */
  private static Iterator<byte[]> updateFrames(List<TensorShape> tensors, float[] delta) {
    return new Iterator<>() {
      private int tensor;
      private int offset;

      @Override
      public boolean hasNext() {
        while (tensor < tensors.size() && offset >= tensors.get(tensor).size()) {
          tensor++;
          offset = 0;
        }
        return tensor < tensors.size();
      }

      @Override
      public byte[] next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        TensorShape t = tensors.get(tensor);
        int count = Math.min(TensorChunks.DEFAULT_CHUNK_ELEMENTS, t.size() - offset);
        TensorChunk chunk = TensorChunks.chunk(t, delta, offset, count);
        offset += count;
        return Frames.encode(chunk);
      }
    };
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
