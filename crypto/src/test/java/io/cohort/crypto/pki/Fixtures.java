package io.cohort.crypto.pki;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;

/** Test fixtures: files made once with OpenSSL 3.0 (see the resource folder) and shared set-up. */
final class Fixtures {
  static final Duration DAY = Duration.ofDays(1);

  private Fixtures() {}

  static String resource(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path copyResource(String name, Path target) {
    try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The DER inside a single-object PEM resource. */
  static byte[] pemDer(String name) {
    String body = resource(name).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }

  /** A client identity enrolled with {@code ca} as {@code clientId}, its chain the client certificate then the CA. */
  static ClientIdentity enrolled(CertificateAuthority ca, String clientId) {
    ClientIdentity identity = ClientIdentity.generate();
    var certificate = ca.signClientCsr(identity.certificationRequest("host-1"), clientId, DAY);
    return identity.withCertificate(java.util.List.of(certificate, ca.certificate()));
  }
}
