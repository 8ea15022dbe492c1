package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsExchange;
import io.cohort.client.transport.CoordinatorNode;
import io.cohort.client.transport.HttpTransport;
import io.cohort.crypto.pki.CertificateAuthority;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.crypto.pki.TlsContexts;
import io.cohort.protocol.Frames;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.EnrolResponse;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.Wait;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** With TLS, enrolment fails over past a dead node, and the mTLS transport starts at the node that enrolled. */
class ClientTlsFailoverTest {
  private static final Task TASK = Task.newBuilder().setWait(Wait.newBuilder().setRetryAfterMs(50)).build();

  @Test
  void connect_deadFirstNode_enrolsAtTheNextAndPollsThereWithTheClientCertificate() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("cluster CA", Duration.ofDays(1));
    URI dead = CoordinatorNode.deadBase("https");
    List<Certificate[]> presented = new ArrayList<>();
    try (CoordinatorNode node = CoordinatorNode.https(serverTls(ca), (exchange, body) -> {
      if (exchange.getRequestURI().getPath().equals("/v1/enrol")) {
        EnrolRequest request = request(body);
        X509Certificate issued = ca.signClientCsr(request.getCsrDer().toByteArray(), "client-7", Duration.ofDays(1));
        CoordinatorNode.reply(exchange, 200, EnrolResponse.newBuilder().setClientId("client-7")
            .setCertificateChainPem(PemFiles.encodeCertificates(List.of(issued, ca.certificate())))
            .setCaCertificatePem(PemFiles.encodeCertificates(List.of(ca.certificate()))).build());
      } else {
        presented.add(((HttpsExchange) exchange).getSSLSession().getPeerCertificates());
        CoordinatorNode.reply(exchange, 200, TASK);
      }
    })) {
      ClientTls tls = new ClientTls(ca.certificate(), null, "one-time-token");
      List<String> failures = new ArrayList<>();

      HttpTransport transport = tls.connect(List.of(dead, node.base()), "client", call -> twice(call, failures));

      assertThat(failures).containsExactly("TRANSPORT"); // the dead node, once
      assertThat(transport.currentBase()).isEqualTo(node.base());
      assertThat(transport.coordinators()).containsExactly(node.base(), dead);
      assertThat(transport.poll(PollRequest.newBuilder().setClientId("client-7").build())).isEqualTo(TASK);
      assertThat(node.seen()).extracting(CoordinatorNode.Seen::path).containsExactly("/v1/enrol", "/v1/tasks");
      assertThat(request(node.seen().get(0).body()).getToken())
          .isEqualTo("one-time-token");
      assertThat(presented).hasSize(1);
      assertThat(ca.clientIdOf((X509Certificate) presented.get(0)[0])).contains("client-7");
    }
  }

  private static EnrolRequest request(byte[] body) throws Exception {
    return Frames.readSingle(new ByteArrayInputStream(body), EnrolRequest.parser(), "EnrolRequest");
  }

  /** A retry policy of two attempts, recording the first failure's code. */
  private static EnrolResponse twice(Supplier<EnrolResponse> call, List<String> failures) {
    try {
      return call.get();
    } catch (CohortException e) {
      failures.add(e.code());
      return call.get();
    }
  }

  private static SSLContext serverTls(CertificateAuthority ca) {
    return TlsContexts.server(ca.issueServer(List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1)),
        ca.certificate());
  }
}
