package io.cohort.client.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.CohortException;
import io.cohort.crypto.pki.CertificateAuthority;
import io.cohort.crypto.pki.TlsContexts;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.model.TensorShape;
import io.cohort.protocol.v1.Ack;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UpdateHeader;
import io.cohort.protocol.v1.Wait;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * The transport follows a coordinator cluster: redirects from a non-driving node to the driver, and fail-over from a
 * dead node to the next, against real HTTP(S) servers on 127.0.0.1.
 */
class HttpTransportFailoverTest {
  private static final HttpClient HTTP = HttpTransport.defaultHttpClient();
  private static final PollRequest POLL = PollRequest.newBuilder().setClientId("c1").setClientToken("t")
      .setWaitMs(0).build();
  private static final Task TASK = Task.newBuilder().setWait(Wait.newBuilder().setRetryAfterMs(1234)).build();

  @Test
  void poll_redirectedFromAToB_reachesBAndLaterCallsGoStraightToB() {
    try (CoordinatorNode b = CoordinatorNode.http(CoordinatorNode.answer(TASK));
        CoordinatorNode a = CoordinatorNode.http(CoordinatorNode.redirectTo(b.base()))) {
      HttpTransport transport = new HttpTransport(a.base(), HTTP);

      assertThat(transport.poll(POLL)).isEqualTo(TASK);
      assertThat(transport.poll(POLL)).isEqualTo(TASK);

      assertThat(a.seen()).hasSize(1);
      assertThat(b.seen()).extracting(CoordinatorNode.Seen::path).containsExactly("/v1/tasks", "/v1/tasks");
      assertThat(b.seen().get(0).body()).isEqualTo(Frames.encode(POLL));
      assertThat(transport.currentBase()).isEqualTo(b.base());
      assertThat(transport.coordinators()).containsExactly(b.base(), a.base());
    }
  }

  @Test
  void poll_redirectWithPathPrefix_keepsThePrefixInTheNewBase() {
    try (CoordinatorNode b = CoordinatorNode.http(CoordinatorNode.answer(TASK))) {
      URI prefixed = URI.create(b.base() + "/cohort/node-b");
      try (CoordinatorNode a = CoordinatorNode.http(CoordinatorNode.redirectTo(prefixed))) {
        HttpTransport transport = new HttpTransport(a.base(), HTTP);

        assertThat(transport.poll(POLL)).isEqualTo(TASK);
        assertThat(transport.poll(POLL)).isEqualTo(TASK);

        assertThat(transport.currentBase()).isEqualTo(prefixed);
        assertThat(a.seen()).hasSize(1);
        assertThat(b.seen()).extracting(CoordinatorNode.Seen::path)
            .containsExactly("/cohort/node-b/v1/tasks", "/cohort/node-b/v1/tasks");
      }
    }
  }

  @Test
  void uploadUpdate_redirected_bodyArrivesCompleteAtB() {
    List<TensorShape> tensors = List.of(new TensorShape("w", List.of(1_100, 1_000), 0),
        new TensorShape("b", List.of(1_000), 1_100_000));
    float[] delta = new float[1_101_000];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = (float) Math.sin(i);
    }
    UpdateHeader header = UpdateHeader.newBuilder().setClientId("c1").setClientToken("t").setRunId("run")
        .setRound(3).setModelVersion(2).setNumExamples(600).build();
    Ack ack = Ack.newBuilder().setReceivedElements(delta.length).build();
    try (CoordinatorNode b = CoordinatorNode.http(CoordinatorNode.answer(ack));
        CoordinatorNode a = CoordinatorNode.http(CoordinatorNode.redirectTo(b.base()))) {
      HttpTransport transport = new HttpTransport(a.base(), HTTP);

      assertThat(transport.uploadUpdate(header, tensors, delta)).isEqualTo(ack);

      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      expected.writeBytes(Frames.encode(header));
      for (TensorChunk chunk : TensorChunks.split(tensors, delta, TensorChunks.DEFAULT_CHUNK_ELEMENTS)) {
        expected.writeBytes(Frames.encode(chunk));
      }
      assertThat(b.seen()).hasSize(1);
      assertThat(b.seen().get(0).path()).isEqualTo("/v1/updates");
      assertThat(b.seen().get(0).body()).hasSize(expected.size()).isEqualTo(expected.toByteArray());
      assertThat(a.seen().get(0).body()).isEqualTo(expected.toByteArray()); // sent in full to both
    }
  }

  @Test
  void downloadModel_redirected_assemblesTheModelFromB() {
    ModelArchitecture architecture = ModelArchitecture.logreg(List.of(4), 3);
    float[] parameters = architecture.initialParameters(7);
    ByteArrayOutputStream served = new ByteArrayOutputStream();
    served.writeBytes(Frames.encode(ModelHeader.newBuilder().setRunId("run").setVersion(5)
        .setModel(architecture.toProto()).setTotalElements(parameters.length).build()));
    for (TensorChunk chunk : TensorChunks.split(architecture.tensors(), parameters, 4)) {
      served.writeBytes(Frames.encode(chunk));
    }
    try (CoordinatorNode b = CoordinatorNode.http((exchange, body) ->
            CoordinatorNode.reply(exchange, 200, served.toByteArray()));
        CoordinatorNode a = CoordinatorNode.http(CoordinatorNode.redirectTo(b.base()))) {
      HttpTransport transport = new HttpTransport(a.base(), HTTP);

      HttpTransport.DownloadedModel model = transport.downloadModel("c1", "t", "run", 5);

      assertThat(model.parameters()).containsExactly(parameters);
      assertThat(a.seen()).extracting(CoordinatorNode.Seen::method).containsExactly("GET");
      assertThat(b.seen()).extracting(CoordinatorNode.Seen::path).containsExactly("/v1/runs/run/models/5");
    }
  }

  @Test
  void poll_fourRedirects_failsRetryableUnavailable() {
    try (CoordinatorNode a = CoordinatorNode.http(null); CoordinatorNode b = CoordinatorNode.http(null)) {
      a.behave(CoordinatorNode.redirectTo(b.base())); // each points at the other: no node drives
      b.behave(CoordinatorNode.redirectTo(a.base()));
      HttpTransport transport = new HttpTransport(a.base(), HTTP);

      assertThatThrownBy(() -> transport.poll(POLL)).isInstanceOfSatisfying(CohortException.class, e -> {
        assertThat(e.code()).isEqualTo("UNAVAILABLE");
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).contains("more than " + HttpTransport.MAX_HOPS);
      });
      assertThat(a.seen().size() + b.seen().size()).isEqualTo(1 + HttpTransport.MAX_HOPS);
    }
  }

  @Test
  void poll_redirectWithoutLocation_failsWithTheNodesError() {
    try (CoordinatorNode a = CoordinatorNode.http((exchange, body) -> CoordinatorNode.reply(exchange, 307,
        io.cohort.protocol.v1.Error.newBuilder().setCode(io.cohort.protocol.v1.ErrorCode.UNAVAILABLE)
            .setMessage("no driver").setRetryable(true).build()))) {
      HttpTransport transport = new HttpTransport(a.base(), HTTP);

      assertThatThrownBy(() -> transport.poll(POLL)).isInstanceOfSatisfying(CohortException.class, e -> {
        assertThat(e.code()).isEqualTo("UNAVAILABLE");
        assertThat(e.retryable()).isTrue();
      });
      assertThat(transport.currentBase()).isEqualTo(a.base());
    }
  }

  @Test
  void poll_httpsRedirectToHttp_isRefusedNotRetryable() {
    CertificateAuthority ca = CertificateAuthority.create("cluster CA", Duration.ofDays(1));
    try (CoordinatorNode plain = CoordinatorNode.http(CoordinatorNode.answer(TASK));
        CoordinatorNode a = CoordinatorNode.https(serverTls(ca), CoordinatorNode.redirectTo(plain.base()))) {
      HttpTransport transport = new HttpTransport(a.base(), clientTls(ca));

      assertThatThrownBy(() -> transport.poll(POLL)).isInstanceOfSatisfying(CohortException.class, e -> {
        assertThat(e.code()).isEqualTo("REDIRECT_REFUSED");
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains(plain.base().toString()).contains("not https");
      });
      assertThat(a.seen()).hasSize(1);
      assertThat(plain.seen()).isEmpty();
      assertThat(transport.currentBase()).isEqualTo(a.base());
    }
  }

  @Test
  void poll_httpsRedirectToNodeOfThePinnedCa_reachesIt() {
    CertificateAuthority ca = CertificateAuthority.create("cluster CA", Duration.ofDays(1));
    try (CoordinatorNode b = CoordinatorNode.https(serverTls(ca), CoordinatorNode.answer(TASK));
        CoordinatorNode a = CoordinatorNode.https(serverTls(ca), CoordinatorNode.redirectTo(b.base()))) {
      HttpTransport transport = new HttpTransport(a.base(), clientTls(ca));

      assertThat(transport.poll(POLL)).isEqualTo(TASK);
      assertThat(transport.currentBase()).isEqualTo(b.base());
    }
  }

  @Test
  void poll_httpsRedirectToNodeOfAnotherCa_failsTransportWithoutReachingIt() {
    CertificateAuthority ca = CertificateAuthority.create("cluster CA", Duration.ofDays(1));
    CertificateAuthority other = CertificateAuthority.create("someone else's CA", Duration.ofDays(1));
    try (CoordinatorNode impostor = CoordinatorNode.https(serverTls(other), CoordinatorNode.answer(TASK));
        CoordinatorNode a = CoordinatorNode.https(serverTls(ca), CoordinatorNode.redirectTo(impostor.base()))) {
      HttpTransport transport = new HttpTransport(a.base(), clientTls(ca));

      assertThatThrownBy(() -> transport.poll(POLL)).isInstanceOfSatisfying(CohortException.class,
          e -> assertThat(e.code()).isEqualTo("TRANSPORT"));
      assertThat(impostor.seen()).isEmpty();
    }
  }

  @Test
  void poll_deadFirstNode_failsRetryableTransportAndTheNextCallReachesB() {
    URI dead = CoordinatorNode.deadBase("http");
    try (CoordinatorNode b = CoordinatorNode.http(CoordinatorNode.answer(TASK))) {
      HttpTransport transport = new HttpTransport(List.of(dead, b.base()), HTTP);

      assertThatThrownBy(() -> transport.poll(POLL)).isInstanceOfSatisfying(CohortException.class, e -> {
        assertThat(e.code()).isEqualTo("TRANSPORT");
        assertThat(e.retryable()).isTrue();
      });
      assertThat(transport.currentBase()).isEqualTo(b.base());
      assertThat(transport.poll(POLL)).isEqualTo(TASK);
      assertThat(b.seen()).hasSize(1);
    }
  }

  @Test
  void poll_learnedDriverDies_failsOverRoundRobinToTheConfiguredNodes() {
    URI dead = CoordinatorNode.deadBase("http");
    try (CoordinatorNode a = CoordinatorNode.http(CoordinatorNode.redirectTo(dead))) {
      HttpTransport transport = new HttpTransport(a.base(), HTTP);

      assertThatThrownBy(() -> transport.poll(POLL)).isInstanceOfSatisfying(CohortException.class,
          e -> assertThat(e.code()).isEqualTo("TRANSPORT"));

      assertThat(transport.currentBase()).isEqualTo(a.base()); // the learned node failed: back to the first
      assertThat(transport.coordinators()).containsExactly(a.base(), dead);
    }
  }

  @Test
  void constructor_mixedSchemesOrRelativeUrls_areRefused() {
    assertThatThrownBy(() -> new HttpTransport(List.of(URI.create("https://127.0.0.1:1"),
        URI.create("http://127.0.0.1:2")), HTTP)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no mixed schemes");
    assertThatThrownBy(() -> new HttpTransport(URI.create("/v1"), HTTP))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute http(s)");
    assertThatThrownBy(() -> new HttpTransport(List.of(), HTTP)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void constructor_httpClientThatFollowsRedirects_isRefused() {
    HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    assertThatThrownBy(() -> new HttpTransport(URI.create("https://127.0.0.1:1"), following))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Redirect.NEVER");
  }

  @Test
  void coordinators_duplicatesAndTrailingSlashes_areKeptOnce() {
    HttpTransport transport = new HttpTransport(List.of(URI.create("http://127.0.0.1:1/"),
        URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2")), HTTP);

    assertThat(transport.coordinators()).containsExactly(URI.create("http://127.0.0.1:1"),
        URI.create("http://127.0.0.1:2"));
  }

  private static SSLContext serverTls(CertificateAuthority ca) {
    return TlsContexts.server(ca.issueServer(List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1)),
        ca.certificate());
  }

  private static HttpClient clientTls(CertificateAuthority ca) {
    return HttpTransport.tlsHttpClient(TlsContexts.client(ca.certificate(), Optional.empty()));
  }
}
