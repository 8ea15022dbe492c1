package io.cohort.crypto.secagg;

/** Which of a client's two secrets a {@link RevealedShare} is a share of. */
public enum SecretKind {
  /** The seed {@code b} of the client's self-mask; revealed only for clients whose masked input was summed. */
  SELF_MASK_SEED,
  /** The private masking key {@code s.sk}; revealed only for clients that dropped before sending a masked input. */
  MASK_KEY
}
