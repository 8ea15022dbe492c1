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
import io.cohort.protocol.compression.CompressedUpdate;
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
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A coordinator cluster's protocol endpoints over HTTP. Every call either returns the reply or throws {@link
 * CohortException}: code {@code TRANSPORT} (retryable) for I/O failures, otherwise the coordinator's error code.
 * Thread-safe. An unsigned transport may be shared among many clients (and its connection pool with it); a transport
 * with a signer and an mTLS {@link HttpClient} belongs to one client identity.
 *
 * <p>With a signer, every update upload and every {@link SecAggMessage} is signed as "Signed messages" in {@code
 * cohort.proto} defines ({@link SignedPayloads}): the transport fills in the {@code signature} field, so callers
 * build messages without it.
 *
 * <p><b>Following the cluster.</b> The transport knows one or more coordinator base URIs and sends every request to
 * the <em>current</em> one (at first the first given). Exactly one node of a coordinator cluster drives the run; the
 * others answer with a redirect (HTTP 307 or 308) whose {@code Location} is the same path on the driving node. The
 * transport then makes that node's base current (the {@code Location} minus the request's path, so a path prefix
 * behind a proxy is kept), remembers it, and sends the same request there at once: at most {@value #MAX_HOPS} such
 * hops per call, after which the call fails with a retryable {@code UNAVAILABLE}. Uploads re-encode their body for
 * each hop. On an I/O failure (connection refused or reset, timeout) the current base moves on to the next known one,
 * round-robin over the given bases and those learned from redirects (at most {@value #MAX_BASES}), and the failure
 * is rethrown as retryable {@code TRANSPORT}: the caller's retry then reaches the next node.
 *
 * <p><b>Security guarantees.</b> Redirects are followed by this class, never by the {@link HttpClient} (whose
 * redirect policy must be {@link HttpClient.Redirect#NEVER}, the JDK's default), so every node is reached through the same {@link
 * HttpClient}: with TLS, a redirected request goes only to a node whose certificate the pinned CA issued for the
 * host in the {@code Location}, and presents the same client certificate. A redirect to another scheme (an
 * {@code https} node pointing to {@code http}, a downgrade) is refused with a non-retryable {@code REDIRECT_REFUSED},
 * and all configured bases must share one scheme. Not guaranteed: that a node inside the pinned CA's trust points to
 * the right driver (a wrong one costs a failed call, not a leak), and nothing at all over cleartext {@code http}.
 */
public final class HttpTransport {
  /** Redirects followed within one call. */
  public static final int MAX_HOPS = 3;
  /** Coordinator bases remembered for fail-over, configured and learned together. */
  public static final int MAX_BASES = 16;
  private static final Duration SMALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration BULK_TIMEOUT = Duration.ofMinutes(30);
  private static final int MAX_REDIRECT_BODY = 64 * 1024;

  // Bases are kept without a trailing slash; a path prefix (behind a proxy) is kept.
  private final List<String> bases = new ArrayList<>(); // guarded by itself; configured first, then learned
  private final AtomicReference<String> current;
  private final String scheme;
  private final HttpClient http;
  private final UpdateSigner signer; // null: messages go unsigned (insecure mode, or before enrolment)

  /** An unsigning transport to the coordinator at {@code base} (e.g. {@code http://127.0.0.1:7000}). */
  public HttpTransport(URI base, HttpClient http) {
    this(List.of(base), http, null);
  }

  /**
   * A transport to the coordinator at {@code base} that signs uploads and secure-aggregation messages with {@code
   * signer} (the client's certified key, see {@link io.cohort.crypto.pki.ClientIdentity#signer()}); {@code http}
   * should present that client's certificate ({@link #tlsHttpClient}).
   */
  public HttpTransport(URI base, HttpClient http, UpdateSigner signer) {
    this(List.of(base), http, signer);
  }

  /**
   * An unsigning transport to the coordinator cluster whose nodes are at {@code bases} (see the class comment for
   * redirects and fail-over).
   *
   * @throws IllegalArgumentException if {@code bases} is empty, longer than {@value #MAX_BASES}, or holds anything
   *     but absolute http(s) URIs of one scheme
   */
  public HttpTransport(List<URI> bases, HttpClient http) {
    this(bases, http, null);
  }

  /**
   * A signing transport (see {@link #HttpTransport(URI, HttpClient, UpdateSigner)}) to the coordinator cluster whose
   * nodes are at {@code bases}, starting with the first.
   *
   * @throws IllegalArgumentException if {@code bases} is empty, longer than {@value #MAX_BASES}, or holds anything
   *     but absolute http(s) URIs of one scheme, or if {@code http} follows redirects itself
   */
  public HttpTransport(List<URI> bases, HttpClient http, UpdateSigner signer) {
    if (bases == null || bases.isEmpty() || bases.size() > MAX_BASES) {
      throw new IllegalArgumentException("1.." + MAX_BASES + " coordinator URLs are needed, got " + bases);
    }
    String first = null;
    for (URI uri : bases) {
      String s = uri == null || uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
      if (s == null || !(s.equals("http") || s.equals("https")) || uri.getHost() == null) {
        throw new IllegalArgumentException("coordinator URLs must be absolute http(s) URLs, got " + uri);
      }
      if (first != null && !first.equals(s)) {
        throw new IllegalArgumentException("coordinator URLs must all be " + first + " (no mixed schemes), got "
            + uri);
      }
      first = s;
      String text = strip(uri.toString());
      if (!this.bases.contains(text)) {
        this.bases.add(text);
      }
    }
    if (http.followRedirects() != HttpClient.Redirect.NEVER) {
      throw new IllegalArgumentException("the HttpClient must not follow redirects itself (Redirect.NEVER, the "
          + "default): this transport follows a coordinator cluster's redirects, checking each");
    }
    this.scheme = first;
    this.current = new AtomicReference<>(this.bases.get(0));
    this.http = http;
    this.signer = signer;
  }

  /** The base the next request goes to: the node that drove the run last time this transport heard. */
  public URI currentBase() {
    return URI.create(current.get());
  }

  /**
   * Every base this transport knows, configured and learned from redirects, in fail-over order starting with {@link
   * #currentBase()}.
   */
  public List<URI> coordinators() {
    String now = current.get();
    List<URI> out = new ArrayList<>();
    synchronized (bases) {
      int start = Math.max(0, bases.indexOf(now));
      if (!bases.contains(now)) {
        out.add(URI.create(now));
      }
      for (int i = 0; i < bases.size() && out.size() < MAX_BASES; i++) {
        out.add(URI.create(bases.get((start + i) % bases.size())));
      }
    }
    return out;
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

  /** Registers a client for the run (a new client id and, without TLS, a bearer token). */
  public RegisterResponse register(RegisterRequest request) {
    return call("/v1/register", request, RegisterResponse.parser(), SMALL_TIMEOUT);
  }

  /** Asks for the client's next task, waiting on the coordinator's side up to the request's {@code wait_ms}. */
  public Task poll(PollRequest request) {
    return call("/v1/tasks", request, Task.parser(), SMALL_TIMEOUT.plusMillis(request.getWaitMs()));
  }

  /** Sends a federated-evaluation result. */
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

  /** Tells the coordinator that the client leaves the federation. */
  public Ack leave(LeaveRequest request) {
    return call("/v1/leave", request, Ack.parser(), SMALL_TIMEOUT);
  }

  /**
   * A downloaded global model.
   *
   * @param version the model version
   * @param architecture the model's architecture, as the download's header described it
   * @param parameters the parameters in canonical tensor order
   * @param controlVariate SCAFFOLD's server control variate {@code c}, of the parameters' length, when the download
   *     carried one; else null
   */
  public record DownloadedModel(long version, ModelArchitecture architecture, float[] parameters,
      float[] controlVariate) {
    /** A model without a control variate. */
    public DownloadedModel(long version, ModelArchitecture architecture, float[] parameters) {
      this(version, architecture, parameters, null);
    }
  }

  /**
   * Downloads model {@code version} of {@code runId}, validating every chunk against the model's tensors (and, when
   * the header announces a SCAFFOLD control variate, against the {@code scaffold/<name>} tensors after them).
   */
  public DownloadedModel downloadModel(String clientId, String token, String runId, long version) {
    Exchange exchange = exchange("/v1/runs/" + runId + "/models/" + version, uri -> {
      HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(BULK_TIMEOUT).header("x-cohort-client",
          clientId);
      if (token != null && !token.isEmpty()) { // with TLS the certificate authenticates; there is no token
        builder.header("x-cohort-token", token);
      }
      return builder.GET().build();
    });
    HttpResponse<InputStream> response = exchange.response();
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw refusal(response.statusCode(), body.readAllBytes());
      }
      ModelHeader header = Frames.readRequired(body, ModelHeader.parser(), "ModelHeader");
      ModelArchitecture architecture = ModelArchitecture.fromProto(header.getModel());
      int count = architecture.parameterCount();
      if (header.getVersion() != version || header.getTotalElements() != count) {
        throw new CohortException("MALFORMED", "model header (version " + header.getVersion() + ", "
            + header.getTotalElements() + " elements) does not match the request for version " + version, false, null);
      }
      boolean control = header.getControlElements() != 0;
      if (control && header.getControlElements() != count) {
        throw new CohortException("MALFORMED", "model header announces a control variate of "
            + header.getControlElements() + " elements for a model of " + count, false, null);
      }
      // With a control variate: [parameters | c], laid out as the SCAFFOLD exchange is.
      float[] received = new float[control ? 2 * count : count];
      TensorChunks.Assembler assembler = new TensorChunks.Assembler(control
          ? TensorChunks.withControlVariate(architecture.tensors()) : architecture.tensors(), received);
      TensorChunk chunk;
      while ((chunk = Frames.read(body, TensorChunk.parser())) != null) {
        assembler.accept(chunk);
      }
      assembler.finish();
      return control
          ? new DownloadedModel(version, architecture, Arrays.copyOf(received, count),
              Arrays.copyOfRange(received, count, 2 * count))
          : new DownloadedModel(version, architecture, received);
    } catch (ProtocolException e) {
      throw new CohortException(e.code().name(), "model download: " + e.getMessage(), false, e);
    } catch (IllegalArgumentException e) {
      throw new CohortException("MALFORMED", "model download: " + e.getMessage(), false, e);
    } catch (IOException e) {
      throw transportFailure(exchange.base(), "model download broke off: " + e.getMessage(), e);
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
   * Streams a compressed update (the round's {@code FitTask} asked for it): the header frame, then the update's
   * compressed chunks, encoded one at a time as the body is sent. The encoding is deterministic, so a signing transport
   * hashes the same bytes it sends.
   */
  public Ack uploadCompressed(UpdateHeader header, List<TensorShape> tensors, CompressedUpdate update) {
    return upload(header, false, () -> {
      Iterator<TensorChunk> chunks = update.chunks(tensors, TensorChunks.DEFAULT_CHUNK_ELEMENTS);
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return chunks.hasNext();
        }

        @Override
        public byte[] next() {
          return Frames.encode(chunks.next());
        }
      };
    });
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
    // The body is encoded afresh each time it is sent: on a redirect the same publisher feeds the next node.
    HttpRequest.BodyPublisher publisher =
        HttpRequest.BodyPublishers.ofInputStream(() -> body(headerFrame, chunkFrames.get()));
    return reply(exchange("/v1/updates", uri -> HttpRequest.newBuilder(uri)
        .timeout(BULK_TIMEOUT)
        .header("content-type", Frames.CONTENT_TYPE)
        .POST(publisher)
        .build()), Ack.parser());
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
    byte[] encoded = Frames.encode(message);
    return reply(exchange(path, uri -> HttpRequest.newBuilder(uri)
        .timeout(timeout)
        .header("content-type", Frames.CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofByteArray(encoded))
        .build()), parser);
  }

  /** A reply that is not a redirect, and the base that gave it. */
  private record Exchange(String base, HttpResponse<InputStream> response) {}

  /**
   * Sends the request that {@code request} builds for {@code path} at the current base, following up to {@value
   * #MAX_HOPS} redirects to the driving node.
   */
  private Exchange exchange(String path, Function<URI, HttpRequest> request) {
    String base = current.get();
    for (int hop = 0; ; hop++) {
      HttpResponse<InputStream> response = send(base, request.apply(URI.create(base + path)));
      int status = response.statusCode();
      if (status != 307 && status != 308) {
        return new Exchange(base, response);
      }
      String location = response.headers().firstValue("location").orElse(null);
      byte[] body = drain(base, response);
      if (location == null) {
        throw refusal(status, body);
      }
      if (hop >= MAX_HOPS) {
        throw new CohortException("UNAVAILABLE", "the coordinator redirected " + path + " more than " + MAX_HOPS
            + " times (last to " + location + "); no node is driving the run yet", true, null);
      }
      String next = redirectedBase(base + path, path, location);
      learn(next);
      current.compareAndSet(base, next); // unless another call moved it meanwhile
      base = next;
    }
  }

  /** The base of the node that {@code location} names: the location minus the request's path. */
  private String redirectedBase(String requested, String path, String location) {
    URI target;
    try {
      target = URI.create(requested).resolve(location.strip());
    } catch (IllegalArgumentException e) {
      throw new CohortException("REDIRECT_REFUSED", "the coordinator redirected " + requested + " to a malformed "
          + "Location '" + location + "'", false, e);
    }
    String targetScheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
    if (!targetScheme.equals(scheme)) {
      throw new CohortException("REDIRECT_REFUSED", "the coordinator redirected " + requested + " to " + target
          + ", which is not " + scheme + ": this client does not change scheme on a redirect (an https to http "
          + "redirect would send the request in the clear); check the coordinator cluster's advertised URLs", false,
          null);
    }
    String text = target.toString();
    if (target.getRawQuery() != null || target.getRawFragment() != null || target.getHost() == null
        || !text.endsWith(path)) {
      throw new CohortException("REDIRECT_REFUSED", "the coordinator redirected " + requested + " to " + target
          + ", which is not the same path on another node", false, null);
    }
    return strip(text.substring(0, text.length() - path.length()));
  }

  /** Remembers a base learned from a redirect, for later fail-over. */
  private void learn(String base) {
    synchronized (bases) {
      if (!bases.contains(base) && bases.size() < MAX_BASES) {
        bases.add(base);
      }
    }
  }

  /** Moves the current base on from {@code failed} to the next known one (unless another call already did). */
  private void rotateFrom(String failed) {
    String next;
    synchronized (bases) {
      next = bases.get((bases.indexOf(failed) + 1) % bases.size()); // an unknown base (-1) moves to the first
    }
    current.compareAndSet(failed, next);
  }

  private CohortException transportFailure(String base, String message, IOException cause) {
    rotateFrom(base);
    return new CohortException("TRANSPORT", message, true, cause);
  }

  private HttpResponse<InputStream> send(String base, HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw transportFailure(base, request.method() + " " + request.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CohortException("INTERRUPTED", "interrupted during " + request.uri(), false, e);
    }
  }

  /** A redirect's body (its Error frame, for a redirect without Location), read so the connection can be reused. */
  private byte[] drain(String base, HttpResponse<InputStream> response) {
    try (InputStream body = response.body()) {
      byte[] bytes = body.readNBytes(MAX_REDIRECT_BODY);
      body.transferTo(OutputStream.nullOutputStream());
      return bytes;
    } catch (IOException e) {
      throw transportFailure(base, "reading a redirect from " + base + " failed: " + e, e);
    }
  }

  private <T> T reply(Exchange exchange, Parser<T> parser) {
    HttpResponse<InputStream> response = exchange.response();
    try (InputStream body = response.body()) {
      byte[] bytes = body.readAllBytes();
      if (response.statusCode() != 200) {
        throw refusal(response.statusCode(), bytes);
      }
      return Frames.readSingle(new ByteArrayInputStream(bytes), parser, "reply");
    } catch (ProtocolException e) {
      throw new CohortException("MALFORMED", "reply from coordinator: " + e.getMessage(), false, e);
    } catch (IOException e) {
      throw transportFailure(exchange.base(), "reading the reply failed: " + e, e);
    }
  }

  private static String strip(String base) {
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
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
