package io.cohort.cli;

import java.io.PrintStream;
import picocli.CommandLine.Option;

/** Transport security of {@code cohort simulate}: the real stack (TLS, enrolment, mTLS, signatures) unless told not. */
final class SimulationTlsOptions {
  @Option(names = "--insecure",
      description = "simulate over cleartext HTTP with bearer tokens instead of TLS with client certificates and "
          + "signed messages (default: TLS, with an in-process CA and a token per client); prints a warning")
  boolean insecure;

  /** Whether to run insecure; warns on {@code err} if so. */
  boolean insecure(PrintStream err) {
    if (insecure) {
      InsecureWarning.print(err, "the simulation");
    }
    return insecure;
  }
}
