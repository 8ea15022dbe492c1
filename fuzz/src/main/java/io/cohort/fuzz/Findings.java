package io.cohort.fuzz;

/** Checks shared by the fuzz targets: what separates a precise refusal from a finding. */
public final class Findings {
  private Findings() {}

  /**
   * A refusal must say what was wrong: an exception with a blank message is a finding (it becomes an error reply
   * that tells the sender nothing).
   */
  public static void requireExplained(Exception refusal) {
    String message = refusal.getMessage();
    if (message == null || message.isBlank()) {
      throw new AssertionError("refusal without a message: " + refusal.getClass().getName(), refusal);
    }
  }
}
