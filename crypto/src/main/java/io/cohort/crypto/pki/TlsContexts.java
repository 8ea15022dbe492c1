package io.cohort.crypto.pki;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * JDK {@link SSLContext}s for the coordinator and its clients, built from this package's credentials.
 *
 * <p><b>Security guarantees.</b> Both sides trust exactly one CA certificate, never the system trust store, and the
 * JDK's PKIX checks apply (chain, validity, key usage, EKU serverAuth for servers and clientAuth for clients). Every
 * socket, server socket and engine the returned contexts create, and their default {@link
 * javax.net.ssl.SSLParameters}, enable only TLS 1.3 and TLS 1.2 (and the JDK's default cipher suites for them, all
 * with forward secrecy in TLS 1.3). Client contexts also turn on endpoint identification {@code "HTTPS"} by default,
 * so a server certificate whose SAN does not match the host name or IP literal connected to is refused (connect by
 * name or address string, so that the JDK knows the peer host). A client without a certificate presents none. The
 * server context does not itself demand client certificates: call {@code setNeedClientAuth(true)} (or the
 * framework's equivalent) where they are required. <b>Not</b> provided: revocation checks, and protection against a
 * caller who later re-enables other protocols on a socket or turns endpoint identification off.
 */
public final class TlsContexts {
  private TlsContexts() {}

  /**
   * The coordinator's context: presents {@code server}; trusts {@code clientCa} for client certificates.
   *
   * @throws IllegalArgumentException if {@code clientCa} is not a CA certificate
   */
  public static SSLContext server(IssuedCredential server, X509Certificate clientCa) {
    Objects.requireNonNull(server, "server");
    return context(keyManagers(server).getKeyManagers(), trustManagers(clientCa), false);
  }

  /**
   * A client's context: trusts only {@code coordinatorCa} (pinned) and presents {@code identity}'s certificate if it
   * has one (an identity without a certificate, or none, presents nothing: for the enrolment call).
   *
   * @throws IllegalArgumentException if {@code coordinatorCa} is not a CA certificate
   */
  public static SSLContext client(X509Certificate coordinatorCa, Optional<ClientIdentity> identity) {
    Objects.requireNonNull(identity, "identity");
    KeyManager[] keys = identity.flatMap(ClientIdentity::credential)
        .map(credential -> keyManagers(credential).getKeyManagers())
        .orElseGet(() -> new KeyManager[0]); // not null: null would mean the JDK's javax.net.ssl.keyStore default
    return context(keys, trustManagers(coordinatorCa), true);
  }

  /** Key managers presenting {@code credential}, e.g. for a framework that takes a {@link KeyManagerFactory}. */
  public static KeyManagerFactory keyManagers(IssuedCredential credential) {
    Objects.requireNonNull(credential, "credential");
    char[] password = new char[32]; // protects the in-memory key store entry only; never stored
    for (int i = 0; i < password.length; i++) {
      password[i] = (char) ('a' + X509Support.RANDOM.nextInt(26));
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("cohort", credential.privateKey(), password,
          credential.chain().toArray(X509Certificate[]::new));
      KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
      factory.init(store, password);
      return factory;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build key managers", e);
    }
  }

  /**
   * Trust managers that trust exactly {@code ca} (PKIX, no revocation checks).
   *
   * @throws IllegalArgumentException if {@code ca} is not a CA certificate
   */
  public static TrustManagerFactory trustManagers(X509Certificate ca) {
    Objects.requireNonNull(ca, "ca");
    if (ca.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("not a CA certificate: " + ca.getSubjectX500Principal());
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry("cohort-ca", ca);
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      return factory;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build trust managers", e);
    }
  }

  private static SSLContext context(KeyManager[] keys, TrustManagerFactory trust, boolean clientSide) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys, trust.getTrustManagers(), X509Support.RANDOM);
      return new RestrictedSslContext(context, clientSide);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot initialise TLS", e);
    }
  }
}
