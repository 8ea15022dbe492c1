package io.cohort.crypto.secagg;

import java.util.Arrays;
import java.util.Objects;

/**
 * Stage 4 message: one holder's Shamir share of one secret of {@code owner}. The byte array is copied in and out.
 *
 * @param owner the client whose secret this is a share of
 * @param kind which secret
 * @param x the share's point: the holder's index in the sorted participant list, plus one
 * @param y the share's value, 66 bytes big-endian
 */
public record RevealedShare(String owner, SecretKind kind, int x, byte[] y) {
  /** Copies {@code y}. */
  public RevealedShare {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(kind, "kind");
    y = Objects.requireNonNull(y, "y").clone();
  }

  /** A copy of the share's value. */
  @Override
  public byte[] y() {
    return y.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RevealedShare r && r.owner.equals(owner) && r.kind == kind && r.x == x
        && Arrays.equals(r.y, y);
  }

  @Override
  public int hashCode() {
    return Objects.hash(owner, kind, x, Arrays.hashCode(y));
  }

  /** Leaves out {@code y}: a share is secret material. */
  @Override
  public String toString() {
    return "RevealedShare[" + owner + ", " + kind + ", x=" + x + "]";
  }
}
