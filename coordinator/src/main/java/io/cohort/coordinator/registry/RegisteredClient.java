package io.cohort.coordinator.registry;

import io.cohort.crypto.ClientCredentials;
import java.security.cert.X509Certificate;

/**
 * A client the coordinator knows.
 *
 * @param id opaque id the coordinator assigned (with TLS: the id its certificate names)
 * @param name the name the client chose (orders sampling, so seeded runs repeat)
 * @param verifier checks the client's bearer token (the token itself is not kept); null for a certified client
 * @param registeredAtMs when it registered (epoch milliseconds)
 * @param certificate the client certificate it registered with over mutual TLS, which its signatures are checked
 *     against; null for a token client of an insecure coordinator
 */
public record RegisteredClient(String id, String name, ClientCredentials.Verifier verifier, long registeredAtMs,
    X509Certificate certificate) implements java.io.Serializable {
  /** Exactly one of a token verifier and a certificate. */
  public RegisteredClient {
    if ((verifier == null) == (certificate == null)) {
      throw new IllegalArgumentException("a client is authenticated by a token or by a certificate, not "
          + (verifier == null ? "neither" : "both"));
    }
  }
}
