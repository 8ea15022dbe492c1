/**
 * Cohort's public-key infrastructure: the coordinator is its own certificate authority ({@link
 * io.cohort.crypto.pki.CertificateAuthority}); a client generates its key locally ({@link
 * io.cohort.crypto.pki.ClientIdentity}), enrols once by sending a CSR with a one-time token ({@link
 * io.cohort.crypto.pki.EnrolmentTokens}), and from then on talks mutual TLS ({@link io.cohort.crypto.pki.TlsContexts})
 * and signs each update ({@link io.cohort.crypto.pki.SignedStatement}, {@link io.cohort.crypto.pki.UpdateSigner},
 * {@link io.cohort.crypto.pki.UpdateVerifier}). Keys and certificates are stored as PEM ({@link
 * io.cohort.crypto.pki.PemFiles}). Public signatures use only JDK types and this package's; Bouncy Castle builds and
 * parses the ASN.1 behind them and is never registered as a JCA provider.
 */
package io.cohort.crypto.pki;
