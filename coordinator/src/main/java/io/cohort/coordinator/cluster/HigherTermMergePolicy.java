package io.cohort.coordinator.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * Hazelcast merge policy for the driver lease and fenced maps: when the halves of a split cluster merge, of two
 * versions of an entry the one written under the higher term survives (the existing one on a tie). So terms never go
 * backwards across a merge, and a fenced write is never replaced by one from a lower term. Configured by {@link
 * CoordinatorCluster} for {@code cohort.election} and {@code cohort.fenced.*}; Hazelcast instantiates it by name.
 */
public final class HigherTermMergePolicy implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {
  /** For Hazelcast. */
  public HigherTermMergePolicy() {}

  /** Keeps the version with the higher term; {@code existing} on a tie or when a value has no term. */
  @Override
  public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    return termOf(merging.getDeserializedValue()) > termOf(existing.getDeserializedValue())
        ? merging.getRawValue() : existing.getRawValue();
  }

  static long termOf(Object value) {
    if (value instanceof Termed termed) {
      return termed.term();
    }
    if (value instanceof Lease lease) {
      return lease.term();
    }
    if (value instanceof FencedMap.Fenced<?> fenced) {
      return fenced.term();
    }
    return Long.MIN_VALUE;
  }

  /** Stateless: nothing to write. */
  @Override
  public void writeData(ObjectDataOutput out) {}

  /** Stateless: nothing to read. */
  @Override
  public void readData(ObjectDataInput in) {}
}
