package io.cohort.crypto.pki;

import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies signatures made by {@link UpdateSigner}.
 *
 * <p><b>Security guarantees.</b> {@link #verify} returns true only if the signature is a valid SHA256withECDSA
 * signature of the statement's canonical bytes under the certificate's P-256 key <em>and</em> the certificate's SAN
 * URI names the statement's client id, so a client cannot sign in another client's name with its own certificate.
 * It never throws for a bad signature: malformed input is simply false. <b>Not</b> checked here: that the
 * certificate chains to the coordinator's CA and is valid now; call {@link CertificateAuthority#clientIdOf} first
 * (typically once, on the TLS connection) and use only certificates that passed it.
 */
public final class UpdateVerifier {
  private UpdateVerifier() {}

  /** Whether {@code signature} is {@code signer}'s signature of {@code statement} and names the same client. */
  public static boolean verify(X509Certificate signer, SignedStatement statement, byte[] signature) {
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(statement, "statement");
    if (signature == null || signature.length == 0 || !X509Support.isP256(signer.getPublicKey())) {
      return false;
    }
    Optional<String> clientId = X509Support.clientIdFromSan(signer);
    if (clientId.isEmpty() || !clientId.get().equals(statement.clientId())) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance(X509Support.SIGNATURE_ALGORITHM);
      verifier.initVerify(signer.getPublicKey());
      verifier.update(statement.canonicalBytes());
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }
}
