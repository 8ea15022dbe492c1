package io.cohort.crypto.secagg;

import java.util.List;
import java.util.Objects;

/**
 * What the server asks one client in stage 4: shares of the self-mask seeds of {@code survivors} and of the mask keys
 * of {@code dropped} (both are neighbours of that client).
 *
 * @param survivors neighbours whose masked input was summed, sorted
 * @param dropped neighbours that shared keys but whose masked input was not summed, sorted
 */
public record UnmaskRequest(List<String> survivors, List<String> dropped) {
  /** Copies both lists (immutable). */
  public UnmaskRequest {
    survivors = List.copyOf(Objects.requireNonNull(survivors, "survivors"));
    dropped = List.copyOf(Objects.requireNonNull(dropped, "dropped"));
  }
}
