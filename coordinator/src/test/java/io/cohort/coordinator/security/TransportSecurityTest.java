package io.cohort.coordinator.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.TlsSettings;
import io.cohort.crypto.pki.CertificateAuthority;
import io.cohort.crypto.pki.ClientIdentity;
import io.cohort.crypto.pki.IssuedCredential;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.EnrolResponse;
import io.cohort.protocol.v1.ErrorCode;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransportSecurityTest {
  @TempDir Path dir;

  private static EnrolRequest enrol(String token, ClientIdentity identity) {
    return EnrolRequest.newBuilder().setToken(token).setClientName("hospital-a")
        .setCsrDer(ByteString.copyFrom(identity.certificationRequest("hospital-a"))).build();
  }

  private static List<Object> sans(X509Certificate certificate) throws Exception {
    return certificate.getSubjectAlternativeNames().stream().map(n -> (Object) n.get(1)).toList();
  }

  private static String permissions(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  @Test
  void open_stateDirectory_createsOwnerOnlyCaAndServerCertificate_andReusesThemOnTheNextStart() throws Exception {
    Path state = dir.resolve("state");
    TransportSecurity first = TransportSecurity.open(TlsSettings.stateDirectory(state), "127.0.0.1");
    assertThat(permissions(state)).isEqualTo("rwx------");
    for (String file : List.of("ca.key.pem", "ca.pem", "server.key.pem", "server.pem")) {
      assertThat(permissions(state.resolve(file))).as(file).isEqualTo("rw-------");
    }
    X509Certificate server = PemFiles.readCertificates(state.resolve("server.pem")).get(0);
    assertThat(sans(server)).contains("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");

    TransportSecurity second = TransportSecurity.open(TlsSettings.stateDirectory(state), "127.0.0.1");
    assertThat(second.trustedCa()).isEqualTo(first.trustedCa());
    assertThat(PemFiles.readCertificates(state.resolve("server.pem")).get(0)).isEqualTo(server);

    TransportSecurity renamed = TransportSecurity.open(TlsSettings.stateDirectory(state)
        .withServerNames(List.of("coordinator.example", "10.0.0.7")), "127.0.0.1");
    X509Certificate reissued = PemFiles.readCertificates(state.resolve("server.pem")).get(0);
    assertThat(reissued).isNotEqualTo(server);
    assertThat(sans(reissued)).contains("coordinator.example", "10.0.0.7", "localhost");
    assertThat(renamed.trustedCa()).isEqualTo(first.trustedCa());
  }

  @Test
  void enrol_validToken_issuesACertificateForAFreshIdThatClientIdOfAccepts() throws Exception {
    TransportSecurity security = TransportSecurity.open(TlsSettings.inMemory(), "127.0.0.1");
    ClientIdentity identity = ClientIdentity.generate();
    EnrolResponse response = security.enrol(enrol(security.issueEnrolmentToken(), identity));
    List<X509Certificate> chain = PemFiles.decodeCertificates(response.getCertificateChainPem());
    assertThat(chain).hasSize(2);
    assertThat(chain.get(1)).isEqualTo(security.trustedCa().orElseThrow());
    assertThat(identity.withCertificate(chain).certificateChain()).isPresent();
    assertThat(security.clientIdOf(chain.get(0))).contains(response.getClientId());
    assertThat(security.describe().getLong("enrolled")).isEqualTo(1);
  }

  @Test
  void enrol_wrongOrUsedToken_isUnauthenticated_andAMalformedCsrStillBurnsTheToken() throws Exception {
    TransportSecurity security = TransportSecurity.open(TlsSettings.inMemory(), "127.0.0.1");
    assertThatThrownBy(() -> security.enrol(enrol("guess", ClientIdentity.generate())))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    String token = security.issueEnrolmentToken();
    EnrolRequest garbage = enrol(token, ClientIdentity.generate()).toBuilder()
        .setCsrDer(ByteString.copyFromUtf8("not a CSR")).build();
    assertThatThrownBy(() -> security.enrol(garbage))
        .isInstanceOfSatisfying(ProtocolException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED);
          assertThat(e.getMessage()).contains("the token is used up");
        });
    assertThatThrownBy(() -> security.enrol(enrol(token, ClientIdentity.generate())))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    assertThat(security.describe().getLong("outstandingTokens")).isZero();
  }

  @Test
  void enrol_blankName_isMalformed_andKeepsTheToken() throws Exception {
    TransportSecurity security = TransportSecurity.open(TlsSettings.inMemory(), "127.0.0.1");
    String token = security.issueEnrolmentToken();
    assertThatThrownBy(() -> security.enrol(enrol(token, ClientIdentity.generate()).toBuilder().setClientName(" ")
        .build())).isInstanceOfSatisfying(ProtocolException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    assertThat(security.enrol(enrol(token, ClientIdentity.generate())).getClientId()).isNotEmpty();
  }

  @Test
  void enrol_nameOver256Characters_isMalformed_andKeepsTheToken_256IsAccepted() throws Exception {
    TransportSecurity security = TransportSecurity.open(TlsSettings.inMemory(), "127.0.0.1");
    String token = security.issueEnrolmentToken();
    assertThatThrownBy(() -> security.enrol(enrol(token, ClientIdentity.generate()).toBuilder()
        .setClientName("n".repeat(257)).build())).isInstanceOfSatisfying(ProtocolException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED);
          assertThat(e.getMessage()).contains("1..256 characters, got 257");
        });
    assertThat(security.enrol(enrol(token, ClientIdentity.generate()).toBuilder().setClientName("n".repeat(256))
        .build()).getClientId()).isNotEmpty();
  }

  @Test
  void clientIdOf_serverCertificateOrAnotherCasClient_isEmpty() {
    TransportSecurity security = TransportSecurity.open(TlsSettings.inMemory(), "127.0.0.1");
    CertificateAuthority other = CertificateAuthority.create("other", Duration.ofDays(1));
    ClientIdentity identity = ClientIdentity.generate();
    X509Certificate foreign = other.signClientCsr(identity.certificationRequest("x"), "x", Duration.ofDays(1));
    assertThat(security.clientIdOf(foreign)).isEmpty();
    assertThat(security.clientIdOf(security.trustedCa().orElseThrow())).isEmpty();
  }

  @Test
  void open_pemFiles_usesTheGivenServerCredential_andChecksClientsAgainstTheClientCa_withoutEnrolling() {
    CertificateAuthority serverCa = CertificateAuthority.create("org PKI", Duration.ofDays(10));
    IssuedCredential server = serverCa.issueServer(List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(5));
    server.save(dir.resolve("server.key.pem"), dir.resolve("server.pem"));
    CertificateAuthority clientCa = CertificateAuthority.create("org clients", Duration.ofDays(10));
    PemFiles.writeCertificates(dir.resolve("clients.pem"), List.of(clientCa.certificate()));
    TransportSecurity security = TransportSecurity.open(TlsSettings.pemFiles(dir.resolve("server.key.pem"),
        dir.resolve("server.pem"), dir.resolve("clients.pem")), "127.0.0.1");

    assertThat(security.trustedCa()).contains(serverCa.certificate());
    assertThat(security.canEnrol()).isFalse();
    assertThatThrownBy(security::issueEnrolmentToken).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot enrol");
    ClientIdentity identity = ClientIdentity.generate();
    assertThat(security.clientIdOf(clientCa.signClientCsr(identity.certificationRequest("x"), "client-7",
        Duration.ofDays(1)))).contains("client-7");
    assertThat(security.clientIdOf(serverCa.signClientCsr(identity.certificationRequest("x"), "client-7",
        Duration.ofDays(1)))).isEmpty();
    assertThat(security.clientIdOf(server.certificate())).isEmpty(); // serverAuth, not clientAuth
    assertThatThrownBy(() -> security.enrol(enrol("t", identity)))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
  }

  @Test
  void configure_insecureLeavesTlsOff_tlsTurnsItOnWithClientCertificatesRequested() {
    assertThat(TransportSecurity.open(TlsSettings.insecure(), "127.0.0.1").configure(new HttpServerOptions())
        .isSsl()).isFalse();
    HttpServerOptions options = TransportSecurity.open(TlsSettings.inMemory(), "127.0.0.1")
        .configure(new HttpServerOptions());
    assertThat(options.isSsl()).isTrue();
    assertThat(options.getClientAuth()).isEqualTo(io.vertx.core.http.ClientAuth.REQUEST);
    assertThat(options.getEnabledSecureTransportProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
  }

  @Test
  void tlsSettings_modesNeedExactlyTheirPaths() {
    assertThatThrownBy(() -> new TlsSettings(TlsSettings.Mode.PEM_FILES, null, dir, dir, null, List.of(),
        TlsSettings.DEFAULT_CLIENT_VALIDITY)).hasMessageContaining("needs all three");
    assertThatThrownBy(() -> new TlsSettings(TlsSettings.Mode.INSECURE, dir, null, null, null, List.of(),
        TlsSettings.DEFAULT_CLIENT_VALIDITY)).hasMessageContaining("only used in the state-directory mode");
    assertThatThrownBy(() -> TlsSettings.inMemory().withClientCertificateValidity(Duration.ZERO))
        .hasMessageContaining("validity");
    assertThatThrownBy(() -> TlsSettings.inMemory().withServerNames(List.of(" ")))
        .hasMessageContaining("blank");
    assertThat(TlsSettings.insecure().enabled()).isFalse();
    assertThat(TlsSettings.stateDirectory(dir).enabled()).isTrue();
  }

  @Test
  void fingerprint_isSha256OfTheDerAsColonHex() throws Exception {
    X509Certificate ca = CertificateAuthority.create("ca", Duration.ofDays(1)).certificate();
    String expected = java.util.HexFormat.ofDelimiter(":").withUpperCase()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(ca.getEncoded()));
    assertThat(TransportSecurity.fingerprint(ca)).isEqualTo(expected).hasSize(95);
  }
}
