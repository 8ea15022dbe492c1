package io.cohort.coordinator.round;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts the bytes on the wire per round: update upload bodies received for a round (accepted and refused), and model
 * download bodies served of the model version a round trains. A download while no round trains that version (say
 * during federated evaluation, or between rounds) is kept for the next round that trains it. Confined to the
 * coordinator's context.
 */
final class RoundTraffic {
  private final Map<Integer, long[]> byRound = new HashMap<>(); // round -> {up, down}
  private final Map<Long, Long> pendingDownloads = new HashMap<>(); // model version -> bytes
  private long pendingAny; // async: downloads served while no buffer was open
  private int recordedThrough; // rounds up to this one are recorded: what arrives for them now is not counted

  /** {@code bytes} of an upload body for round {@code round}; ignored once that round was recorded. */
  void upload(int round, long bytes) {
    if (round <= recordedThrough) {
      return;
    }
    byRound.computeIfAbsent(round, r -> new long[2])[0] += bytes;
  }

  /**
   * {@code bytes} of a download of model {@code version}; {@code open} is the round open now, or null. With {@code
   * anyVersion} (async mode, where clients also fetch a recent older model) a download counts for the open buffer
   * whatever its version, or for the next one to open.
   */
  void download(FitRound open, long version, long bytes, boolean anyVersion) {
    if (open != null && (anyVersion || open.modelVersion == version)) {
      byRound.computeIfAbsent(open.number, r -> new long[2])[1] += bytes;
    } else if (anyVersion) {
      pendingAny += bytes;
    } else {
      pendingDownloads.merge(version, bytes, Long::sum);
    }
  }

  /** Round {@code round} starts training {@code version}: downloads of it so far count for this round. */
  void opened(int round, long version) {
    if (pendingAny > 0) {
      byRound.computeIfAbsent(round, r -> new long[2])[1] += pendingAny;
      pendingAny = 0;
    }
    Long pending = pendingDownloads.remove(version);
    if (pending != null) {
      byRound.computeIfAbsent(round, r -> new long[2])[1] += pending;
    }
    pendingDownloads.keySet().removeIf(v -> v < version); // older models are never served again
  }

  /** The round's {up, down} bytes, forgotten here; later uploads for it are not counted. */
  long[] take(int round) {
    long[] counted = byRound.remove(round);
    recordedThrough = Math.max(recordedThrough, round);
    byRound.keySet().removeIf(r -> r <= recordedThrough);
    return counted == null ? new long[2] : counted;
  }
}
