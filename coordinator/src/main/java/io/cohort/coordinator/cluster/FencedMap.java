package io.cohort.coordinator.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A Hazelcast map whose writes carry the writer's driver term and are refused when a higher term has already written
 * (or claimed) the key: the storage side of fencing, so that a deposed driver's late writes cannot overwrite its
 * successor's.
 *
 * <p>Use: the driver passes {@link DriverElection#term()} to every write and treats {@code false} as "I am no longer
 * the driver". A new driver first {@link #claim claims} every key of the run state it is about to act on; from then
 * on an older term's writes to those keys are refused even if they were sent before the claim and arrive after it.
 *
 * <p><b>Guarantees.</b> Each write is checked and applied atomically on the key's owner (an entry processor), so of
 * two racing writers the lower term never overwrites the higher. Claims and removals leave the term behind (a
 * tombstone), so a key cannot be recreated by a lower term. <b>Not</b> provided: atomicity across keys, and any check
 * that the writer is the current driver (a higher term written by a driver that has itself been deposed since is
 * accepted until its successor claims the key). Values must be serializable by Hazelcast ({@code byte[]}, {@code
 * String}, {@link Serializable} types).
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class FencedMap<K, V> {
  /** Prefix of the Hazelcast map behind every fenced map (configured with {@link HigherTermMergePolicy}). */
  public static final String PREFIX = "cohort.fenced.";

  private final IMap<K, Fenced<V>> map;

  /** A value and the term that wrote it; {@code value} is null for a claimed or removed key. */
  record Fenced<V>(long term, V value) implements Serializable, Termed {
    private static final long serialVersionUID = 1L;
  }

  /** Writes {@code value} (null: clear) if no higher term wrote the key; returns whether it did. */
  record Write<K, V>(long term, V value, boolean keepValue) implements EntryProcessor<K, Fenced<V>, Boolean> {
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<K, Fenced<V>> entry) {
      Fenced<V> current = entry.getValue();
      if (current != null && current.term() > term) {
        return false;
      }
      V next = keepValue ? (current == null ? null : current.value()) : value;
      entry.setValue(new Fenced<>(term, next));
      return true;
    }
  }

  private FencedMap(IMap<K, Fenced<V>> map) {
    this.map = map;
  }

  /**
   * The fenced map {@code name} of {@code hazelcast}, kept in the Hazelcast map {@code cohort.fenced.<name>} (created
   * on first use; don't write it as a plain map).
   */
  public static <K, V> FencedMap<K, V> of(HazelcastInstance hazelcast, String name) {
    Objects.requireNonNull(hazelcast, "hazelcast");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a fenced map needs a name");
    }
    return new FencedMap<>(hazelcast.getMap(PREFIX + name));
  }

  /** The name of the Hazelcast map behind it ({@code cohort.fenced.<name>}). */
  public String name() {
    return map.getName();
  }

  /**
   * Writes {@code value} under {@code term} unless a higher term has written or claimed {@code key}.
   *
   * @return a stage with true if written, false if refused (a later driver owns the key)
   * @throws IllegalArgumentException if {@code term} is below 1 (0 is what {@link DriverElection#term()} returns to a
   *     member that does not drive)
   */
  public CompletionStage<Boolean> putAsync(K key, V value, long term) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return map.submitToKey(key, new Write<>(checkTerm(term), value, false));
  }

  /** Blocking {@link #putAsync}: call it from a worker, not an event loop. */
  public boolean put(K key, V value, long term) {
    return putAsync(key, value, term).toCompletableFuture().join();
  }

  /**
   * Raises {@code key}'s fence to {@code term} without changing its value, so that lower terms can no longer write
   * it. Blocking.
   *
   * @return false if a higher term already owns the key
   */
  public boolean claim(K key, long term) {
    Objects.requireNonNull(key, "key");
    return map.submitToKey(key, new Write<K, V>(checkTerm(term), null, true)).toCompletableFuture().join();
  }

  /** Clears {@code key}'s value under {@code term} (its fence stays). Blocking. Returns false if refused. */
  public boolean remove(K key, long term) {
    Objects.requireNonNull(key, "key");
    return map.submitToKey(key, new Write<K, V>(checkTerm(term), null, false)).toCompletableFuture().join();
  }

  /** The current value of {@code key}, if any. Blocking. */
  public Optional<V> get(K key) {
    Fenced<V> f = map.get(Objects.requireNonNull(key, "key"));
    return f == null ? Optional.empty() : Optional.ofNullable(f.value());
  }

  /** Every current value (claimed and removed keys excluded). Blocking; copies the whole map: keep it small. */
  public java.util.List<V> values() {
    java.util.List<V> out = new java.util.ArrayList<>();
    for (Fenced<V> f : map.values()) {
      if (f.value() != null) {
        out.add(f.value());
      }
    }
    return out;
  }

  /** The term that last wrote, claimed or cleared {@code key}; 0 if none has. Blocking. */
  public long termOf(K key) {
    Fenced<V> f = map.get(Objects.requireNonNull(key, "key"));
    return f == null ? 0 : f.term();
  }

  private static long checkTerm(long term) {
    if (term < 1) {
      throw new IllegalArgumentException("a fenced write needs the writer's driver term (at least 1), got " + term
          + "; term 0 means this member does not drive");
    }
    return term;
  }
}
