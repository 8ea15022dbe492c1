package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesTest {
  private static final CertificateAuthority CA = CertificateAuthority.create("Cohort Test CA", Duration.ofDays(30));

  @Test
  void writePrivateKey_posixFileSystem_createsRwOwnerOnly(@TempDir Path dir) throws Exception {
    assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "needs POSIX permissions");
    Path file = dir.resolve("k.pem");
    PemFiles.writePrivateKey(file, X509Support.newP256KeyPair().getPrivate());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void writePrivateKey_overWorldReadableFile_replacesItWithRwOwnerOnly(@TempDir Path dir) throws Exception {
    assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "needs POSIX permissions");
    Path file = dir.resolve("k.pem");
    Files.writeString(file, "old");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    PemFiles.writePrivateKey(file, X509Support.newP256KeyPair().getPrivate());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file); // no temporary file left behind
    }
  }

  @Test
  void writePrivateKey_missingDirectory_isCreatedRwxOwnerOnly(@TempDir Path dir) throws Exception {
    assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "needs POSIX permissions");
    PemFiles.writePrivateKey(dir.resolve("secrets/k.pem"), X509Support.newP256KeyPair().getPrivate());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("secrets"))))
        .isEqualTo("rwx------");
  }

  @Test
  void writeThenReadPrivateKey_sameKey(@TempDir Path dir) {
    PrivateKey key = X509Support.newP256KeyPair().getPrivate();
    PemFiles.writePrivateKey(dir.resolve("sub/k.pem"), key);
    assertThat(PemFiles.readPrivateKey(dir.resolve("sub/k.pem")).getEncoded()).isEqualTo(key.getEncoded());
  }

  @Test
  void readPrivateKey_opensslTraditionalEcKey_isRead(@TempDir Path dir) {
    Path file = Fixtures.copyResource("openssl-ec-traditional.key.pem", dir.resolve("k.pem"));
    PrivateKey key = PemFiles.readPrivateKey(file);
    assertThat(X509Support.isP256(key)).isTrue();
  }

  @Test
  void readPrivateKey_encryptedKey_throws(@TempDir Path dir) {
    Path file = Fixtures.copyResource("openssl-ec-encrypted.key.pem", dir.resolve("k.pem"));
    assertThatThrownBy(() -> PemFiles.readPrivateKey(file))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encrypted");
  }

  @Test
  void readPrivateKey_noKeyOrWrongContent_throws(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    assertThatThrownBy(() -> PemFiles.readPrivateKey(empty)).hasMessageContaining("no private key");
    Path certificate = dir.resolve("cert.pem");
    PemFiles.writeCertificates(certificate, List.of(CA.certificate()));
    assertThatThrownBy(() -> PemFiles.readPrivateKey(certificate)).hasMessageContaining("unexpected PEM object");
    Path broken = Files.writeString(dir.resolve("broken.pem"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> PemFiles.readPrivateKey(broken)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void certificates_writeThenRead_sameChainInOrder(@TempDir Path dir) {
    IssuedCredential server = CA.issueServer(List.of("localhost"), List.of("127.0.0.1"), Fixtures.DAY);
    PemFiles.writeCertificates(dir.resolve("chain.pem"), server.chain());
    assertThat(PemFiles.readCertificates(dir.resolve("chain.pem"))).containsExactlyElementsOf(server.chain());
  }

  @Test
  void encodeDecodeCertificates_roundTrip() {
    List<X509Certificate> chain = List.of(CA.certificate());
    String pem = PemFiles.encodeCertificates(chain);
    assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(PemFiles.decodeCertificates(pem)).isEqualTo(chain);
  }

  @Test
  void decodeCertificates_garbageOrKey_throws(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> PemFiles.decodeCertificates("hello")).hasMessageContaining("no certificate");
    assertThatThrownBy(() -> PemFiles.encodeCertificates(List.of())).isInstanceOf(IllegalArgumentException.class);
    Path key = dir.resolve("k.pem");
    PemFiles.writePrivateKey(key, X509Support.newP256KeyPair().getPrivate());
    assertThatThrownBy(() -> PemFiles.readCertificates(key)).hasMessageContaining("expected only certificates");
  }

  @Test
  void issuedCredential_saveLoad_roundTrips(@TempDir Path dir) throws Exception {
    IssuedCredential server = CA.issueServer(List.of("localhost"), List.of("127.0.0.1"), Fixtures.DAY);
    server.save(dir.resolve("server.key.pem"), dir.resolve("server.pem"));
    IssuedCredential loaded = IssuedCredential.load(dir.resolve("server.key.pem"), dir.resolve("server.pem"));
    assertThat(loaded.chain()).isEqualTo(server.chain());
    assertThat(loaded.privateKey().getEncoded()).isEqualTo(server.privateKey().getEncoded());
    if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.key.pem"))))
          .isEqualTo("rw-------");
    }
  }

  @Test
  void issuedCredential_keyOfAnotherCertificate_throws() {
    IssuedCredential server = CA.issueServer(List.of("localhost"), List.of(), Fixtures.DAY);
    PrivateKey other = X509Support.newP256KeyPair().getPrivate();
    assertThatThrownBy(() -> new IssuedCredential(other, server.chain()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match");
    assertThatThrownBy(() -> new IssuedCredential(server.privateKey(), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void issuedCredential_toString_doesNotRevealTheKey() {
    IssuedCredential server = CA.issueServer(List.of("localhost"), List.of(), Fixtures.DAY);
    java.math.BigInteger secret = ((java.security.interfaces.ECPrivateKey) server.privateKey()).getS();
    assertThat(server.toString()).contains("CN=localhost", "<redacted>")
        .doesNotContain(secret.toString(16)).doesNotContain(secret.toString());
  }
}
