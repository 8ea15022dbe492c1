package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
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
  void readCertificates_fileOver1MiB_isRefusedBeforeItIsParsed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("big.pem");
    Files.write(file, new byte[(1 << 20) + 1]);
    assertThatThrownBy(() -> PemFiles.readCertificates(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("larger than 1048576 bytes");
  }

  @Test
  void decodeCertificates_65Objects_isRefused_64AreRead() {
    X509Certificate ca = CertificateAuthority.create("limits", Duration.ofDays(1)).certificate();
    String one = PemFiles.encodeCertificates(List.of(ca));
    assertThat(PemFiles.decodeCertificates(one.repeat(64))).hasSize(64);
    assertThatThrownBy(() -> PemFiles.decodeCertificates(one.repeat(65))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than 64 PEM objects");
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
  void readCertificatesAndKey_nonAsciiByte_throwIllegalArgumentNamingTheByte(@TempDir Path dir) throws Exception {
    // Found by PemFilesFuzz: a non-ASCII byte (here a UTF-8 comment) escaped as UncheckedIOException "cannot read".
    Path certificate = dir.resolve("cert.pem");
    Files.writeString(certificate, "# Zertifikat f\u00fcr den Koordinator\n"
        + PemFiles.encodeCertificates(List.of(CA.certificate())), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> PemFiles.readCertificates(certificate))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("byte 0xC3 at offset 14 is not ASCII");
    Path key = dir.resolve("k.pem");
    PemFiles.writePrivateKey(key, X509Support.newP256KeyPair().getPrivate());
    Files.write(key, new byte[] {(byte) 0xff}, StandardOpenOption.APPEND);
    assertThatThrownBy(() -> PemFiles.readPrivateKey(key))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not ASCII");
  }

  @Test
  void decodeAndReadCertificates_certificateTheJdkRefuses_throwIllegalArgument(@TempDir Path dir) throws Exception {
    // Found by PemFilesFuzz: Bouncy Castle reads the certificate, the JDK refuses it (here: BasicConstraints that is
    // an INTEGER, not a SEQUENCE), and the IllegalStateException for certificates we built ourselves escaped.
    KeyPair pair = X509Support.newP256KeyPair();
    X500Name name = X509Support.commonName("odd", "name");
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(now),
        Date.from(now.plus(Fixtures.DAY)), name, pair.getPublic())
        .addExtension(Extension.basicConstraints, true, new ASN1Integer(5).getEncoded());
    byte[] der = builder.build(X509Support.signer(pair.getPrivate())).getEncoded();
    String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(der)
        + "\n-----END CERTIFICATE-----\n";
    String chain = PemFiles.encodeCertificates(List.of(CA.certificate())) + pem;

    assertThatThrownBy(() -> PemFiles.decodeCertificates(chain))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("certificate 2 is malformed")
        .hasMessageContaining("BasicConstraints");
    Path file = Files.writeString(dir.resolve("chain.pem"), chain);
    assertThatThrownBy(() -> PemFiles.readCertificates(file))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("certificate 2 is malformed");
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
