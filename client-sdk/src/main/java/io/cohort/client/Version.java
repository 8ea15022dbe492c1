package io.cohort.client;

/** Versions this SDK reports to the coordinator. */
final class Version {
  /** The SDK's version. */
  static final String SDK = "0.1.0";

  private Version() {}
}
