package io.cohort.cli;

import java.io.PrintStream;

/** The loud line every command prints when it runs with {@code --insecure}. */
final class InsecureWarning {
  private InsecureWarning() {}

  static void print(PrintStream err, String who) {
    err.println("WARNING: " + who + " runs --insecure: cleartext HTTP with bearer tokens, no TLS, no client "
        + "certificates, no signatures. Anyone on the network path can read and change model updates and act as "
        + "any client. Use it only for tests or on a network you trust completely.");
    err.flush();
  }
}
