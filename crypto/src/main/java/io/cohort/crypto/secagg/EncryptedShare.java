package io.cohort.crypto.secagg;

import java.util.Arrays;
import java.util.Objects;

/**
 * Stage 2 message, relayed by the server: {@code from}'s shares of its two secrets for {@code to}, sealed with
 * AES-256-GCM under a key only the two of them can derive. The ciphertext is copied in and out.
 *
 * @param from the client that split its secrets
 * @param to the neighbour that holds these shares
 * @param ciphertext the sealed shares
 */
public record EncryptedShare(String from, String to, byte[] ciphertext) {
  /** Copies the ciphertext. */
  public EncryptedShare {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    ciphertext = Objects.requireNonNull(ciphertext, "ciphertext").clone();
  }

  /** A copy of the ciphertext. */
  @Override
  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncryptedShare e && e.from.equals(from) && e.to.equals(to)
        && Arrays.equals(e.ciphertext, ciphertext);
  }

  @Override
  public int hashCode() {
    return Objects.hash(from, to, Arrays.hashCode(ciphertext));
  }

  @Override
  public String toString() {
    return "EncryptedShare[" + from + " -> " + to + ", " + ciphertext.length + " bytes]";
  }
}
