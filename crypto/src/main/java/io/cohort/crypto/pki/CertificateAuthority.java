package io.cohort.crypto.pki;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The coordinator's certificate authority: an EC P-256 key and a self-signed X.509 v3 CA certificate
 * (BasicConstraints CA with path length 0, KeyUsage keyCertSign|cRLSign) that issues the coordinator's TLS server
 * certificate and, from CSRs, the clients' certificates.
 *
 * <p><b>Security guarantees.</b> Every certificate is signed with SHA256withECDSA, has a random 127-bit serial, is
 * back-dated by five minutes for clock skew, and never outlives the CA certificate. Issued certificates are never CAs
 * (BasicConstraints false, critical KeyUsage digitalSignature) and carry exactly one extended key usage: serverAuth
 * or clientAuth. {@link #signClientCsr} checks the CSR's self-signature (proof of possession of the key), accepts only
 * EC P-256 keys and ECDSA-with-SHA-2 signatures, and takes <em>nothing</em> from the CSR but the public key: the
 * subject, the SAN {@code urn:cohort:client:<id>} and the validity come from the caller, so a client cannot ask for
 * another client's name or for CA rights. {@link #clientIdOf} validates the certificate with the JDK's PKIX validator
 * against this CA alone, at the current time. <b>Not</b> provided: revocation (no CRL or OCSP is published; keep
 * client validity short), authorisation of who may enrol (that is {@link EnrolmentTokens}' job), and protection of the
 * CA key beyond an owner-only file.
 */
public final class CertificateAuthority {
  /** File name of the CA's private key in {@link #save}'s directory. */
  public static final String KEY_FILE = "ca.key.pem";
  /** File name of the CA's certificate in {@link #save}'s directory. */
  public static final String CERTIFICATE_FILE = "ca.pem";
  /** Validity of a CA made by {@link #loadOrCreate}: ten years. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(3650);

  private static final Set<ASN1ObjectIdentifier> CSR_SIGNATURES = Set.of(X9ObjectIdentifiers.ecdsa_with_SHA256,
      X9ObjectIdentifiers.ecdsa_with_SHA384, X9ObjectIdentifiers.ecdsa_with_SHA512);
  private static final Pattern DNS_NAME =
      Pattern.compile("(?=.{1,253}$)(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
  private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:]{2,39}");

  private final PrivateKey key;
  private final X509Certificate certificate;

  private CertificateAuthority(PrivateKey key, X509Certificate certificate) {
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("not a CA certificate: " + certificate.getSubjectX500Principal());
    }
    if (!X509Support.isP256(key)) {
      throw new IllegalArgumentException("the CA key must be EC P-256");
    }
    X509Support.requireKeyMatches(key, certificate.getPublicKey(), "certificate authority");
    this.key = key;
    this.certificate = certificate;
  }

  /**
   * A new CA with a fresh key.
   *
   * @param commonName the CA's CN, 1..64 characters
   * @param validity how long the CA certificate is valid, positive, at most about 100 years
   */
  public static CertificateAuthority create(String commonName, Duration validity) {
    X500Name name = X509Support.commonName(commonName, "commonName");
    X509Support.requireValidity(validity);
    KeyPair pair = X509Support.newP256KeyPair();
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, X509Support.serial(),
        Date.from(now.minus(X509Support.CLOCK_SKEW)), Date.from(now.plus(validity)), name, pair.getPublic());
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the CA certificate", e);
    }
    X509Certificate certificate =
        X509Support.toCertificate(builder.build(X509Support.signer(pair.getPrivate())));
    return new CertificateAuthority(pair.getPrivate(), certificate);
  }

  /**
   * Loads the CA saved in {@code dir} ({@value #KEY_FILE} and {@value #CERTIFICATE_FILE}); if neither file exists,
   * creates a CA valid for {@link #DEFAULT_VALIDITY} and saves it there. {@code commonName} is used only when
   * creating. An expired CA is loaded as it is (issuing from it then throws).
   *
   * @throws IllegalStateException if only one of the two files exists (never silently replaces a CA)
   * @throws IllegalArgumentException if the files are malformed or the key does not match the certificate
   */
  public static CertificateAuthority loadOrCreate(Path dir, String commonName) {
    Path keyFile = dir.resolve(KEY_FILE);
    Path certificateFile = dir.resolve(CERTIFICATE_FILE);
    boolean hasKey = Files.exists(keyFile);
    boolean hasCertificate = Files.exists(certificateFile);
    if (hasKey != hasCertificate) {
      throw new IllegalStateException(dir + " holds only " + (hasKey ? KEY_FILE : CERTIFICATE_FILE)
          + "; restore the other file or remove both to create a new CA");
    }
    if (hasKey) {
      List<X509Certificate> certificates = PemFiles.readCertificates(certificateFile);
      if (certificates.size() != 1) {
        throw new IllegalArgumentException(certificateFile + ": expected one CA certificate, found "
            + certificates.size());
      }
      return new CertificateAuthority(PemFiles.readPrivateKey(keyFile), certificates.get(0));
    }
    CertificateAuthority created = create(commonName, DEFAULT_VALIDITY);
    created.save(dir);
    return created;
  }

  /** Writes {@value #KEY_FILE} (owner-only) and {@value #CERTIFICATE_FILE} into {@code dir}, creating it. */
  public void save(Path dir) {
    PemFiles.writePrivateKey(dir.resolve(KEY_FILE), key);
    PemFiles.writeCertificates(dir.resolve(CERTIFICATE_FILE), List.of(certificate));
  }

  /** The CA certificate: what clients pin and what the server trusts for client certificates. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * A server certificate and its fresh P-256 key: EKU serverAuth, SANs the given DNS names and IP addresses (e.g.
   * {@code localhost}, {@code 127.0.0.1}), CN the first of them. The chain is the server certificate, then the CA's.
   *
   * @param dnsNames host names (a leading {@code *.} wildcard is allowed)
   * @param ipAddresses IPv4 or IPv6 literals; never resolved
   * @throws IllegalArgumentException if both lists are empty or a name is malformed
   */
  public IssuedCredential issueServer(List<String> dnsNames, List<String> ipAddresses, Duration validity) {
    List<GeneralName> names = new ArrayList<>();
    for (String dns : Objects.requireNonNull(dnsNames, "dnsNames")) {
      if (dns == null || !DNS_NAME.matcher(dns).matches()) {
        throw new IllegalArgumentException("not a DNS name: " + dns);
      }
      names.add(new GeneralName(GeneralName.dNSName, dns));
    }
    for (String ip : Objects.requireNonNull(ipAddresses, "ipAddresses")) {
      names.add(new GeneralName(GeneralName.iPAddress, ipLiteral(ip)));
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("a server certificate needs at least one DNS name or IP address");
    }
    String subject = dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0);
    KeyPair pair = X509Support.newP256KeyPair();
    X509Certificate issued = issue(X509Support.commonName(subject, "server name"), pair.getPublic(), validity,
        KeyPurposeId.id_kp_serverAuth, names);
    return new IssuedCredential(pair.getPrivate(), List.of(issued, certificate));
  }

  /**
   * Signs a PKCS#10 CSR for client {@code clientId}: verifies the CSR's self-signature (proof of possession), ignores
   * the subject and every attribute it asks for, and issues {@code CN=clientId} with SAN URI {@code
   * urn:cohort:client:<clientId>}, EKU clientAuth, not a CA.
   *
   * @param csrDer the DER encoding of the CSR; its key must be EC P-256, its signature ECDSA with SHA-256/384/512
   * @param clientId 1..128 characters from {@code [A-Za-z0-9._~-]}
   * @throws IllegalArgumentException if the CSR is malformed, its key is not P-256, or its signature does not verify
   */
  public X509Certificate signClientCsr(byte[] csrDer, String clientId, Duration validity) {
    X509Support.requireClientId(clientId);
    X509Support.requireValidity(validity);
    if (csrDer == null || csrDer.length == 0) {
      throw new IllegalArgumentException("malformed CSR: empty");
    }
    PKCS10CertificationRequest csr;
    try {
      csr = new PKCS10CertificationRequest(csrDer);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("malformed CSR: not a DER-encoded PKCS#10 request", e);
    }
    PublicKey publicKey;
    try {
      publicKey = KeyFactory.getInstance("EC")
          .generatePublic(new X509EncodedKeySpec(csr.getSubjectPublicKeyInfo().getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("CSR key must be EC P-256: " + e.getMessage(), e);
    }
    if (!X509Support.isP256(publicKey)) {
      throw new IllegalArgumentException("CSR key must be EC P-256");
    }
    ASN1ObjectIdentifier algorithm = csr.getSignatureAlgorithm().getAlgorithm();
    if (!CSR_SIGNATURES.contains(algorithm)) {
      throw new IllegalArgumentException("CSR signature algorithm must be ECDSA with SHA-2, got " + algorithm);
    }
    boolean valid;
    try {
      valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey));
    } catch (PKCSException | OperatorCreationException | RuntimeException e) {
      valid = false;
    }
    if (!valid) {
      throw new IllegalArgumentException("CSR signature does not verify: no proof of possession of its key");
    }
    GeneralName uri = new GeneralName(GeneralName.uniformResourceIdentifier, X509Support.CLIENT_URI_PREFIX + clientId);
    return issue(X509Support.commonName(clientId, "clientId"), publicKey, validity, KeyPurposeId.id_kp_clientAuth,
        List.of(uri));
  }

  /**
   * The client id of a client certificate this CA issued, taken from its SAN URI, after checking that it chains to
   * this CA (PKIX, no revocation), is valid now, is not a CA and has EKU clientAuth; empty otherwise.
   */
  public Optional<String> clientIdOf(X509Certificate certificate) {
    return clientIdOf(this.certificate, certificate);
  }

  /**
   * As {@link #clientIdOf(X509Certificate)}, against a CA certificate whose key this process does not hold (a
   * coordinator given its PKI as PEM files).
   */
  public static Optional<String> clientIdOf(X509Certificate trustedCa, X509Certificate certificate) {
    if (certificate == null || certificate.getBasicConstraints() >= 0) {
      return Optional.empty();
    }
    try {
      List<String> usages = certificate.getExtendedKeyUsage();
      if (usages == null || !usages.contains(KeyPurposeId.id_kp_clientAuth.getId())) {
        return Optional.empty();
      }
      CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(certificate));
      PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(trustedCa, null)));
      parameters.setRevocationEnabled(false);
      parameters.setDate(new Date());
      CertPathValidator.getInstance("PKIX").validate(path, parameters);
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
    return X509Support.clientIdFromSan(certificate);
  }

  private X509Certificate issue(X500Name subject, PublicKey publicKey, Duration validity, KeyPurposeId purpose,
      List<GeneralName> altNames) {
    X509Support.requireValidity(validity);
    Instant now = Instant.now();
    Instant caStart = certificate.getNotBefore().toInstant();
    Instant caEnd = certificate.getNotAfter().toInstant();
    if (!now.isBefore(caEnd)) {
      throw new IllegalStateException("the CA certificate expired at " + caEnd + "; create a new CA");
    }
    Instant notBefore = now.minus(X509Support.CLOCK_SKEW);
    notBefore = notBefore.isBefore(caStart) ? caStart : notBefore;
    Instant notAfter = now.plus(validity);
    notAfter = notAfter.isAfter(caEnd) ? caEnd : notAfter;
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, X509Support.serial(),
        Date.from(notBefore), Date.from(notAfter), subject, publicKey);
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(altNames.toArray(GeneralName[]::new)));
      builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
      builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a certificate", e);
    }
    return X509Support.toCertificate(builder.build(X509Support.signer(key)));
  }

  /** Checks an IP literal without ever resolving a host name. */
  private static String ipLiteral(String ip) {
    if (ip == null || !(IPV4.matcher(ip).matches() || (ip.indexOf(':') >= 0 && IPV6.matcher(ip).matches()))) {
      throw new IllegalArgumentException("not an IP address literal: " + ip);
    }
    try {
      return InetAddress.getByName(ip).getHostAddress(); // a literal: parsed, not looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address literal: " + ip, e);
    }
  }

  @Override
  public String toString() {
    return "CertificateAuthority[" + certificate.getSubjectX500Principal().getName() + "]";
  }
}
