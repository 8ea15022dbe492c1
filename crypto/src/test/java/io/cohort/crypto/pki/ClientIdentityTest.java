package io.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientIdentityTest {
  private static final CertificateAuthority CA = CertificateAuthority.create("Cohort Test CA", Duration.ofDays(30));

  @Test
  void generate_twice_givesDifferentP256Keys() {
    ClientIdentity a = ClientIdentity.generate();
    ClientIdentity b = ClientIdentity.generate();
    assertThat(X509Support.isP256(a.publicKey())).isTrue();
    assertThat(a.publicKey().getEncoded()).isNotEqualTo(b.publicKey().getEncoded());
    assertThat(a.certificateChain()).isEmpty();
  }

  @Test
  void withCertificate_certificateForAnotherKey_throws() {
    ClientIdentity identity = ClientIdentity.generate();
    X509Certificate other = CA.signClientCsr(ClientIdentity.generate().certificationRequest("x"), "c1",
        Fixtures.DAY);
    assertThatThrownBy(() -> identity.withCertificate(List.of(other)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another key");
    assertThatThrownBy(() -> identity.withCertificate(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withCertificate_serverCertificate_throws() {
    IssuedCredential server = CA.issueServer(List.of("localhost"), List.of(), Fixtures.DAY);
    // Build an identity around the server's key through the file format, then offer it its own server certificate.
    ClientIdentity identity = identityWithKey(server);
    assertThatThrownBy(() -> identity.withCertificate(server.chain()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clientAuth");
  }

  @Test
  void saveLoad_enrolled_roundTripsWithOwnerOnlyKey(@TempDir Path dir) throws Exception {
    ClientIdentity enrolled = Fixtures.enrolled(CA, "client-42");
    enrolled.save(dir);
    ClientIdentity loaded = ClientIdentity.load(dir).orElseThrow();

    assertThat(loaded.publicKey().getEncoded()).isEqualTo(enrolled.publicKey().getEncoded());
    assertThat(loaded.certificateChain()).isEqualTo(enrolled.certificateChain());
    if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir.resolve(ClientIdentity.KEY_FILE)))).isEqualTo("rw-------");
    }
    // The loaded key is the same key: its signature verifies under the original certificate.
    SignedStatement statement = new SignedStatement(1, "run", 0, "client-42", "fit", new byte[32]);
    X509Certificate certificate = enrolled.certificateChain().orElseThrow().get(0);
    assertThat(UpdateVerifier.verify(certificate, statement, loaded.signer().sign(statement))).isTrue();
  }

  @Test
  void saveLoad_notEnrolled_hasNoCertificateAndRemovesAStaleOne(@TempDir Path dir) {
    Fixtures.enrolled(CA, "old").save(dir);
    ClientIdentity fresh = ClientIdentity.generate();
    fresh.save(dir);
    assertThat(dir.resolve(ClientIdentity.CERTIFICATE_FILE)).doesNotExist();
    ClientIdentity loaded = ClientIdentity.load(dir).orElseThrow();
    assertThat(loaded.certificateChain()).isEmpty();
    assertThat(loaded.publicKey().getEncoded()).isEqualTo(fresh.publicKey().getEncoded());
  }

  @Test
  void load_emptyDirectory_isEmpty(@TempDir Path dir) {
    assertThat(ClientIdentity.load(dir)).isEmpty();
    assertThat(ClientIdentity.load(dir.resolve("missing"))).isEmpty();
  }

  @Test
  void load_certificateOfAnotherKey_throws(@TempDir Path dir) {
    ClientIdentity.generate().save(dir);
    PemFiles.writeCertificates(dir.resolve(ClientIdentity.CERTIFICATE_FILE),
        Fixtures.enrolled(CA, "someone-else").certificateChain().orElseThrow());
    assertThatThrownBy(() -> ClientIdentity.load(dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another key");
  }

  @Test
  void load_opensslTraditionalEcKey_derivesThePublicKeyOpensslPrinted(@TempDir Path dir) {
    // `openssl ec -in openssl-ec-traditional.key.pem -pubout -outform DER | xxd -p`
    String expected = "3059301306072a8648ce3d020106082a8648ce3d03010703420004bf13b399477077906fc7f56981ff9d6a"
        + "3e5d54fadf6b57ee922612248b54291693804588a1109ecaa83a8390433975864f99de7a38f9f67a6e57c255904fa54e";
    Fixtures.copyResource("openssl-ec-traditional.key.pem", dir.resolve(ClientIdentity.KEY_FILE));
    ClientIdentity loaded = ClientIdentity.load(dir).orElseThrow();
    assertThat(HexFormat.of().formatHex(loaded.publicKey().getEncoded())).isEqualTo(expected);
    // ... and it is the key of OpenSSL's CSR made from the same file.
    X509Certificate issued = CA.signClientCsr(Fixtures.pemDer("openssl-p256.csr.pem"), "c1", Fixtures.DAY);
    assertThat(loaded.withCertificate(List.of(issued)).certificateChain()).isPresent();
  }

  @Test
  void load_ecKeyWhoseScalarIsZeroOrTooLarge_throwsIllegalArgument(@TempDir Path dir) throws Exception {
    // Found probing the reader of PemFilesFuzz: deriving the public key threw IllegalStateException from Bouncy
    // Castle ("could not encode a P-256 public key" for 0, "fixed-point comb doesn't support scalars larger than the
    // curve order" for more than 256 bits), which the client does not expect from a damaged key file.
    for (BigInteger scalar : List.of(BigInteger.ZERO, BigInteger.ONE.shiftLeft(300))) {
      byte[] octets = scalar.signum() == 0 ? new byte[32] : scalar.toByteArray();
      PrivateKeyInfo info = new PrivateKeyInfo(
          new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp256r1),
          new DERSequence(new ASN1Encodable[] {new ASN1Integer(1), new DEROctetString(octets)}));
      Files.writeString(dir.resolve(ClientIdentity.KEY_FILE), "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder().encodeToString(info.getEncoded()) + "\n-----END PRIVATE KEY-----\n");

      assertThatThrownBy(() -> ClientIdentity.load(dir)).as("scalar %s", scalar)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("private key");
    }
  }

  @Test
  void certificationRequest_blankName_throws() {
    assertThatThrownBy(() -> ClientIdentity.generate().certificationRequest(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestedName");
  }

  private static ClientIdentity identityWithKey(IssuedCredential credential) {
    try {
      Path dir = Files.createTempDirectory("identity");
      PemFiles.writePrivateKey(dir.resolve(ClientIdentity.KEY_FILE), credential.privateKey());
      ClientIdentity identity = ClientIdentity.load(dir).orElseThrow();
      Files.delete(dir.resolve(ClientIdentity.KEY_FILE));
      Files.delete(dir);
      return identity;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
