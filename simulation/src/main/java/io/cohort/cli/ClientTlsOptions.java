package io.cohort.cli;

import io.cohort.client.CohortClient;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Transport-security options of {@code cohort client}: the coordinator's CA, the identity, the enrolment token. */
final class ClientTlsOptions {
  @Option(names = "--ca", paramLabel = "FILE",
      description = "the coordinator's CA certificate (its --tls-dir/ca.pem, from its operator); required with TLS")
  Path ca;

  @Option(names = "--identity-dir", paramLabel = "DIR",
      description = "where this client keeps its key and certificate, owner-only (default: ~/.cohort/clients/NAME)")
  Path identityDir;

  @Option(names = "--enrol-token", paramLabel = "TOKEN",
      description = "one-time enrolment token from the coordinator's operator; needed only until the identity is "
          + "stored")
  String enrolToken;

  @Option(names = "--insecure",
      description = "cleartext HTTP with a bearer token, for a coordinator run --insecure; prints a warning")
  boolean insecure;

  /** Configures {@code builder} for the client called {@code name}. */
  CohortClient.Builder apply(CohortClient.Builder builder, String name, PrintStream err) {
    if (insecure) {
      if (ca != null || identityDir != null || enrolToken != null) {
        throw new IllegalArgumentException("--insecure uses no --ca, --identity-dir or --enrol-token; drop them");
      }
      InsecureWarning.print(err, "this client");
      return builder.insecure();
    }
    if (ca == null) {
      throw new IllegalArgumentException("--ca FILE is required: the coordinator's CA certificate (ca.pem in its "
          + "--tls-dir), so this client knows whom it talks to; or --insecure for a coordinator run --insecure");
    }
    String directoryName = name.replaceAll("[^A-Za-z0-9._-]", "_");
    builder.trustedCoordinatorCa(ca).identityDirectory(identityDir != null ? identityDir
        : Path.of(System.getProperty("user.home"), ".cohort", "clients",
            directoryName.matches("\\.*") ? "_" + directoryName : directoryName));
    if (enrolToken != null) {
      builder.enrolmentToken(enrolToken);
    }
    return builder;
  }
}
