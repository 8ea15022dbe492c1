package io.cohort.coordinator.security;

import io.cohort.crypto.pki.CertificateAuthority;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Client-certificate checks against a CA certificate whose key the coordinator does not hold (TLS from PEM files):
 * the same rules as {@code CertificateAuthority.clientIdOf}, which it calls.
 */
final class ExternalClientCa {
  private final X509Certificate ca;

  ExternalClientCa(X509Certificate ca) {
    if (ca.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("the client CA file holds no CA certificate: " + ca.getSubjectX500Principal());
    }
    this.ca = ca;
  }

  Optional<String> clientIdOf(X509Certificate certificate) {
    return CertificateAuthority.clientIdOf(ca, certificate);
  }
}
