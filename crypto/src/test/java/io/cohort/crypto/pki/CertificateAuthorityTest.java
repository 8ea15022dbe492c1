package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
  private static final CertificateAuthority CA = CertificateAuthority.create("Cohort Test CA", Duration.ofDays(30));
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

  @Test
  void create_caCertificate_isSelfSignedP256CaForCertAndCrlSigning() throws Exception {
    X509Certificate ca = CA.certificate();
    assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=Cohort Test CA");
    assertThat(ca.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
    assertThat(ca.getBasicConstraints()).isEqualTo(0); // a CA whose path length is 0: it issues only leaves
    assertThat(ca.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
    boolean[] usage = ca.getKeyUsage();
    assertThat(usage[5]).as("keyCertSign").isTrue();
    assertThat(usage[6]).as("cRLSign").isTrue();
    assertThat(usage[0]).as("digitalSignature").isFalse();
    assertThat(ca.getSigAlgName()).isEqualToIgnoringCase("SHA256withECDSA");
    assertThat(X509Support.isP256(ca.getPublicKey())).isTrue();
    ca.verify(ca.getPublicKey());
    assertThat(ca.getNotAfter().toInstant()).isBetween(Instant.now().plus(Duration.ofDays(29)),
        Instant.now().plus(Duration.ofDays(31)));
  }

  @Test
  void create_blankNameOrBadValidity_throws() {
    assertThatThrownBy(() -> CertificateAuthority.create(" ", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commonName");
    assertThatThrownBy(() -> CertificateAuthority.create("CA", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("validity");
    assertThatThrownBy(() -> CertificateAuthority.create("CA", Duration.ofDays(40_000)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("validity");
  }

  @Test
  void signClientCsr_opensslCsrAskingForAnotherSubjectAndCaRights_issuesOnlyTheGivenClientId() throws Exception {
    // The CSR asks for CN=admin, O=Evil Corp, BasicConstraints CA:TRUE and SAN urn:cohort:client:victim.
    byte[] csr = Fixtures.pemDer("openssl-p256.csr.pem");
    X509Certificate issued = CA.signClientCsr(csr, "client-7", Fixtures.DAY);

    assertThat(issued.getSubjectX500Principal().getName()).isEqualTo("CN=client-7");
    assertThat(issued.getIssuerX500Principal()).isEqualTo(CA.certificate().getSubjectX500Principal());
    Collection<List<?>> sans = issued.getSubjectAlternativeNames();
    assertThat(sans).containsExactly(List.of(6, "urn:cohort:client:client-7"));
    assertThat(issued.getBasicConstraints()).isEqualTo(-1);
    assertThat(issued.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
    assertThat(issued.getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(issued.getKeyUsage()[5]).as("keyCertSign").isFalse();
    issued.verify(CA.certificate().getPublicKey());
    assertThat(CA.clientIdOf(issued)).contains("client-7");
  }

  @Test
  void signClientCsr_ownIdentity_certifiesTheIdentityKey() {
    ClientIdentity identity = ClientIdentity.generate();
    X509Certificate issued = CA.signClientCsr(identity.certificationRequest("laptop"), "c1", Fixtures.DAY);
    assertThat(issued.getPublicKey().getEncoded()).isEqualTo(identity.publicKey().getEncoded());
    assertThat(issued.getSubjectX500Principal().getName()).isEqualTo("CN=c1");
  }

  @Test
  void signClientCsr_tamperedSignature_throws() {
    byte[] csr = Fixtures.pemDer("openssl-p256.csr.pem");
    csr[csr.length - 1] ^= 0x01; // the last byte of the ECDSA signature's s
    assertThatThrownBy(() -> CA.signClientCsr(csr, "client-7", Fixtures.DAY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("signature does not verify");
  }

  @Test
  void signClientCsr_tamperedRequestBody_throws() {
    byte[] csr = Fixtures.pemDer("openssl-p256.csr.pem");
    int at = indexOf(csr, "admin".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    csr[at] = 'b'; // CN=bdmin: same length, so still well-formed DER, but no longer what the key signed
    assertThatThrownBy(() -> CA.signClientCsr(csr, "client-7", Fixtures.DAY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("signature does not verify");
  }

  @Test
  void signClientCsr_malformedDer_throws() {
    byte[] csr = Fixtures.pemDer("openssl-p256.csr.pem");
    byte[] truncated = java.util.Arrays.copyOf(csr, csr.length / 2);
    for (byte[] bad : List.of(new byte[0], new byte[] {0x30, 0x03, 0x02, 0x01}, truncated,
        "not a CSR".getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
      assertThatThrownBy(() -> CA.signClientCsr(bad, "client-7", Fixtures.DAY))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed CSR");
    }
  }

  @Test
  void signClientCsr_keyNotP256_throws() {
    for (String name : List.of("openssl-p384.csr.pem", "openssl-rsa.csr.pem")) {
      assertThatThrownBy(() -> CA.signClientCsr(Fixtures.pemDer(name), "client-7", Fixtures.DAY))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("P-256");
    }
  }

  @Test
  void signClientCsr_invalidClientId_throws() {
    byte[] csr = Fixtures.pemDer("openssl-p256.csr.pem");
    for (String bad : java.util.Arrays.asList(null, "", "a b", "x/y", "CN=x,O=y", "é", "a".repeat(129))) {
      assertThatThrownBy(() -> CA.signClientCsr(csr, bad, Fixtures.DAY))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clientId");
    }
  }

  @Test
  void issueServer_namesAndAddresses_becomeSansWithServerAuth() throws Exception {
    IssuedCredential server = CA.issueServer(List.of("localhost", "coordinator.example"),
        List.of("127.0.0.1", "::1"), Fixtures.DAY);
    X509Certificate leaf = server.certificate();
    assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(2, "localhost"),
        List.of(2, "coordinator.example"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
    assertThat(leaf.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(server.chain()).containsExactly(leaf, CA.certificate());
    leaf.verify(CA.certificate().getPublicKey());
    assertThat(CA.clientIdOf(leaf)).as("a server certificate is not a client's").isEmpty();
  }

  @Test
  void issueServer_malformedNames_throw() {
    assertThatThrownBy(() -> CA.issueServer(List.of(), List.of(), Fixtures.DAY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
    assertThatThrownBy(() -> CA.issueServer(List.of("not a host!"), List.of(), Fixtures.DAY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DNS name");
    for (String ip : List.of("999.1.1.1", "localhost", "example.com", "1.2.3", ":")) {
      assertThatThrownBy(() -> CA.issueServer(List.of(), List.of(ip), Fixtures.DAY))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IP address");
    }
  }

  @Test
  void issue_validityBeyondCa_isClampedToTheCaExpiry() {
    IssuedCredential server = CA.issueServer(List.of("localhost"), List.of(), Duration.ofDays(3650));
    assertThat(server.certificate().getNotAfter()).isEqualTo(CA.certificate().getNotAfter());
  }

  @Test
  void clientIdOf_certificateFromAnotherCa_isEmpty() {
    CertificateAuthority other = CertificateAuthority.create("Cohort Test CA", Duration.ofDays(30)); // same name!
    X509Certificate foreign = other.signClientCsr(ClientIdentity.generate().certificationRequest("x"), "c1",
        Fixtures.DAY);
    assertThat(other.clientIdOf(foreign)).contains("c1");
    assertThat(CA.clientIdOf(foreign)).isEmpty();
  }

  @Test
  void clientIdOf_caCertificateOrNull_isEmpty() {
    assertThat(CA.clientIdOf(CA.certificate())).isEmpty();
    assertThat(CA.clientIdOf(null)).isEmpty();
  }

  @Test
  void clientIdOf_expiredCertificate_isEmpty() throws InterruptedException {
    X509Certificate shortLived = CA.signClientCsr(ClientIdentity.generate().certificationRequest("x"), "c1",
        Duration.ofMillis(1));
    // X.509 times have whole seconds, so this waits at most about a second.
    for (int i = 0; i < 30 && !shortLived.getNotAfter().toInstant().isBefore(Instant.now()); i++) {
      Thread.sleep(100);
    }
    assertThat(CA.clientIdOf(shortLived)).isEmpty();
  }

  @Test
  void loadOrCreate_secondCall_loadsTheSavedCaWithOwnerOnlyKey(@TempDir Path dir) throws Exception {
    CertificateAuthority first = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "Cohort CA");
    CertificateAuthority second = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "ignored on load");
    assertThat(second.certificate()).isEqualTo(first.certificate());
    assertThat(first.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=Cohort CA");
    X509Certificate issued = second.signClientCsr(ClientIdentity.generate().certificationRequest("x"), "c9",
        Fixtures.DAY);
    assertThat(first.clientIdOf(issued)).contains("c9"); // the loaded key is the saved key
    if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
          dir.resolve("ca").resolve(CertificateAuthority.KEY_FILE)))).isEqualTo("rw-------");
    }
  }

  @Test
  void loadOrCreate_onlyOneFilePresent_throws(@TempDir Path dir) throws Exception {
    CA.save(dir);
    Files.delete(dir.resolve(CertificateAuthority.CERTIFICATE_FILE));
    assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir, "CA"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining(CertificateAuthority.KEY_FILE);
    assertThat(dir.resolve(CertificateAuthority.KEY_FILE)).exists(); // nothing was overwritten
  }

  @Test
  void loadOrCreate_keyOfAnotherCa_throws(@TempDir Path dir) {
    CA.save(dir);
    PemFiles.writePrivateKey(dir.resolve(CertificateAuthority.KEY_FILE),
        X509Support.newP256KeyPair().getPrivate());
    assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir, "CA"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match");
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }
}
