package io.cohort.coordinator.security;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Client-certificate checks against a CA certificate whose key the coordinator does not hold (TLS from PEM files):
 * the same rules as {@code CertificateAuthority.clientIdOf}, which needs the CA's key to exist. The certificate must
 * chain to the CA (PKIX, no revocation), be valid now, not be a CA, carry EKU clientAuth, and name exactly one client
 * in a SAN URI {@code urn:cohort:client:<id>}.
 */
final class ExternalClientCa {
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String URI_PREFIX = "urn:cohort:client:";
  private static final int URI_NAME = 6;
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._~-]{1,128}");

  private final X509Certificate ca;

  ExternalClientCa(X509Certificate ca) {
    if (ca.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("the client CA file holds no CA certificate: " + ca.getSubjectX500Principal());
    }
    this.ca = ca;
  }

  Optional<String> clientIdOf(X509Certificate certificate) {
    if (certificate == null || certificate.getBasicConstraints() >= 0) {
      return Optional.empty();
    }
    try {
      List<String> usages = certificate.getExtendedKeyUsage();
      if (usages == null || !usages.contains(CLIENT_AUTH)) {
        return Optional.empty();
      }
      CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(certificate));
      PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
      parameters.setRevocationEnabled(false);
      parameters.setDate(new Date());
      CertPathValidator.getInstance("PKIX").validate(path, parameters);
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
    return clientIdFromSan(certificate);
  }

  private static Optional<String> clientIdFromSan(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (names == null) {
      return Optional.empty();
    }
    List<String> ids = new ArrayList<>();
    for (List<?> name : names) {
      if (name.size() == 2 && Integer.valueOf(URI_NAME).equals(name.get(0)) && name.get(1) instanceof String uri
          && uri.startsWith(URI_PREFIX)) {
        ids.add(uri.substring(URI_PREFIX.length()));
      }
    }
    return ids.size() == 1 && CLIENT_ID.matcher(ids.get(0)).matches() ? Optional.of(ids.get(0)) : Optional.empty();
  }
}
