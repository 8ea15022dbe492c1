package io.cohort.coordinator.http;

import io.cohort.coordinator.security.TransportSecurity;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.v1.ErrorCode;
import io.vertx.core.http.HttpServerRequest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who is on the other end of a TLS connection: the client id its certificate names, checked by {@link
 * TransportSecurity#clientIdOf}. The result is cached in the TLS session (one PKIX validation per session, not per
 * request) and re-checked against the certificate's expiry on every use.
 */
final class Peers {
  /** A certified client: its id and the certificate that names it. */
  record Peer(String clientId, X509Certificate certificate) {}

  private static final String SESSION_KEY = Peers.class.getName() + ".peer";

  private Peers() {}

  /**
   * The certified client of {@code request}'s connection.
   *
   * @throws ProtocolException UNAUTHENTICATED without a certificate, or with one the client CA did not issue, that
   *     expired, or that is not a client certificate
   */
  static Peer certified(HttpServerRequest request, TransportSecurity security) throws ProtocolException {
    SSLSession session = request.connection().sslSession();
    if (session == null) {
      throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "this coordinator accepts only TLS connections");
    }
    if (session.getValue(SESSION_KEY) instanceof Peer cached && cached.certificate().getNotAfter().after(new Date())) {
      return cached;
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "this coordinator requires a client certificate "
          + "(mutual TLS), and the connection presented none. Enrol once with a one-time token from the "
          + "coordinator's operator (POST /v1/enrol; the SDK does it when given enrolmentToken / --enrol-token), "
          + "then connect with the certificate you got");
    }
    Optional<String> id = chain.length > 0 && chain[0] instanceof X509Certificate leaf
        ? security.clientIdOf(leaf) : Optional.empty();
    if (id.isEmpty()) {
      String subject = chain.length > 0 && chain[0] instanceof X509Certificate leaf
          ? leaf.getSubjectX500Principal().getName() : "not X.509";
      throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "the client certificate (" + subject + ") was not "
          + "issued by this coordinator's CA, has expired, or is not a client certificate: enrol again with a "
          + "one-time token from this coordinator's operator");
    }
    Peer peer = new Peer(id.get(), (X509Certificate) chain[0]);
    session.putValue(SESSION_KEY, peer);
    return peer;
  }

  /** Refuses a message that claims another client than the certificate names. */
  static void requireSame(Peer peer, String claimedClientId) throws ProtocolException {
    if (!peer.clientId().equals(claimedClientId)) {
      throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "the client certificate is for " + peer.clientId()
          + " but the message claims " + (claimedClientId.isEmpty() ? "no client id" : claimedClientId));
    }
  }
}
