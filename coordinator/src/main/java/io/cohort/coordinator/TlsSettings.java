package io.cohort.coordinator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the coordinator secures its transport. Four modes:
 *
 * <ul>
 *   <li>{@link #inMemory()}, the builder default: TLS with a CA and server certificate made fresh in memory at start
 *       (nothing written to disk; clients get the CA from {@link Coordinator#caCertificate()} in-process). For
 *       libraries, tests and the simulation.</li>
 *   <li>{@link #stateDirectory(Path)}: TLS with the CA kept in a directory ({@code ca.pem}, {@code ca.key.pem}), created
 *       on first start, and a server certificate issued by it ({@code server.pem}, {@code server.key.pem}), reused
 *       while it is valid for at least a day and names this host. Keys are written owner-only. For the CLI.</li>
 *   <li>{@link #pemFiles(Path, Path, Path)}: TLS with a server key and certificate chain from your own PKI, and client
 *       certificates checked against a client CA certificate you give. The coordinator holds no CA key then, so
 *       it cannot enrol clients: their certificates (SAN URI {@code urn:cohort:client:<id>}, EKU clientAuth) come from
 *       that CA out of band.</li>
 *   <li>{@link #insecure()}: cleartext HTTP, bearer tokens from {@code /v1/register}, no signatures. For tests that
 *       speak raw HTTP and trusted networks only.</li>
 * </ul>
 *
 * @param mode which of the above
 * @param stateDirectory the CA's directory ({@link Mode#STATE_DIRECTORY}), else null
 * @param serverKey PEM private key of the server certificate ({@link Mode#PEM_FILES}), else null
 * @param serverCertificateChain PEM server certificate chain, leaf first ({@link Mode#PEM_FILES}), else null
 * @param clientCa PEM CA certificate that client certificates must chain to ({@link Mode#PEM_FILES}), else null
 * @param serverNames extra DNS names or IP literals for the server certificate the coordinator issues, besides
 *     {@code localhost}, {@code 127.0.0.1}, {@code ::1} and the listening host
 * @param clientCertificateValidity how long an enrolled client's certificate is valid (there is no revocation, so
 *     keep it short; a client with an expired certificate enrols again)
 */
public record TlsSettings(Mode mode, Path stateDirectory, Path serverKey, Path serverCertificateChain, Path clientCa,
    List<String> serverNames, Duration clientCertificateValidity) {

  /** The transport-security modes. */
  public enum Mode {
    /** Cleartext HTTP with bearer tokens. */
    INSECURE,
    /** TLS with a fresh in-memory CA. */
    IN_MEMORY,
    /** TLS with a CA persisted in a directory. */
    STATE_DIRECTORY,
    /** TLS with the server credential and client CA from PEM files. */
    PEM_FILES
  }

  /** Validity of client certificates unless set otherwise: 90 days. */
  public static final Duration DEFAULT_CLIENT_VALIDITY = Duration.ofDays(90);

  /** Checks that each mode has exactly the paths it needs. */
  public TlsSettings {
    Objects.requireNonNull(mode, "mode");
    serverNames = List.copyOf(Objects.requireNonNull(serverNames, "serverNames"));
    for (String name : serverNames) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("server names must not be blank");
      }
    }
    if (clientCertificateValidity == null || clientCertificateValidity.isNegative()
        || clientCertificateValidity.isZero() || clientCertificateValidity.compareTo(Duration.ofDays(3650)) > 0) {
      throw new IllegalArgumentException("client certificate validity must be positive and at most 3650 days, got "
          + clientCertificateValidity);
    }
    boolean directory = mode == Mode.STATE_DIRECTORY;
    boolean files = mode == Mode.PEM_FILES;
    if (directory != (stateDirectory != null)) {
      throw new IllegalArgumentException(directory ? "the state-directory mode needs a directory"
          : "a state directory is only used in the state-directory mode");
    }
    if (files != (serverKey != null) || files != (serverCertificateChain != null) || files != (clientCa != null)) {
      throw new IllegalArgumentException(files
          ? "TLS from PEM files needs all three: the server key, the server certificate chain and the client CA"
          : "PEM files are only used in the pem-files mode");
    }
  }

  /** Cleartext HTTP: no TLS, no client certificates, no signatures. Only for tests and trusted networks. */
  public static TlsSettings insecure() {
    return new TlsSettings(Mode.INSECURE, null, null, null, null, List.of(), DEFAULT_CLIENT_VALIDITY);
  }

  /** TLS with a CA and server certificate made in memory at start; the default. */
  public static TlsSettings inMemory() {
    return new TlsSettings(Mode.IN_MEMORY, null, null, null, null, List.of(), DEFAULT_CLIENT_VALIDITY);
  }

  /** TLS with the CA kept in {@code dir}, created there on first start. */
  public static TlsSettings stateDirectory(Path dir) {
    return new TlsSettings(Mode.STATE_DIRECTORY, Objects.requireNonNull(dir, "dir"), null, null, null, List.of(),
        DEFAULT_CLIENT_VALIDITY);
  }

  /**
   * TLS with the given server key and certificate chain; client certificates must chain to {@code clientCa}.
   * Enrolment is off in this mode (the coordinator has no CA key).
   */
  public static TlsSettings pemFiles(Path serverKey, Path serverCertificateChain, Path clientCa) {
    return new TlsSettings(Mode.PEM_FILES, null, Objects.requireNonNull(serverKey, "serverKey"),
        Objects.requireNonNull(serverCertificateChain, "serverCertificateChain"),
        Objects.requireNonNull(clientCa, "clientCa"), List.of(), DEFAULT_CLIENT_VALIDITY);
  }

  /** These settings with extra names (DNS names or IP literals) in the server certificate the coordinator issues. */
  public TlsSettings withServerNames(List<String> names) {
    return new TlsSettings(mode, stateDirectory, serverKey, serverCertificateChain, clientCa, names,
        clientCertificateValidity);
  }

  /** These settings with another validity for enrolled clients' certificates. */
  public TlsSettings withClientCertificateValidity(Duration validity) {
    return new TlsSettings(mode, stateDirectory, serverKey, serverCertificateChain, clientCa, serverNames, validity);
  }

  /** Whether the transport is TLS (every mode but {@link Mode#INSECURE}). */
  public boolean enabled() {
    return mode != Mode.INSECURE;
  }
}
