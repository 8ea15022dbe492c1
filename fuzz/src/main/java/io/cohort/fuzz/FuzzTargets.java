package io.cohort.fuzz;

import io.cohort.cli.ConfigFileFuzz;
import io.cohort.fuzz.targets.CheckpointFuzz;
import io.cohort.fuzz.targets.CoordinatorRoutesFuzz;
import io.cohort.fuzz.targets.EnrolmentFuzz;
import io.cohort.fuzz.targets.PemFilesFuzz;
import io.cohort.fuzz.targets.ProtocolMessagesFuzz;
import io.cohort.fuzz.targets.SecAggFuzz;
import io.cohort.fuzz.targets.TensorChunksFuzz;
import java.util.List;
import java.util.stream.Collectors;

/** Every fuzz target, one for each decoder or request handler the network (or an operator's file) can reach. */
public final class FuzzTargets {
  /** The targets, each a class with {@code public static void fuzzerTestOneInput(byte[])}. */
  public static final List<Class<?>> ALL = List.of(
      ProtocolMessagesFuzz.class,
      TensorChunksFuzz.class,
      CoordinatorRoutesFuzz.class,
      SecAggFuzz.class,
      EnrolmentFuzz.class,
      PemFilesFuzz.class,
      CheckpointFuzz.class,
      ConfigFileFuzz.class);

  private FuzzTargets() {}

  /** The target whose simple class name is {@code name}. */
  public static Class<?> named(String name) {
    return ALL.stream().filter(t -> t.getSimpleName().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no fuzz target '" + name + "'; targets: " + names()));
  }

  /** The targets' names, comma-separated. */
  public static String names() {
    return ALL.stream().map(Class::getSimpleName).collect(Collectors.joining(", "));
  }
}
