package io.cohort.crypto.pki;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Objects;

/**
 * Signs {@link SignedStatement}s with a client's key (SHA256withECDSA, DER-encoded signature). Obtained from {@link
 * ClientIdentity#signer()}; thread-safe.
 *
 * <p><b>Security guarantees.</b> A signature binds every field of the statement (see {@link
 * SignedStatement#canonicalBytes()}), so the coordinator can tell which client sent which payload for which run,
 * round and stage, and nobody without the key can forge or re-target one. ECDSA signatures are randomised and
 * malleable: the same statement has many valid signatures, so never use a signature as an identifier or for
 * de-duplication. <b>Not</b> provided: replay protection (the statement's fields are what the coordinator checks).
 */
public final class UpdateSigner {
  private final PrivateKey key;

  UpdateSigner(PrivateKey key) {
    this.key = key;
  }

  /** The DER-encoded ECDSA signature of {@code statement.canonicalBytes()}. */
  public byte[] sign(SignedStatement statement) {
    Objects.requireNonNull(statement, "statement");
    try {
      Signature signature = Signature.getInstance(X509Support.SIGNATURE_ALGORITHM);
      signature.initSign(key, X509Support.RANDOM);
      signature.update(statement.canonicalBytes());
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the client key", e);
    }
  }
}
