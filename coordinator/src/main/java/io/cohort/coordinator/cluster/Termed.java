package io.cohort.coordinator.cluster;

/**
 * A value written under a driver term. When the halves of a split cluster merge, {@link HigherTermMergePolicy} keeps
 * the version with the higher term.
 */
public interface Termed {
  /** The term of the driver that last wrote the value. */
  long term();
}
