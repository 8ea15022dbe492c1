package io.cohort.crypto.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A client's own EC P-256 key, generated on the client and never sent anywhere, and, once enrolled, the certificate
 * chain the coordinator's CA issued for it. Immutable: {@link #withCertificate} returns a new identity.
 *
 * <p><b>Security guarantees.</b> The private key has no accessor; it leaves this object only as PKCS#10 signatures,
 * TLS handshake signatures (through {@link TlsContexts#client}), update signatures (through {@link #signer()}) and
 * the owner-only key file written by {@link #save}. {@link #withCertificate} refuses a certificate for any other key
 * and one without EKU clientAuth. <b>Not</b> provided: protection against code in the same JVM, or against the same
 * OS user reading {@value #KEY_FILE}.
 */
public final class ClientIdentity {
  /** File name of the client's private key in {@link #save}'s directory. */
  public static final String KEY_FILE = "client.key.pem";
  /** File name of the client's certificate chain in {@link #save}'s directory. */
  public static final String CERTIFICATE_FILE = "client.pem";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final List<X509Certificate> chain;

  private ClientIdentity(PrivateKey privateKey, PublicKey publicKey, List<X509Certificate> chain) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.chain = chain;
  }

  /** A fresh identity with a new EC P-256 key and no certificate yet. */
  public static ClientIdentity generate() {
    KeyPair pair = X509Support.newP256KeyPair();
    return new ClientIdentity(pair.getPrivate(), pair.getPublic(), List.of());
  }

  /**
   * A PKCS#10 certification request (DER) for this identity's key, signed with it (SHA256withECDSA). The CA ignores
   * the requested name: it is informational, e.g. a host name for the coordinator's logs.
   *
   * @param requestedName the CN to put in the request, 1..64 characters
   */
  public byte[] certificationRequest(String requestedName) {
    PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(
        X509Support.commonName(requestedName, "requestedName"), publicKey).build(X509Support.signer(privateKey));
    try {
      return request.getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a CSR", e);
    }
  }

  /**
   * This identity with its certificate chain (leaf first, e.g. from the enrolment response).
   *
   * @throws IllegalArgumentException if the chain is empty, its leaf is for another key, or lacks EKU clientAuth
   */
  public ClientIdentity withCertificate(List<X509Certificate> chain) {
    Objects.requireNonNull(chain, "chain");
    List<X509Certificate> copy = List.copyOf(chain);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("chain must hold at least the client certificate");
    }
    X509Certificate leaf = copy.get(0);
    if (!Arrays.equals(leaf.getPublicKey().getEncoded(), publicKey.getEncoded())) {
      throw new IllegalArgumentException("the certificate is for another key than this identity's");
    }
    List<String> usages;
    try {
      usages = leaf.getExtendedKeyUsage();
    } catch (java.security.cert.CertificateParsingException e) {
      usages = null;
    }
    if (usages == null || !usages.contains(CLIENT_AUTH)) {
      throw new IllegalArgumentException("the certificate lacks extended key usage clientAuth");
    }
    return new ClientIdentity(privateKey, publicKey, copy);
  }

  /** The certificate chain, leaf first, once enrolled. */
  public Optional<List<X509Certificate>> certificateChain() {
    return chain.isEmpty() ? Optional.empty() : Optional.of(chain);
  }

  /** This identity's public key (it is in the CSR and the certificate anyway). */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** Signs update statements with this identity's key. */
  public UpdateSigner signer() {
    return new UpdateSigner(privateKey);
  }

  /**
   * Writes {@value #KEY_FILE} (owner-only, see {@link PemFiles}) and, if enrolled, {@value #CERTIFICATE_FILE} into
   * {@code dir}, creating it; a stale {@value #CERTIFICATE_FILE} is removed when this identity has no certificate.
   */
  public void save(Path dir) {
    PemFiles.writePrivateKey(dir.resolve(KEY_FILE), privateKey);
    Path certificateFile = dir.resolve(CERTIFICATE_FILE);
    if (chain.isEmpty()) {
      try {
        Files.deleteIfExists(certificateFile);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove stale " + certificateFile, e);
      }
    } else {
      PemFiles.writeCertificates(certificateFile, chain);
    }
  }

  /**
   * The identity saved in {@code dir}; empty if there is no {@value #KEY_FILE}.
   *
   * @throws IllegalArgumentException if the key is not EC P-256 or the certificate does not match it
   */
  public static Optional<ClientIdentity> load(Path dir) {
    Path keyFile = dir.resolve(KEY_FILE);
    if (!Files.exists(keyFile)) {
      return Optional.empty();
    }
    PrivateKey key = PemFiles.readPrivateKey(keyFile);
    ClientIdentity identity = new ClientIdentity(key, X509Support.p256PublicKeyOf(key), List.of());
    Path certificateFile = dir.resolve(CERTIFICATE_FILE);
    if (Files.exists(certificateFile)) {
      identity = identity.withCertificate(PemFiles.readCertificates(certificateFile));
    }
    return Optional.of(identity);
  }

  /** The key and chain for TLS; empty before enrolment. */
  Optional<IssuedCredential> credential() {
    return chain.isEmpty() ? Optional.empty() : Optional.of(new IssuedCredential(privateKey, chain));
  }

  @Override
  public String toString() {
    return "ClientIdentity[" + (chain.isEmpty() ? "not enrolled"
        : chain.get(0).getSubjectX500Principal().getName()) + "]";
  }
}
