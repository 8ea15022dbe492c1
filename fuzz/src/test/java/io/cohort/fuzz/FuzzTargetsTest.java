package io.cohort.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The short fuzz run of the default test suite: each target runs under Jazzer in its own JVM for a few seconds
 * ({@code -Dcohort.fuzz.seconds}, default 6), first over every committed input (seeds and the regression inputs of
 * crashes found before; not what earlier runs added), then mutating. It passes if nothing crashed, hung or ran out of memory. The long run is
 * {@code fuzz/run-long} (see fuzz/README.md).
 */
class FuzzTargetsTest {
  private static final Path CORPUS = Path.of("corpus");
  private static final Path WORK = Path.of("target", "fuzz-short");

  static Stream<Class<?>> targets() {
    return FuzzTargets.ALL.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void fuzzBriefly_findsNothing_afterReplayingEveryCommittedInput(Class<?> target) throws Exception {
    int committed = FuzzRunner.countFiles(CORPUS.resolve(target.getSimpleName()));
    assertThat(committed).as("committed seed corpus of %s", target.getSimpleName()).isPositive();
    Duration duration = Duration.ofSeconds(Long.getLong("cohort.fuzz.seconds", 6));
    FuzzRunner.deleteTree(WORK.resolve("corpus").resolve(target.getSimpleName())); // start from the committed inputs

    FuzzRunner.Outcome outcome = FuzzRunner.fuzz(target, duration, CORPUS, WORK);

    assertThat(outcome.clean()).as("%s; log %s:%n%s", outcome, outcome.log(), tail(outcome.log())).isTrue();
    assertThat(outcome.runs()).as("inputs executed (committed ones first)").isGreaterThan(committed);
    assertThat(outcome.coverage()).as("edges covered").isPositive();
  }

  private static String tail(Path log) throws java.io.IOException {
    String text = Files.readString(log);
    return text.substring(Math.max(0, text.length() - 4000));
  }
}
