package io.cohort.client;

import com.google.protobuf.ByteString;
import io.cohort.client.transport.HttpTransport;
import io.cohort.crypto.pki.ClientIdentity;
import io.cohort.crypto.pki.PemFiles;
import io.cohort.crypto.pki.TlsContexts;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.EnrolResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A client's side of the coordinator's transport security: the pinned coordinator CA, and the client's identity (an
 * EC P-256 key made here and the certificate the coordinator's CA issued for it), enrolled once with a one-time token
 * and kept in an identity directory, or in memory for the life of the client.
 */
final class ClientTls {
  private final X509Certificate coordinatorCa;
  private final Path identityDirectory; // null: the identity lives in memory only
  private final String enrolmentToken;  // null: none given
  private ClientIdentity enrolled;

  ClientTls(X509Certificate coordinatorCa, Path identityDirectory, String enrolmentToken) {
    this.coordinatorCa = coordinatorCa;
    this.identityDirectory = identityDirectory;
    this.enrolmentToken = enrolmentToken;
  }

  /**
   * What {@link CohortClient.Builder#build()} can check without the network: a stored identity or a token to enrol
   * with.
   */
  static void checkEnrollable(Path identityDirectory, String enrolmentToken) {
    if (enrolmentToken != null) {
      return;
    }
    if (identityDirectory == null) {
      throw new IllegalArgumentException("no identity directory and no enrolment token given: ask the coordinator's "
          + "operator for a one-time token (./cohort coordinator --enrol-tokens N) and pass it with enrolmentToken "
          + "(--enrol-token), and keep the identity with identityDirectory (--identity-dir) so it is needed once");
    }
    if (!Files.exists(identityDirectory.resolve(ClientIdentity.CERTIFICATE_FILE))) {
      throw new IllegalArgumentException("no identity in " + identityDirectory + " and no enrolment token given: "
          + "ask the coordinator's operator for a token (./cohort coordinator --enrol-tokens N) and pass "
          + "--enrol-token (SDK: enrolmentToken)");
    }
  }

  /**
   * A signing transport over mutual TLS to the coordinator cluster at {@code coordinators}, enrolling first if there
   * is no usable stored identity. Enrolment goes to the current node (any node enrols; a dead one is skipped by the
   * retries, as the transport rotates); the mTLS transport then starts at the node that enrolled the client and knows
   * the whole list.
   *
   * @param retry runs a call with the client's retry policy (transport failures are retried, refusals are not)
   */
  HttpTransport connect(List<URI> coordinators, String name,
      Function<Supplier<EnrolResponse>, EnrolResponse> retry) {
    List<URI> bases = coordinators;
    if (enrolled == null) {
      Optional<ClientIdentity> stored = stored();
      if (stored.isPresent()) {
        enrolled = stored.get();
      } else {
        // No client certificate yet: this connection only proves the coordinator's identity (the pinned CA).
        HttpTransport bootstrap = new HttpTransport(coordinators,
            HttpTransport.tlsHttpClient(TlsContexts.client(coordinatorCa, Optional.empty())));
        enrolled = enrol(bootstrap, name, retry);
        bases = bootstrap.coordinators();
      }
    }
    return new HttpTransport(bases,
        HttpTransport.tlsHttpClient(TlsContexts.client(coordinatorCa, Optional.of(enrolled))), enrolled.signer());
  }

  /** The stored identity if it is usable, empty if the client must enrol (with its token). */
  private Optional<ClientIdentity> stored() {
    Optional<ClientIdentity> stored = load();
    if (stored.isPresent() && stored.get().certificateChain().isPresent()) {
      X509Certificate leaf = stored.get().certificateChain().get().get(0);
      String problem = problemWith(leaf);
      if (problem == null) {
        return stored;
      }
      if (enrolmentToken == null) {
        throw new CohortException("IDENTITY_UNUSABLE", "the client certificate in " + identityDirectory + " " + problem
            + ": ask the coordinator's operator for a new enrolment token and pass it with --enrol-token "
            + "(SDK: enrolmentToken); the client then enrols again with a new key", false, null);
      }
    } else if (enrolmentToken == null) {
      throw new CohortException("NO_IDENTITY", "no identity in " + (identityDirectory == null ? "memory"
          : identityDirectory.toString()) + " and no enrolment token given: ask the coordinator's operator for a "
          + "token (./cohort coordinator --enrol-tokens N) and pass --enrol-token (SDK: enrolmentToken)", false, null);
    }
    return Optional.empty();
  }

  private ClientIdentity enrol(HttpTransport bootstrap, String name,
      Function<Supplier<EnrolResponse>, EnrolResponse> retry) {
    ClientIdentity fresh = ClientIdentity.generate();
    String requested = name.length() > 64 ? name.substring(0, 64) : name;
    EnrolRequest request = EnrolRequest.newBuilder()
        .setToken(enrolmentToken)
        .setClientName(name)
        .setCsrDer(ByteString.copyFrom(fresh.certificationRequest(requested)))
        .build();
    EnrolResponse response = retry.apply(() -> bootstrap.enrol(request));
    ClientIdentity identity;
    try {
      List<X509Certificate> chain = PemFiles.decodeCertificates(response.getCertificateChainPem());
      List<X509Certificate> issuer = PemFiles.decodeCertificates(response.getCaCertificatePem());
      chain.get(0).verify(issuer.get(0).getPublicKey());
      identity = fresh.withCertificate(chain);
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new CohortException("MALFORMED", "the coordinator's enrolment answer holds no certificate for this "
          + "client's key issued by its CA: " + e.getMessage(), false, e);
    }
    if (identityDirectory != null) {
      identity.save(identityDirectory);
      restrictToOwner(identityDirectory.resolve(ClientIdentity.CERTIFICATE_FILE));
    }
    return identity;
  }

  private Optional<ClientIdentity> load() {
    if (identityDirectory == null) {
      return Optional.empty();
    }
    try {
      return ClientIdentity.load(identityDirectory);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new CohortException("IDENTITY_UNUSABLE", "cannot read the client identity in " + identityDirectory + ": "
          + e.getMessage() + "; remove the directory and enrol again with a new token", false, e);
    }
  }

  /**
   * Why a stored certificate cannot be used, or null if it can. (Whether the coordinator accepts its issuer is the
   * coordinator's call: the client CA need not be the CA that issued the server's certificate.)
   */
  private static String problemWith(X509Certificate leaf) {
    if (!leaf.getNotAfter().toInstant().isAfter(Instant.now())) {
      return "expired on " + leaf.getNotAfter().toInstant();
    }
    return null;
  }

  /** The certificate next to the owner-only key is public, but stored owner-only all the same. */
  private static void restrictToOwner(Path file) {
    try {
      if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restrict " + file + " to its owner", e);
    }
  }
}
