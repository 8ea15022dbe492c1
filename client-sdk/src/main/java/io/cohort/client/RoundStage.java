package io.cohort.client;

/**
 * The points in a training round at which a client answers the coordinator. A plain round has one ({@link #UPLOAD});
 * a secure-aggregation round has four ({@link #ADVERTISE_KEYS}, {@link #SHARE_KEYS}, {@link #MASKED_INPUT}, {@link
 * #UNMASK}).
 */
public enum RoundStage {
  /** Plain round: sending the trained update. */
  UPLOAD,
  /** Secure round, stage 1: sending the round's public keys. */
  ADVERTISE_KEYS,
  /** Secure round, stage 2: sending encrypted secret shares for the neighbours. */
  SHARE_KEYS,
  /** Secure round, stage 3: sending the masked, quantised update. */
  MASKED_INPUT,
  /** Secure round, stage 4: revealing the shares that remove the masks. */
  UNMASK
}
