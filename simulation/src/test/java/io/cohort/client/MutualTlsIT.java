package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.cohort.client.LargeModelIT.ShiftTrainer;
import io.cohort.client.transport.HttpTransport;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TlsSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.crypto.pki.CertificateAuthority;
import io.cohort.crypto.pki.ClientIdentity;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.crypto.pki.SignedStatement;
import io.cohort.crypto.pki.TlsContexts;
import io.cohort.protocol.Frames;
import io.cohort.protocol.SignedPayloads;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.Decline;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.EnrolResponse;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS by default, end to end on loopback: SDK clients enrol with one-time tokens and run secure rounds over mutual
 * TLS with signed messages; raw TLS clients show that a missing, foreign or mismatched certificate, a wrong or used
 * token, and a forged, replayed or re-labelled message are each refused with a clear error and counted in
 * {@code /v1/status}; keys and certificates on disk are owner-only.
 */
class MutualTlsIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2);
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private CoordinatorConfig.Builder config(int rounds) {
    return CoordinatorConfig.builder(MODEL).rounds(rounds).minClients(1).pollWait(Duration.ofSeconds(1))
        .roundTimeout(Duration.ofSeconds(60)).tls(TlsSettings.stateDirectory(dir.resolve("coordinator")));
  }

  private static CohortClient.Builder sdkClient(Coordinator coordinator, String name) {
    LocalDataset data = LocalDataset.of(new float[10 * 8], new int[10], List.of(8), 2);
    return CohortClient.builder().coordinator(URI.create(coordinator.url())).name(name)
        .trustedCoordinatorCa(coordinator.caCertificate()).data(DatasetSource.of(data, data))
        .trainer(new ShiftTrainer()).pollWait(Duration.ofSeconds(1))
        .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 20));
  }

  // ---- the happy path -----------------------------------------------------------------------------------------

  @Test
  void run_threeSdkClientsEnrolWithTokens_secureRoundsOverMutualTlsAggregate_andFilesAreOwnerOnly() throws Exception {
    Coordinator coordinator = Coordinator.start(vertx, config(2).minClients(3).minAvailable(3)
        .secureAggregation(SecureAggregationSettings.on().withStageTimeout(WAIT)).build()).await();
    assertThat(coordinator.url()).startsWith("https://127.0.0.1:");
    List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      CohortClient client = sdkClient(coordinator, name).identityDirectory(dir.resolve("id-" + name))
          .enrolmentToken(coordinator.issueEnrolmentToken()).build();
      runs.add(CompletableFuture.supplyAsync(client::run));
    }
    List<RoundRecord> rounds = coordinator.completion().toCompletionStage().toCompletableFuture()
        .get(2, TimeUnit.MINUTES);
    assertThat(rounds).hasSize(2).allSatisfy(r -> {
      assertThat(r.completed()).isTrue();
      assertThat(r.accepted()).isEqualTo(3);
      assertThat(r.examples()).isEqualTo(30);
    });
    for (CompletableFuture<ClientReport> run : runs) {
      assertThat(run.get(1, TimeUnit.MINUTES).roundsTrained()).isEqualTo(2);
    }
    JsonObject status = status(coordinator);
    assertThat(status.getJsonObject("security").getBoolean("tls")).isTrue();
    assertThat(status.getJsonObject("security").getLong("enrolled")).isEqualTo(3);
    assertThat(status.getJsonObject("refusals").getMap()).doesNotContainKeys("BAD_SIGNATURE", "UNAUTHENTICATED");

    Path state = dir.resolve("coordinator");
    assertThat(permissions(state)).isEqualTo("rwx------");
    for (String file : List.of("ca.key.pem", "ca.pem", "server.key.pem", "server.pem")) {
      assertThat(permissions(state.resolve(file))).as(file).isEqualTo("rw-------");
    }
    for (String name : List.of("a", "b", "c")) {
      assertThat(permissions(dir.resolve("id-" + name))).isEqualTo("rwx------");
      assertThat(permissions(dir.resolve("id-" + name).resolve("client.key.pem"))).isEqualTo("rw-------");
      assertThat(permissions(dir.resolve("id-" + name).resolve("client.pem"))).isEqualTo("rw-------");
    }
    coordinator.close().await();
  }

  @Test
  void run_storedIdentityAndNoToken_aRestartedCoordinatorWithTheSameCaTakesTheClientBack() throws Exception {
    Coordinator first = Coordinator.start(vertx, config(1).secureAggregation(SecureAggregationSettings.off())
        .build()).await();
    ClientReport enrolled = sdkClient(first, "solo").identityDirectory(dir.resolve("id"))
        .enrolmentToken(first.issueEnrolmentToken()).requireSecureAggregation(false).build().run();
    assertThat(enrolled.roundsTrained()).isEqualTo(1);
    first.close().await();

    Coordinator second = Coordinator.start(vertx, config(1).secureAggregation(SecureAggregationSettings.off())
        .build()).await(); // same state directory: same CA, so the stored certificate is still good
    assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
    ClientReport again = sdkClient(second, "solo").identityDirectory(dir.resolve("id"))
        .requireSecureAggregation(false).build().run();
    assertThat(again.roundsTrained()).isEqualTo(1);
    assertThat(again.clientId()).isEqualTo(enrolled.clientId()); // the id lives in the certificate
    second.close().await();
  }

  @Test
  void run_pemFilesFromAnOrganisationsPki_clientWithACertificateFromTheClientCa_trainsWithoutEnrolling()
      throws Exception {
    CertificateAuthority serverCa = CertificateAuthority.create("Org server PKI", Duration.ofDays(10));
    serverCa.issueServer(List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(5))
        .save(dir.resolve("server.key.pem"), dir.resolve("server.pem"));
    CertificateAuthority clientCa = CertificateAuthority.create("Org client PKI", Duration.ofDays(10));
    PemFiles.writeCertificates(dir.resolve("client-ca.pem"), List.of(clientCa.certificate()));
    ClientIdentity identity = ClientIdentity.generate();
    identity.withCertificate(List.of(clientCa.signClientCsr(identity.certificationRequest("lab"), "lab-7",
        Duration.ofDays(1)), clientCa.certificate())).save(dir.resolve("id"));

    Coordinator coordinator = Coordinator.start(vertx, config(1).secureAggregation(SecureAggregationSettings.off())
        .tls(TlsSettings.pemFiles(dir.resolve("server.key.pem"), dir.resolve("server.pem"),
            dir.resolve("client-ca.pem"))).build()).await();
    assertThat(coordinator.caCertificate()).isEqualTo(serverCa.certificate());
    ClientReport report = sdkClient(coordinator, "lab").identityDirectory(dir.resolve("id"))
        .requireSecureAggregation(false).build().run();
    assertThat(report.roundsTrained()).isEqualTo(1);
    assertThat(report.clientId()).isEqualTo("lab-7");
    coordinator.close().await();
  }

  // ---- refusals of unauthenticated clients ---------------------------------------------------------------------

  @Test
  void requests_withoutCertificate_withForeignCertificate_orWithBadTokens_areUnauthenticated() throws Exception {
    Coordinator coordinator = Coordinator.start(vertx, config(1).build()).await();
    Raw anonymous = new Raw(coordinator, Optional.empty());

    Reply noCertificate = anonymous.post("/v1/register", register("nobody"));
    assertThat(noCertificate.status()).isEqualTo(401);
    assertThat(noCertificate.error().getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
    assertThat(noCertificate.error().getMessage()).contains("requires a client certificate").contains("enrol");

    CertificateAuthority otherCa = CertificateAuthority.create("another coordinator", Duration.ofDays(1));
    ClientIdentity stranger = ClientIdentity.generate();
    stranger = stranger.withCertificate(List.of(otherCa.signClientCsr(stranger.certificationRequest("stranger"),
        "stranger", Duration.ofDays(1)), otherCa.certificate()));
    Reply foreign = new Raw(coordinator, Optional.of(stranger)).post("/v1/register", register("stranger"));
    assertThat(foreign.status()).isEqualTo(401);
    assertThat(foreign.error().getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
    assertThat(foreign.error().getMessage()).contains("was not issued by this coordinator's CA");

    Reply wrongToken = anonymous.post("/v1/enrol", enrol("made-up-token", ClientIdentity.generate()));
    assertThat(wrongToken.status()).isEqualTo(401);
    assertThat(wrongToken.error().getMessage()).contains("enrolment token is wrong or already used");

    String token = coordinator.issueEnrolmentToken();
    assertThat(anonymous.post("/v1/enrol", enrol(token, ClientIdentity.generate())).status()).isEqualTo(200);
    Reply usedToken = anonymous.post("/v1/enrol", enrol(token, ClientIdentity.generate()));
    assertThat(usedToken.status()).isEqualTo(401);
    assertThat(usedToken.error().getCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);

    // The SDK says the same, and does not retry a refusal.
    CohortClient sdk = sdkClient(coordinator, "late").enrolmentToken(token).build();
    assertThatThrownBy(sdk::run).isInstanceOfSatisfying(CohortException.class, e -> {
      assertThat(e.code()).isEqualTo("UNAUTHENTICATED");
      assertThat(e.getMessage()).contains("enrolment token is wrong or already used");
    });
    assertThat(status(coordinator).getJsonObject("refusals").getLong("UNAUTHENTICATED")).isEqualTo(5);
    coordinator.close().await();
  }

  @Test
  void sdkBuilder_noTokenAndNoStoredIdentity_saysHowToGetAToken() throws Exception {
    Coordinator coordinator = Coordinator.start(vertx, config(1).build()).await();
    assertThatThrownBy(() -> sdkClient(coordinator, "x").identityDirectory(dir.resolve("empty")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no identity in " + dir.resolve("empty"))
        .hasMessageContaining("--enrol-tokens N").hasMessageContaining("--enrol-token");
    coordinator.close().await();
  }

  // ---- signed messages: forged, replayed, re-labelled, impersonated --------------------------------------------

  @Test
  void updates_forgedReplayedRelabelledOrImpersonated_areRefused_andCountedInStatus() throws Exception {
    Coordinator coordinator = Coordinator.start(vertx, config(3).minAvailable(2)
        .secureAggregation(SecureAggregationSettings.off()).build()).await();
    Raw alice = Raw.enrolled(coordinator, "alice");
    Raw bob = Raw.enrolled(coordinator, "bob");
    String aliceId = alice.register("alice");
    String bobId = bob.register("bob");
    FitTask round1 = alice.awaitFit(aliceId, 1);
    assertThat(bob.awaitFit(bobId, 1).getRound()).isEqualTo(1);

    Upload update = Upload.signed(alice.identity, round1, aliceId, 7);
    Reply forged = alice.post("/v1/updates", update.body(h -> h.toBuilder().setNumExamples(7000).build()));
    assertRefused(forged, ErrorCode.BAD_SIGNATURE, "does not verify");
    Reply unsigned = alice.post("/v1/updates", update.body(h -> h.toBuilder().clearSignature().build()));
    assertRefused(unsigned, ErrorCode.BAD_SIGNATURE, "carries no signature");
    Reply otherKey = bob.post("/v1/updates", Upload.signed(bob.identity, round1, aliceId, 7).body(h -> h));
    assertRefused(otherKey, ErrorCode.UNAUTHENTICATED, "the client certificate is for " + bobId
        + " but the message claims " + aliceId);
    Reply poser = bob.post("/v1/tasks", frames(PollRequest.newBuilder().setClientId(aliceId).build()));
    assertRefused(poser, ErrorCode.UNAUTHENTICATED, "certificate is for " + bobId);
    Reply download = bob.get("/v1/runs/" + round1.getRunId() + "/models/" + round1.getModelVersion(), aliceId);
    assertRefused(download, ErrorCode.UNAUTHENTICATED, "certificate is for " + bobId);

    assertThat(alice.post("/v1/updates", update.body(h -> h)).status()).isEqualTo(200);
    Reply replayed = alice.post("/v1/updates", update.body(h -> h));
    assertRefused(replayed, ErrorCode.DUPLICATE_UPDATE, "already has an accepted update in round 1");

    assertThat(bob.post("/v1/updates", Upload.signed(bob.identity, round1, bobId, 3).body(h -> h)).status())
        .isEqualTo(200); // round 1 is complete: round 2 opens
    FitTask round2 = alice.awaitFit(aliceId, 2);
    // A replay into the closed round is refused; since round 1 took alice's update, she is told it has it (as a
    // client resending after a lost reply must be), and nothing is counted again.
    Reply lastRound = alice.post("/v1/updates", update.body(h -> h));
    assertRefused(lastRound, ErrorCode.DUPLICATE_UPDATE, "was accepted in round 1 before the round closed");
    Reply relabelled = alice.post("/v1/updates", update.body(h -> h.toBuilder().setRound(2)
        .setModelVersion(round2.getModelVersion()).build()));
    assertRefused(relabelled, ErrorCode.BAD_SIGNATURE, "does not verify");

    SecAggMessage decline = SecAggMessage.newBuilder().setClientId(aliceId).setRunId(round2.getRunId())
        .setRound(2).setDecline(Decline.newBuilder().setReason("test")).build();
    Reply signedDecline = alice.post("/v1/secagg", frames(sign(alice.identity, decline)));
    assertRefused(signedDecline, ErrorCode.ROUND_NOT_OPEN, "does not use secure aggregation"); // signature was good
    Reply forgedDecline = alice.post("/v1/secagg", frames(sign(alice.identity, decline).toBuilder()
        .setRound(3).build()));
    assertRefused(forgedDecline, ErrorCode.BAD_SIGNATURE, "secagg/decline");
    assertRefused(alice.post("/v1/secagg", frames(decline)), ErrorCode.BAD_SIGNATURE, "carries no signature");

    // The round is untouched by all that: it still aggregates the two good updates once alice and bob answer.
    assertThat(alice.post("/v1/updates", Upload.signed(alice.identity, round2, aliceId, 7).body(h -> h)).status())
        .isEqualTo(200);
    JsonObject refusals = status(coordinator).getJsonObject("refusals");
    assertThat(refusals.getLong("BAD_SIGNATURE")).isEqualTo(5);
    assertThat(refusals.getLong("UNAUTHENTICATED")).isEqualTo(3);
    assertThat(refusals.getLong("DUPLICATE_UPDATE")).isEqualTo(2); // the replay in round 1 and into closed round 1
    assertThat(refusals.getLong("ROUND_NOT_OPEN")).isEqualTo(1); // the decline of a plain round
    coordinator.close().await();
  }

  @Test
  void enrol_onAnInsecureCoordinator_isNotFound_andTheCoordinatorHasNoCa() throws Exception {
    Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure().build()).await();
    assertThat(coordinator.url()).startsWith("http://");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(coordinator.url() + "/v1/enrol"))
        .timeout(WAIT).POST(HttpRequest.BodyPublishers.ofByteArray(enrol("t", ClientIdentity.generate())))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(new Reply(404, response.body()).error().getMessage()).contains("register with POST /v1/register");
    assertThatThrownBy(coordinator::caCertificate).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(coordinator::issueEnrolmentToken).isInstanceOf(IllegalStateException.class);
    coordinator.close().await();
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private static void assertRefused(Reply reply, ErrorCode code, String message) throws Exception {
    assertThat(reply.status()).as("status of a %s refusal", code).isEqualTo(code == ErrorCode.DUPLICATE_UPDATE
        || code == ErrorCode.ROUND_NOT_OPEN ? 409 : 401);
    Error error = reply.error();
    assertThat(error.getCode()).as(error.getMessage()).isEqualTo(code);
    assertThat(error.getMessage()).contains(message);
  }

  private static JsonObject status(Coordinator coordinator) throws Exception {
    HttpClient http = HttpTransport.tlsHttpClient(TlsContexts.client(coordinator.caCertificate(), Optional.empty()));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(coordinator.url() + "/v1/status"))
        .timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static String permissions(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private static byte[] frames(MessageLite message) {
    return Frames.encode(message);
  }

  private static byte[] register(String name) {
    return frames(RegisterRequest.newBuilder().setClientName(name).setProtocolVersion(1).build());
  }

  private static byte[] enrol(String token, ClientIdentity identity) {
    return frames(EnrolRequest.newBuilder().setToken(token).setClientName("raw")
        .setCsrDer(ByteString.copyFrom(identity.certificationRequest("raw"))).build());
  }

  /** Signs a SecAggMessage the way the protocol defines it, independently of the SDK's transport. */
  private static SecAggMessage sign(ClientIdentity identity, SecAggMessage message) {
    SignedStatement statement = new SignedStatement(1, message.getRunId(), message.getRound(), message.getClientId(),
        SignedPayloads.stageOf(message), SignedPayloads.digest(message));
    return message.toBuilder().setSignature(ByteString.copyFrom(identity.signer().sign(statement))).build();
  }

  private record Reply(int status, byte[] body) {
    Error error() throws Exception {
      return Frames.readSingle(new ByteArrayInputStream(body), Error.parser(), "Error");
    }

    <T> T as(com.google.protobuf.Parser<T> parser) throws Exception {
      return Frames.readSingle(new ByteArrayInputStream(body), parser, "reply");
    }
  }

  /** A signed update upload: its header (with signature) and chunk frames, re-assembled with header edits. */
  private record Upload(UpdateHeader header, List<byte[]> chunkFrames) {
    static Upload signed(ClientIdentity identity, FitTask task, String clientId, long examples) {
      float[] delta = new float[MODEL.parameterCount()];
      java.util.Arrays.fill(delta, 0.25f);
      List<byte[]> chunks = new ArrayList<>();
      for (TensorShape t : MODEL.tensors()) {
        chunks.add(Frames.encode(TensorChunks.chunk(t, delta, 0, t.size())));
      }
      UpdateHeader header = UpdateHeader.newBuilder().setClientId(clientId).setRunId(task.getRunId())
          .setRound(task.getRound()).setModelVersion(task.getModelVersion()).setNumExamples(examples).build();
      SignedPayloads.UploadDigest digest = new SignedPayloads.UploadDigest(header);
      chunks.forEach(digest::addEncodedFrame);
      SignedStatement statement = new SignedStatement(1, task.getRunId(), task.getRound(), clientId, "update",
          digest.finish());
      return new Upload(header.toBuilder().setSignature(ByteString.copyFrom(identity.signer().sign(statement)))
          .build(), chunks);
    }

    byte[] body(UnaryOperator<UpdateHeader> edit) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(Frames.encode(edit.apply(header)));
      chunkFrames.forEach(out::writeBytes);
      return out.toByteArray();
    }
  }

  /** Speaks the protocol frame by frame over TLS, with or without a client certificate. */
  private static final class Raw {
    private final HttpClient http;
    private final String base;
    private final ClientIdentity identity;

    Raw(Coordinator coordinator, Optional<ClientIdentity> identity) {
      this.http = HttpTransport.tlsHttpClient(TlsContexts.client(coordinator.caCertificate(), identity));
      this.base = coordinator.url();
      this.identity = identity.orElse(null);
    }

    /** A client that enrolled with a fresh token (over a connection without a certificate). */
    static Raw enrolled(Coordinator coordinator, String name) throws Exception {
      ClientIdentity fresh = ClientIdentity.generate();
      Reply reply = new Raw(coordinator, Optional.empty()).post("/v1/enrol",
          enrol(coordinator.issueEnrolmentToken(), fresh));
      assertThat(reply.status()).isEqualTo(200);
      EnrolResponse response = reply.as(EnrolResponse.parser());
      assertThat(response.getCaCertificatePem()).isEqualTo(coordinator.caCertificatePem());
      ClientIdentity identity = fresh.withCertificate(PemFiles.decodeCertificates(response.getCertificateChainPem()));
      assertThat(identity.certificateChain().orElseThrow().get(0).getSubjectX500Principal().getName())
          .isEqualTo("CN=" + response.getClientId());
      return new Raw(coordinator, Optional.of(identity));
    }

    String register(String name) throws Exception {
      Reply reply = post("/v1/register", MutualTlsIT.register(name));
      assertThat(reply.status()).isEqualTo(200);
      RegisterResponse response = reply.as(RegisterResponse.parser());
      assertThat(response.getClientToken()).isEmpty(); // the certificate authenticates; there is no bearer token
      return response.getClientId();
    }

    FitTask awaitFit(String clientId, int round) throws Exception {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        Reply reply = post("/v1/tasks", frames(PollRequest.newBuilder().setClientId(clientId).setWaitMs(1000)
            .build()));
        assertThat(reply.status()).isEqualTo(200);
        Task task = reply.as(Task.parser());
        if (task.hasFit() && task.getFit().getRound() == round) {
          return task.getFit();
        }
      }
      throw new AssertionError("no fit task for round " + round + " within " + WAIT);
    }

    Reply post(String path, byte[] body) throws Exception {
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(WAIT)
          .header("content-type", Frames.CONTENT_TYPE).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(response.statusCode(), response.body());
    }

    Reply get(String path, String clientId) throws Exception {
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(WAIT)
          .header("x-cohort-client", clientId).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(response.statusCode(), response.body());
    }
  }
}
