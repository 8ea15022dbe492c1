package io.cohort.fuzz.targets;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.fuzz.Seeds;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Ack;
import io.cohort.protocol.v1.EncryptedShare;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.EnrolResponse;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.EvaluateResult;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.LeaveRequest;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.ShareBundle;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Every HTTP route of a real coordinator (insecure mode, on loopback, started once a JVM) with hostile requests: the
 * protocol routes (enrol, register, poll, evaluation, leave, secure-aggregation message, update upload, model
 * download, status) and the model API (model download, predict JSON); and the secure-aggregation messages of a second
 * coordinator whose secure round waits in its key stage. The first byte picks the route; the rest is the
 * body, or for a GET the path and headers as text lines. The coordinator has one open round: three clients are
 * registered and sampled, and the round waits for the third, whose token the fuzzer never learns, so it stays open.
 *
 * <p>So that mutations reach past authentication, a well-formed message's placeholders are replaced before it is
 * sent: client id {@code "a"} or {@code "b"} by the id of one of the two clients the fuzzer may speak for, token
 * {@code "t"} by that client's token, run id {@code "r"} by the run's; a poll waits at most 20 ms.
 *
 * <p>Allowed: any refusal that is a well-formed Error frame (protocol routes) or JSON error (model API) with a precise
 * code. A finding: HTTP 500 or an INTERNAL error code (an exception the route did not turn into a refusal), a reply
 * that is not the route's reply type, an Error frame without a message, no answer within 10 s, or a coordinator that
 * stops answering its status route afterwards.
 */
public final class CoordinatorRoutesFuzz {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3); // 15 parameters
  private static final String ALICE = "a";
  private static final String BOB = "b";
  private static final String TOKEN = "t";
  private static final String RUN = "r";
  private static final int MAX_POLL_MS = 20;

  private enum Route {
    ENROL, REGISTER, POLL, EVALUATION, LEAVE, SECAGG, UPDATE, DOWNLOAD, MODEL_API, PREDICT, STATUS, SECURE_SECAGG
  }

  private static final Route[] ROUTES = Route.values();

  private static Vertx vertx;
  private static Coordinator coordinator;
  private static HttpClient http;
  private static RegisterResponse alice;
  private static RegisterResponse bob;
  private static String runId;
  private static Coordinator secure;
  private static RegisterResponse secureAlice;
  private static RegisterResponse secureBob;
  private static String secureRunId;

  private CoordinatorRoutesFuzz() {}

  /** Starts the coordinator and opens its round (Jazzer calls this once, before the first input). */
  public static void fuzzerInitialize() throws Exception {
    // Jazzer's SSRF detector refuses every connection unless told which are expected: loopback only.
    BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
    vertx = Vertx.vertx();
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(3).fraction(1.0)
        .roundTimeout(Duration.ofHours(2)).seed(5).maxConcurrentUploads(2).build()).await();
    // Pooled connections retire well before the coordinator's idle timeout (2 x poll wait + 30 s), so that a request
    // is not written into a connection the coordinator is closing as idle (the JDK keeps them 1,200 s by default).
    System.setProperty("jdk.httpclient.keepalive.timeout", "20");
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    alice = register("alice");
    bob = register("bob");
    RegisterResponse carol = register("carol"); // sampled; never uploads, so the round stays open
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (runId == null && System.nanoTime() < deadline) {
      Task task = Frames.readSingle(new ByteArrayInputStream(post("/v1/tasks", PollRequest.newBuilder()
          .setClientId(carol.getClientId()).setClientToken(carol.getClientToken()).setWaitMs(2000).build()).body()),
          Task.parser(), "Task");
      if (task.hasFit()) {
        runId = task.getFit().getRunId();
      }
    }
    if (runId == null) {
      throw new IllegalStateException("the coordinator opened no round within 60 s");
    }
    // A second coordinator with secure aggregation, its round held in the key stage: the third client never answers
    // and the stages wait two hours, so the fuzzer's secure-aggregation messages meet a live secure round.
    secure = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.on().withStageTimeout(Duration.ofHours(2))).rounds(1)
        .minClients(3).fraction(1.0).roundTimeout(Duration.ofHours(2)).seed(6).build()).await();
    secureAlice = register(secure, "alice");
    secureBob = register(secure, "bob");
    RegisterResponse secureCarol = register(secure, "carol");
    deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (secureRunId == null && System.nanoTime() < deadline) {
      Task task = Frames.readSingle(new ByteArrayInputStream(post(secure, "/v1/tasks", PollRequest.newBuilder()
          .setClientId(secureCarol.getClientId()).setClientToken(secureCarol.getClientToken()).setWaitMs(2000)
          .build()).body()), Task.parser(), "Task");
      if (task.hasFit()) {
        secureRunId = task.getFit().getRunId();
      }
    }
    if (secureRunId == null) {
      throw new IllegalStateException("the secure coordinator opened no round within 60 s");
    }
  }

  /** Stops the coordinator (Jazzer calls this once, at the end). */
  public static void fuzzerTearDown() {
    if (secure != null) {
      secure.close().await();
    }
    if (coordinator != null) {
      coordinator.close().await();
      vertx.close().await();
    }
  }

  /** Seed inputs: a well-formed request for each route, with placeholders where a credential goes. */
  public static Map<String, byte[]> seeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put("enrol", Seeds.frames(Route.ENROL.ordinal(), List.of(EnrolRequest.newBuilder().setToken("x")
        .setClientName("mallory").setCsrDer(ByteString.copyFrom(new byte[] {0x30, 0x00})).build())));
    seeds.put("register", Seeds.frames(Route.REGISTER.ordinal(), List.of(RegisterRequest.newBuilder()
        .setClientName("mallory").setProtocolVersion(1).setSdkVersion("0.1.0").build())));
    seeds.put("poll", Seeds.frames(Route.POLL.ordinal(), List.of(PollRequest.newBuilder().setClientId(ALICE)
        .setClientToken(TOKEN).setWaitMs(10).build())));
    seeds.put("evaluation", Seeds.frames(Route.EVALUATION.ordinal(), List.of(EvaluateResult.newBuilder()
        .setClientId(BOB).setClientToken(TOKEN).setRunId(RUN).setRound(1).setModelVersion(0).setNumExamples(20)
        .setLoss(0.7f).setAccuracy(0.6f).build())));
    seeds.put("leave", Seeds.frames(Route.LEAVE.ordinal(), List.of(LeaveRequest.newBuilder().setClientId("nobody")
        .setClientToken(TOKEN).build())));
    seeds.put("secagg", Seeds.frames(Route.SECAGG.ordinal(), List.of(SecAggMessage.newBuilder().setClientId(ALICE)
        .setClientToken(TOKEN).setRunId(RUN).setRound(1).setShares(ShareBundle.newBuilder().addShares(
            EncryptedShare.newBuilder().setFrom(ALICE).setTo(BOB).setCiphertext(ByteString.copyFrom(new byte[44]))))
        .build())));
    float[] update = new float[MODEL.parameterCount()];
    Arrays.fill(update, 0.01f);
    for (String who : List.of(ALICE, BOB)) {
      List<MessageLite> frames = new java.util.ArrayList<>();
      frames.add(UpdateHeader.newBuilder().setClientId(who).setClientToken(TOKEN).setRunId(RUN).setRound(1)
          .setModelVersion(0).setNumExamples(10).setTrainLoss(1f).setTrainAccuracy(0.5f).build());
      frames.addAll(TensorChunks.split(MODEL.tensors(), update, 8));
      seeds.put("update-" + who, Seeds.frames(Route.UPDATE.ordinal(), frames));
    }
    seeds.put("download", Seeds.tagged(Route.DOWNLOAD.ordinal(), "/v1/runs/r/models/0\na\nt".getBytes(
        StandardCharsets.UTF_8)));
    seeds.put("model-api", Seeds.tagged(Route.MODEL_API.ordinal(), "/v1/models/latest".getBytes(
        StandardCharsets.UTF_8)));
    seeds.put("predict", Seeds.tagged(Route.PREDICT.ordinal(), "latest\n{\"instances\": [[0.5, 1, -2, 3e2]]}"
        .getBytes(StandardCharsets.UTF_8)));
    seeds.put("predict-explain", Seeds.tagged(Route.PREDICT.ordinal(),
        "0?explain=true&k=2\n{\"features\": [1, 2, 3, 4]}".getBytes(StandardCharsets.UTF_8)));
    seeds.put("status", Seeds.tagged(Route.STATUS.ordinal(), new byte[0]));
    byte[] agreement = new byte[32];
    byte[] mask = new byte[32];
    for (int i = 0; i < 32; i++) {
      agreement[i] = (byte) (9 + 7 * i); // any 32 bytes but the few low-order points are an X25519 public key
      mask[i] = (byte) (200 - 5 * i);
    }
    seeds.put("secure-keys", Seeds.frames(Route.SECURE_SECAGG.ordinal(), List.of(SecAggMessage.newBuilder()
        .setClientId(ALICE).setClientToken(TOKEN).setRunId(RUN).setRound(1).setKeys(
            io.cohort.protocol.v1.KeyAdvertisement.newBuilder().setClientId(ALICE)
                .setAgreementKey(ByteString.copyFrom(agreement)).setMaskKey(ByteString.copyFrom(mask))).build())));
    seeds.put("secure-shares", Seeds.frames(Route.SECURE_SECAGG.ordinal(), List.of(SecAggMessage.newBuilder()
        .setClientId(BOB).setClientToken(TOKEN).setRunId(RUN).setRound(1).setShares(ShareBundle.newBuilder()
            .addShares(EncryptedShare.newBuilder().setFrom(BOB).setTo(ALICE).setCiphertext(
                ByteString.copyFrom(new byte[60])))).build())));
    seeds.put("secure-unmask", Seeds.frames(Route.SECURE_SECAGG.ordinal(), List.of(SecAggMessage.newBuilder()
        .setClientId(ALICE).setClientToken(TOKEN).setRunId(RUN).setRound(1).setUnmask(
            io.cohort.protocol.v1.UnmaskBundle.newBuilder().addShares(io.cohort.protocol.v1.RevealedShare.newBuilder()
                .setOwner(BOB).setKind(io.cohort.protocol.v1.SecretKind.SELF_MASK_SEED).setX(1)
                .setY(ByteString.copyFrom(new byte[66])))).build())));
    seeds.put("secure-decline", Seeds.frames(Route.SECURE_SECAGG.ordinal(), List.of(SecAggMessage.newBuilder()
        .setClientId(BOB).setClientToken(TOKEN).setRunId(RUN).setRound(1).setDecline(
            io.cohort.protocol.v1.Decline.newBuilder().setReason("battery low")).build())));
    return seeds;
  }

  public static void fuzzerTestOneInput(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    Route route = ROUTES[(input[0] & 0xff) % ROUTES.length];
    byte[] rest = Arrays.copyOfRange(input, 1, input.length);
    switch (route) {
      case ENROL -> expectFrames(route, post("/v1/enrol", rest), EnrolResponse.parser());
      case REGISTER -> expectFrames(route, post("/v1/register", rest), RegisterResponse.parser());
      case POLL -> expectFrames(route, post("/v1/tasks", fixed(rest, PollRequest.parser(), m -> {
        PollRequest.Builder b = ((PollRequest) m).toBuilder();
        credentials(b.getClientId(), b.getClientToken(), b::setClientId, b::setClientToken);
        return b.setWaitMs(Math.min(Math.max(b.getWaitMs(), 0), MAX_POLL_MS)).build();
      })), Task.parser());
      case EVALUATION -> expectFrames(route, post("/v1/evaluations", fixed(rest, EvaluateResult.parser(), m -> {
        EvaluateResult.Builder b = ((EvaluateResult) m).toBuilder();
        credentials(b.getClientId(), b.getClientToken(), b::setClientId, b::setClientToken);
        return b.setRunId(run(b.getRunId())).build();
      })), Ack.parser());
      case LEAVE -> expectFrames(route, post("/v1/leave", rest), Ack.parser()); // never for the fuzzer's clients
      case SECAGG -> expectFrames(route, post("/v1/secagg", fixed(rest, SecAggMessage.parser(), m -> {
        SecAggMessage.Builder b = ((SecAggMessage) m).toBuilder();
        credentials(b.getClientId(), b.getClientToken(), b::setClientId, b::setClientToken);
        return b.setRunId(run(b.getRunId())).build();
      })), Ack.parser());
      case UPDATE -> expectFrames(route, post("/v1/updates", fixedUpload(rest)), Ack.parser());
      case DOWNLOAD -> download(rest);
      case MODEL_API -> expectJsonOrFrames(route, get(path(new String(rest, StandardCharsets.UTF_8)), Map.of(
          "authorization", "Bearer " + coordinator.apiToken())));
      case PREDICT -> predict(rest);
      case STATUS -> expectJsonOrFrames(route, get("/v1/status", Map.of()));
      case SECURE_SECAGG -> expectFrames(route, post(secure, "/v1/secagg", fixed(rest, SecAggMessage.parser(), m -> {
        SecAggMessage.Builder b = ((SecAggMessage) m).toBuilder();
        RegisterResponse who = ALICE.equals(b.getClientId()) ? secureAlice : BOB.equals(b.getClientId()) ? secureBob
            : null;
        if (who != null) {
          b.setClientId(who.getClientId());
          if (TOKEN.equals(b.getClientToken())) {
            b.setClientToken(who.getClientToken());
          }
          if (b.hasKeys() && (ALICE.equals(b.getKeys().getClientId()) || BOB.equals(b.getKeys().getClientId()))) {
            b.setKeys(b.getKeys().toBuilder().setClientId(who.getClientId()));
          }
        }
        return b.setRunId(RUN.equals(b.getRunId()) ? secureRunId : b.getRunId()).build();
      })), Ack.parser());
      default -> throw new AssertionError(route);
    }
  }

  /** A model download: the text's lines are the path, the client header and the token header. */
  private static void download(byte[] rest) throws Exception {
    String[] lines = new String(rest, StandardCharsets.UTF_8).split("\n", 3);
    String path = lines[0].replace("/runs/r/", "/runs/" + runId + "/");
    Map<String, String> headers = new LinkedHashMap<>();
    String client = lines.length > 1 ? lines[1] : null;
    String token = lines.length > 2 ? lines[2] : null;
    RegisterResponse who = ALICE.equals(client) ? alice : BOB.equals(client) ? bob : null;
    if (client != null && headerSafe(client)) {
      headers.put("x-cohort-client", who != null ? who.getClientId() : client);
    }
    if (token != null && headerSafe(token)) {
      headers.put("x-cohort-token", who != null && TOKEN.equals(token) ? who.getClientToken() : token);
    }
    // The path may lead anywhere (the model API answers JSON), so the reply is checked by its content type.
    expectJsonOrFrames(Route.DOWNLOAD, get(path(path), headers));
  }

  /** Predict: the first line is the version (and query), the rest the JSON body. */
  private static void predict(byte[] rest) throws Exception {
    String text = new String(rest, StandardCharsets.UTF_8);
    int newline = text.indexOf('\n');
    String version = newline < 0 ? "latest" : text.substring(0, newline);
    byte[] body = newline < 0 ? rest : text.substring(newline + 1).getBytes(StandardCharsets.UTF_8);
    HttpRequest request = HttpRequest.newBuilder(URI.create(coordinator.url() + path("/v1/models/" + version
        + "/predict"))).timeout(Duration.ofSeconds(10)).header("authorization", "Bearer " + coordinator.apiToken())
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    expectJsonOrFrames(Route.PREDICT, send(request));
  }

  private static void credentials(String id, String token, java.util.function.Consumer<String> setId,
      java.util.function.Consumer<String> setToken) {
    RegisterResponse who = ALICE.equals(id) ? alice : BOB.equals(id) ? bob : null;
    if (who != null) {
      setId.accept(who.getClientId());
      if (TOKEN.equals(token)) {
        setToken.accept(who.getClientToken());
      }
    }
  }

  private static String run(String id) {
    return RUN.equals(id) ? runId : id;
  }

  /** The body with its single frame's placeholders filled in, if it is one well-formed frame; else as it is. */
  private static byte[] fixed(byte[] body, Parser<? extends Message> parser, UnaryOperator<Message> fix) {
    try {
      return Frames.encode(fix.apply(Frames.readSingle(new ByteArrayInputStream(body), parser, "frame")));
    } catch (ProtocolException | IOException e) {
      return body;
    }
  }

  /** An upload with its header's placeholders filled in; the tensor frames after it are sent as they are. */
  private static byte[] fixedUpload(byte[] body) {
    if (body.length < Frames.PREFIX_BYTES) {
      return body;
    }
    int length;
    try {
      length = Frames.readPrefix(body, 0, Frames.MAX_FRAME_BYTES);
    } catch (ProtocolException e) {
      return body;
    }
    if (length > body.length - Frames.PREFIX_BYTES) {
      return body;
    }
    UpdateHeader header;
    try {
      header = UpdateHeader.parseFrom(ByteString.copyFrom(body, Frames.PREFIX_BYTES, length));
    } catch (InvalidProtocolBufferException e) {
      return body;
    }
    UpdateHeader.Builder b = header.toBuilder();
    credentials(b.getClientId(), b.getClientToken(), b::setClientId, b::setClientToken);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(Frames.encode(b.setRunId(run(b.getRunId())).build()));
    out.write(body, Frames.PREFIX_BYTES + length, body.length - Frames.PREFIX_BYTES - length);
    return out.toByteArray();
  }

  /** A protocol reply: {@code ok} on 200 (unless null), else an Error frame with a precise code and a message. */
  private static void expectFrames(Route route, HttpResponse<byte[]> reply, Parser<?> ok) throws IOException {
    InputStream in = new ByteArrayInputStream(reply.body());
    if (reply.statusCode() == 200 && ok != null) {
      try {
        Frames.readSingle(in, ok, "reply");
      } catch (ProtocolException e) {
        throw new AssertionError(route + ": HTTP 200 whose body is not its reply: " + e.getMessage(), e);
      }
      return;
    }
    Error error;
    try {
      error = Frames.readSingle(in, Error.parser(), "Error");
    } catch (ProtocolException e) {
      throw new AssertionError(route + ": HTTP " + reply.statusCode() + " whose body is not an Error frame: "
          + e.getMessage(), e);
    }
    if (reply.statusCode() >= 500 && error.getCode() != ErrorCode.UNAVAILABLE || error.getCode() == ErrorCode.INTERNAL
        || error.getCode() == ErrorCode.ERROR_CODE_UNSPECIFIED || error.getMessage().isBlank()) {
      throw new AssertionError(route + ": HTTP " + reply.statusCode() + " " + error.getCode() + ": "
          + error.getMessage());
    }
    requireAlive(route);
  }

  /**
   * A reply of any route (the path may lead anywhere, the dashboard included): no 5xx but 503; a refusal in the
   * protocol's frames is a well-formed Error frame, a refusal in JSON a JSON object with an {@code error} text.
   */
  private static void expectJsonOrFrames(Route route, HttpResponse<byte[]> reply) throws IOException {
    String body = new String(reply.body(), StandardCharsets.UTF_8);
    if (reply.statusCode() >= 500 && reply.statusCode() != 503) {
      throw new AssertionError(route + ": HTTP " + reply.statusCode() + ": " + body);
    }
    if (reply.statusCode() < 400) {
      return; // an answer: JSON, the model's frames (TensorChunksFuzz decodes those), a page or a redirect
    }
    String type = reply.headers().firstValue("content-type").orElse("");
    if (type.startsWith(Frames.CONTENT_TYPE)) {
      expectFrames(route, reply, null);
    } else if (type.startsWith("application/json")) {
      try {
        if (new JsonObject(body).getString("error", "").isBlank()) {
          throw new AssertionError(route + ": HTTP " + reply.statusCode() + " without an error message: " + body);
        }
      } catch (DecodeException | ClassCastException e) {
        throw new AssertionError(route + ": HTTP " + reply.statusCode() + " JSON refusal that is not a JSON object "
            + "with an error text: " + body, e);
      }
    }
  }

  /** After a refusal the coordinator must still answer (a refusal may not take it down). */
  private static void requireAlive(Route route) {
    // Cheap: only every 256th refusal, the status route must answer 200.
    if ((++refusals & 0xff) != 0) {
      return;
    }
    try {
      if (get("/v1/status", Map.of()).statusCode() != 200) {
        throw new AssertionError("the status route stopped answering 200 after a refused " + route);
      }
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("the coordinator stopped answering after a refused " + route, e);
    }
  }

  private static int refusals;

  private static RegisterResponse register(String name) throws Exception {
    return register(coordinator, name);
  }

  private static RegisterResponse register(Coordinator to, String name) throws Exception {
    HttpResponse<byte[]> reply = post(to, "/v1/register", Frames.encode(RegisterRequest.newBuilder()
        .setClientName(name).setProtocolVersion(1).build()));
    return Frames.readSingle(new ByteArrayInputStream(reply.body()), RegisterResponse.parser(), "RegisterResponse");
  }

  private static HttpResponse<byte[]> post(String path, MessageLite message) throws IOException, InterruptedException {
    return post(path, Frames.encode(message));
  }

  private static HttpResponse<byte[]> post(Coordinator to, String path, MessageLite message)
      throws IOException, InterruptedException {
    return post(to, path, Frames.encode(message));
  }

  private static HttpResponse<byte[]> post(String path, byte[] body) throws IOException, InterruptedException {
    return post(coordinator, path, body);
  }

  private static HttpResponse<byte[]> post(Coordinator to, String path, byte[] body)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(to.url() + path)).timeout(Duration.ofSeconds(10))
        .header("content-type", Frames.CONTENT_TYPE).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  private static HttpResponse<byte[]> get(String path, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(coordinator.url() + path))
        .timeout(Duration.ofSeconds(10)).GET();
    headers.forEach(request::header);
    return send(request.build());
  }

  /**
   * Sends {@code request}; a connection that breaks before any answer is retried once on a fresh one (a pooled
   * connection may be closed by the server just as it is reused), so only an input that breaks it twice is a finding.
   */
  private static HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
    try {
      try {
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (java.net.http.HttpTimeoutException e) {
        throw e;
      } catch (IOException broken) {
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      }
    } catch (java.net.http.HttpTimeoutException e) {
      throw new AssertionError("no answer within 10 s to " + request.method() + " " + request.uri(), e);
    }
  }

  /** {@code text} as a path the HTTP client accepts: a leading slash, every byte outside [A-Za-z0-9/._~?&=-] escaped. */
  private static String path(String text) {
    StringBuilder out = new StringBuilder(text.startsWith("/") ? "" : "/");
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 0x80 && (Character.isLetterOrDigit(c) || "/._~?&=-".indexOf(c) >= 0)) {
        out.append(c);
      } else {
        out.append('%').append(Character.forDigit((c >> 4) & 0xf, 16)).append(Character.forDigit(c & 0xf, 16));
      }
    }
    return out.toString();
  }

  /** A header value the HTTP client can send (visible ASCII and spaces, not empty). */
  private static boolean headerSafe(String value) {
    return !value.isEmpty() && value.chars().allMatch(c -> c >= 0x20 && c < 0x7f) && value.strip().equals(value);
  }
}
