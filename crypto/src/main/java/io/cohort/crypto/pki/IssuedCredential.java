package io.cohort.crypto.pki;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A private key and its certificate chain (leaf first), e.g. the coordinator's TLS server credential.
 *
 * <p><b>Security guarantees.</b> The constructor checks, by signing and verifying a random probe, that the key is the
 * private half of the leaf certificate's public key, so a credential can never pair a key with somebody else's
 * certificate. {@link #toString()} never prints the key. {@link #save} writes the key owner-only (see {@link
 * PemFiles}). <b>Not</b> checked: that the chain verifies or is currently valid; TLS peers and {@link
 * CertificateAuthority#clientIdOf} do that.
 *
 * @param privateKey the private key of {@code chain.get(0)}
 * @param chain the leaf certificate first, then its issuers; not empty
 */
public record IssuedCredential(PrivateKey privateKey, List<X509Certificate> chain) {
  /** Validates that the chain is not empty and that the key matches its leaf. */
  public IssuedCredential {
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(chain, "chain");
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("chain must hold at least the leaf certificate");
    }
    X509Support.requireKeyMatches(privateKey, chain.get(0).getPublicKey(), "credential");
  }

  /** The leaf certificate, {@code chain().get(0)}. */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** Writes the key (owner-only) and the chain as PEM files. */
  public void save(Path keyPem, Path certPem) {
    PemFiles.writePrivateKey(keyPem, privateKey);
    PemFiles.writeCertificates(certPem, chain);
  }

  /**
   * Reads a credential written by {@link #save} (or by OpenSSL: PKCS#8 or traditional EC key, PEM chain).
   *
   * @throws IllegalArgumentException if a file is malformed or the key does not match the leaf certificate
   */
  public static IssuedCredential load(Path keyPem, Path certPem) {
    return new IssuedCredential(PemFiles.readPrivateKey(keyPem), PemFiles.readCertificates(certPem));
  }

  /** The leaf's subject and the chain length; never the key. */
  @Override
  public String toString() {
    return "IssuedCredential[subject=" + chain.get(0).getSubjectX500Principal().getName() + ", chain="
        + chain.size() + " certificates, privateKey=<redacted>]";
  }
}
