package io.cohort.cli;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.TlsSettings;
import io.cohort.coordinator.security.TransportSecurity;
import io.cohort.crypto.pki.CertificateAuthority;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Transport-security options of {@code cohort coordinator}: TLS by default, enrolment tokens, or {@code --insecure}. */
final class CoordinatorTlsOptions {
  @Option(names = "--tls-dir", paramLabel = "DIR",
      description = "where the coordinator's CA (ca.pem, ca.key.pem) and server certificate (server.pem, "
          + "server.key.pem) live; created on first start, owner-only (default: ~/.cohort/coordinator)")
  Path tlsDir;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "server certificate chain (PEM, leaf first) from your own PKI, instead of one from --tls-dir's CA; "
          + "needs --tls-key and --tls-client-ca, and turns enrolment off")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "private key (PEM) of --tls-cert")
  Path tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "FILE",
      description = "CA certificate (PEM) that client certificates must chain to, with --tls-cert")
  Path tlsClientCa;

  @Option(names = "--tls-san", paramLabel = "NAME", split = ",",
      description = "extra DNS names or IP addresses clients reach this coordinator by, for its server certificate "
          + "(localhost, 127.0.0.1, ::1 and --host are always in it)")
  List<String> serverNames = new ArrayList<>();

  @Option(names = "--client-cert-days", paramLabel = "DAYS", defaultValue = "90",
      description = "validity of the certificates enrolled clients get; there is no revocation, so keep it short "
          + "(default: ${DEFAULT-VALUE})")
  int clientCertificateDays;

  @Option(names = "--enrol-tokens", paramLabel = "N", defaultValue = "0",
      description = "issue N one-time enrolment tokens at start and print them (or write them to "
          + "--enrol-tokens-file); each enrols one client once (default: ${DEFAULT-VALUE})")
  int enrolTokens;

  @Option(names = "--enrol-tokens-file", paramLabel = "FILE",
      description = "write the --enrol-tokens to FILE, one per line, owner-only (rw-------), instead of printing them")
  Path enrolTokensFile;

  @Option(names = "--insecure",
      description = "cleartext HTTP with bearer tokens: no TLS, no client certificates, no signatures. Only for tests "
          + "and trusted networks; prints a warning")
  boolean insecure;

  /** The settings the options describe, after checking that they go together. */
  TlsSettings settings() {
    boolean pem = tlsCert != null || tlsKey != null || tlsClientCa != null;
    if (enrolTokens < 0) {
      throw new IllegalArgumentException("--enrol-tokens must be >= 0, got " + enrolTokens);
    }
    if (enrolTokensFile != null && enrolTokens == 0) {
      throw new IllegalArgumentException("--enrol-tokens-file needs --enrol-tokens N");
    }
    if (insecure) {
      if (pem || tlsDir != null || !serverNames.isEmpty() || enrolTokens > 0) {
        throw new IllegalArgumentException("--insecure turns TLS off: drop the --tls-* and --enrol-tokens options");
      }
      return TlsSettings.insecure();
    }
    TlsSettings settings;
    if (pem) {
      if (tlsCert == null || tlsKey == null || tlsClientCa == null) {
        throw new IllegalArgumentException("TLS from PEM files needs all of --tls-cert, --tls-key and --tls-client-ca");
      }
      if (tlsDir != null) {
        throw new IllegalArgumentException("give --tls-dir or --tls-cert/--tls-key/--tls-client-ca, not both");
      }
      if (enrolTokens > 0) {
        throw new IllegalArgumentException("with --tls-cert the coordinator holds no CA key and cannot enrol clients: "
            + "issue their certificates with your CA, or use --tls-dir to enrol with tokens");
      }
      settings = TlsSettings.pemFiles(tlsKey, tlsCert, tlsClientCa);
    } else {
      settings = TlsSettings.stateDirectory(tlsDir != null ? tlsDir
          : Path.of(System.getProperty("user.home"), ".cohort", "coordinator"));
    }
    if (clientCertificateDays < 1 || clientCertificateDays > 3650) {
      throw new IllegalArgumentException("--client-cert-days must be in 1..3650, got " + clientCertificateDays);
    }
    return settings.withServerNames(serverNames)
        .withClientCertificateValidity(Duration.ofDays(clientCertificateDays));
  }

  /** Says how clients connect: the CA to pin and its fingerprint, the tokens; or warns loudly when insecure. */
  void announce(Coordinator coordinator, TlsSettings settings, PrintStream out, PrintStream err) {
    if (!coordinator.tls()) {
      InsecureWarning.print(err, "the coordinator");
      return;
    }
    if (settings.mode() == TlsSettings.Mode.STATE_DIRECTORY) {
      Path ca = settings.stateDirectory().resolve(CertificateAuthority.CERTIFICATE_FILE);
      out.printf("TLS: clients pin the CA certificate %s (--ca), SHA-256 fingerprint %s%n", ca.toAbsolutePath(),
          TransportSecurity.fingerprint(coordinator.caCertificate()));
    } else {
      out.printf("TLS: server certificate from %s; client certificates must chain to %s%n", settings
          .serverCertificateChain(), settings.clientCa());
    }
    if (enrolTokens > 0) {
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < enrolTokens; i++) {
        tokens.add(coordinator.issueEnrolmentToken());
      }
      if (enrolTokensFile != null) {
        writeOwnerOnly(enrolTokensFile, String.join("\n", tokens) + "\n");
        out.printf("wrote %d one-time enrolment tokens to %s (owner-only); give one to each client (--enrol-token)%n",
            tokens.size(), enrolTokensFile.toAbsolutePath());
      } else {
        out.printf("%d one-time enrolment tokens (each enrols one client once: --enrol-token):%n", tokens.size());
        tokens.forEach(t -> out.println("enrol-token " + t));
      }
    }
    out.flush();
  }

  /**
   * Writes a temporary sibling that is created owner-only before any secret goes into it, then renames it over
   * {@code file}, so a reader sees no file or the whole one.
   */
  private static void writeOwnerOnly(Path file, String content) {
    Path target = file.toAbsolutePath();
    Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
    try {
      Files.createDirectories(target.getParent());
      Files.deleteIfExists(temp);
      FileAttribute<?>[] ownerOnly = target.getFileSystem().supportedFileAttributeViews().contains("posix")
          ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
          : new FileAttribute<?>[0];
      Files.createFile(temp, ownerOnly);
      Files.writeString(temp, content, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the enrolment tokens to " + file, e);
    }
  }
}
