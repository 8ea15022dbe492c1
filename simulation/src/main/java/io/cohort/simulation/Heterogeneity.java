package io.cohort.simulation;

import io.cohort.client.Availability;
import java.util.SplittableRandom;

/**
 * How simulated clients differ in speed and availability, so that deadlines, sampling and over-selection can be
 * studied. Every choice is seeded by the run's seed and the client's index (never by which JVM runs the client), so a
 * local and a distributed ({@code --workers}) simulation make the same choices.
 *
 * <ul>
 *   <li><b>Stragglers</b> ({@code --stragglers FRACTION:FACTOR}): {@code round(FRACTION x clients)} clients, drawn by
 *       the seed and fixed for the run, are FACTOR times slower: after each real local training, such a client waits
 *       {@code (FACTOR - 1)} times what that training took, so the slowdown scales with the model, the data and the
 *       machine. The wait holds no trainer (other clients train meanwhile), as a slow phone does not slow the others.
 *   <li><b>Availability</b> ({@code --offline P}): in each round each client is offline, independently, with
 *       probability P (drawn from the seed, the client and the round): it leaves that round's tasks unanswered, as a
 *       device that is not there would (see {@link Availability}).
 * </ul>
 *
 * @param stragglerFraction share of the clients that are slow, in [0, 1]
 * @param slowdown how many times slower a straggler is, {@code >= 1}
 * @param offline probability that a client is offline in a round, in [0, 1)
 */
public record Heterogeneity(double stragglerFraction, double slowdown, double offline) {
  /** Every client equally fast and always online. */
  public static final Heterogeneity NONE = new Heterogeneity(0, 1, 0);

  /** Checks the ranges. */
  public Heterogeneity {
    if (!(stragglerFraction >= 0 && stragglerFraction <= 1)) {
      throw new IllegalArgumentException("the straggler share (--stragglers FRACTION:FACTOR) must be in [0, 1], got "
          + stragglerFraction);
    }
    if (!(slowdown >= 1 && slowdown <= 1000)) {
      throw new IllegalArgumentException("the straggler slowdown (--stragglers FRACTION:FACTOR) must be in [1, 1000] "
          + "(3 means three times slower), got " + slowdown);
    }
    if (!(offline >= 0 && offline < 1)) {
      throw new IllegalArgumentException("--offline must be a probability in [0, 1), got " + offline);
    }
  }

  /** This with stragglers as {@code --stragglers FRACTION:FACTOR} gives them. */
  public Heterogeneity withStragglers(String spec) {
    String[] parts = spec.split(":", -1);
    double fraction;
    double factor;
    try {
      if (parts.length != 2) {
        throw new NumberFormatException();
      }
      fraction = Double.parseDouble(parts[0]);
      factor = Double.parseDouble(parts[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--stragglers takes FRACTION:FACTOR, e.g. 0.3:3 (30 % of the clients three "
          + "times slower), got '" + spec + "'");
    }
    return new Heterogeneity(fraction, factor, offline);
  }

  /** This with clients offline in a round with probability {@code p}. */
  public Heterogeneity withOffline(double p) {
    return new Heterogeneity(stragglerFraction, slowdown, p);
  }

  /**
   * Whether client {@code index} of {@code clients} is a straggler in the run seeded by {@code seed}: exactly {@code
   * round(stragglerFraction x clients)} clients are, the first of a seeded shuffle of the indices.
   */
  public boolean straggler(long seed, int index, int clients) {
    if (index < 0 || index >= clients) {
      throw new IllegalArgumentException("client index " + index + " is outside 0.." + (clients - 1));
    }
    int slow = (int) Math.round(stragglerFraction * clients);
    if (slow == 0 || slowdown == 1) {
      return false;
    }
    // A seeded Fisher-Yates shuffle of 0..clients-1; the stragglers are its first `slow` entries.
    int[] order = new int[clients];
    for (int i = 0; i < clients; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ 0x57A6613EL);
    for (int i = 0; i < slow; i++) {
      int j = i + random.nextInt(clients - i);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
      if (order[i] == index) {
        return true;
      }
    }
    return false;
  }

  /** Whether client {@code index} is online in {@code round} of the run seeded by {@code seed}. */
  public boolean online(long seed, int index, int round) {
    if (offline == 0) {
      return true;
    }
    long mixed = seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + round * 0x94D049BB133111EBL;
    return new SplittableRandom(mixed ^ 0x0FF11AEL).nextDouble() >= offline;
  }

  /** Client {@code index}'s availability for the SDK. */
  Availability availability(long seed, int index) {
    return offline == 0 ? Availability.ALWAYS : round -> online(seed, index, round);
  }
}
