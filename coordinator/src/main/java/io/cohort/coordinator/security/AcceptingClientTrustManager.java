package io.cohort.coordinator.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server's trust manager for client certificates: it lets any client certificate through the handshake, so that
 * the coordinator can answer a missing, foreign or expired certificate with an UNAUTHENTICATED error frame (HTTP 401)
 * that says what to do, instead of a TLS alert that an HTTP client reports as a bare connection failure.
 *
 * <p>This is safe only because every request is then authorised by {@link TransportSecurity#clientIdOf}, which
 * validates the certificate against the client CA (PKIX, validity, EKU clientAuth). The TLS handshake still proves
 * that the client holds the private key of the certificate it presented (its CertificateVerify signature), which is
 * what makes the certificate's identity the connection's. It never trusts a server: a server-side manager has none.
 */
final class AcceptingClientTrustManager extends X509ExtendedTrustManager {
  private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    requireChain(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    requireChain(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    requireChain(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the coordinator never acts as a TLS client");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("the coordinator never acts as a TLS client");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("the coordinator never acts as a TLS client");
  }

  /** No issuer list in the CertificateRequest, so a client presents its certificate whoever issued it. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NO_ISSUERS;
  }

  private static void requireChain(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("empty client certificate chain");
    }
  }
}
