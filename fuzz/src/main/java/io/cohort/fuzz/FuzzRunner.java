package io.cohort.fuzz;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fuzzes the targets of {@link FuzzTargets}, each in a JVM of its own under Jazzer's libFuzzer driver (Jazzer fuzzes
 * one target a JVM). Each run first executes every committed input of the target ({@code fuzz/corpus/<Target>/}: the
 * seeds and the regression inputs of crashes found earlier), then mutates for the given time; inputs that reach new
 * code go to a working corpus under the work directory, never into the committed one, and a crash leaves its input
 * and Jazzer's reproducer under {@code <work>/findings/<Target>/}.
 *
 * <p>Usage: {@code FuzzRunner --seconds 600 [--target ProtocolMessagesFuzz ...] [--parallel 2] [--corpus fuzz/corpus]
 * [--work fuzz/target/fuzz]}; it prints one line a target, writes {@code <work>/report.md} and exits 1 if any target
 * found a crash.
 */
public final class FuzzRunner {
  private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in (\\d+) second");
  private static final Pattern EXECUTED = Pattern.compile("stat::number_of_executed_units: *(\\d+)");
  private static final Pattern COVERAGE = Pattern.compile("cov: (\\d+) ft: (\\d+) corp: (\\d+)");

  private FuzzRunner() {}

  /**
   * What one target's run did.
   *
   * @param target the target's class name
   * @param exitCode the Jazzer JVM's exit status (0: no finding)
   * @param runs inputs executed, seeds included
   * @param seconds how long libFuzzer says it ran
   * @param coverage the last coverage figure libFuzzer printed (edges), 0 if none
   * @param committedInputs how many committed inputs it started from
   * @param finding the crashing input, if it found one
   * @param log the run's full output
   */
  public record Outcome(String target, int exitCode, long runs, long seconds, long coverage, int committedInputs,
      Optional<Path> finding, Path log) {
    /** True if the run ended normally and found nothing. */
    public boolean clean() {
      return exitCode == 0 && finding.isEmpty();
    }

    @Override
    public String toString() {
      return String.format("%-26s %s  runs=%d  seconds=%d  edges=%d  committed_inputs=%d%s", target,
          clean() ? "ok     " : "FINDING", runs, seconds, coverage, committedInputs,
          finding.map(f -> "  input=" + f).orElse(exitCode != 0 ? "  exit=" + exitCode + " (see " + log + ")" : ""));
    }
  }

  /**
   * Fuzzes {@code target} for {@code duration} in a child JVM on this JVM's class path.
   *
   * @param corpusRoot the committed corpus, one directory a target
   * @param work where the working corpus, findings and logs go
   */
  public static Outcome fuzz(Class<?> target, Duration duration, Path corpusRoot, Path work)
      throws IOException, InterruptedException {
    String name = target.getSimpleName();
    Path committed = corpusRoot.resolve(name);
    Path corpus = Files.createDirectories(work.resolve("corpus").resolve(name));
    Path findings = work.resolve("findings").resolve(name);
    deleteTree(findings); // a finding of an earlier run is in that run's report (and, once fixed, in the corpus)
    Files.createDirectories(findings);
    Path log = Files.createDirectories(work.resolve("logs")).resolve(name + ".log");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=4",
        "-Dvertx.disableFileCPResolving=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
        "-cp", System.getProperty("java.class.path"),
        "com.code_intelligence.jazzer.Jazzer",
        "--target_class=" + target.getName(),
        // Coverage of Cohort's code and of the Bouncy Castle parsers it feeds untrusted bytes (ASN.1, PKCS#10, PEM).
        "--instrumentation_includes=io.cohort.**:org.bouncycastle.asn1.**:org.bouncycastle.pkcs.**"
            + ":org.bouncycastle.openssl.**:org.bouncycastle.util.io.pem.**",
        "--reproducer_path=" + findings,
        "-max_total_time=" + Math.max(1, duration.toSeconds()),
        "-timeout=20", // one input taking this long is a finding (a hang)
        "-rss_limit_mb=2560",
        "-print_final_stats=1",
        "-artifact_prefix=" + findings + File.separator,
        corpus.toString()));
    if (Files.isDirectory(committed)) {
      command.add(committed.toString());
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    // libFuzzer stops itself at max_total_time; the margin covers the JVM's start and the committed inputs.
    if (!process.waitFor(duration.toSeconds() + 180, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new IOException(name + " did not stop within " + (duration.toSeconds() + 180) + " s; see " + log);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    long runs = 0;
    long seconds = 0;
    Matcher done = DONE.matcher(output);
    if (done.find()) {
      runs = Long.parseLong(done.group(1));
      seconds = Long.parseLong(done.group(2));
    }
    Matcher executed = EXECUTED.matcher(output); // printed after a crash too, unlike "Done"
    if (executed.find()) {
      runs = Long.parseLong(executed.group(1));
    }
    long coverage = 0;
    Matcher cov = COVERAGE.matcher(output);
    while (cov.find()) {
      coverage = Long.parseLong(cov.group(1));
    }
    Optional<Path> finding;
    try (Stream<Path> files = Files.list(findings)) {
      finding = files.filter(f -> f.getFileName().toString().matches("(crash|timeout|oom|leak)-.*")).findFirst();
    }
    return new Outcome(name, process.exitValue(), runs, seconds, coverage, countFiles(committed), finding, log);
  }

  /** Deletes {@code dir} and everything in it, if it exists. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** How many committed inputs {@code target} has. */
  public static int countFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return (int) files.filter(Files::isRegularFile).count();
    }
  }

  /** The committed corpus: {@code corpus} in the fuzz module, wherever the runner is started from. */
  public static Path defaultCorpus() {
    return Files.isDirectory(Path.of("corpus")) && Files.isDirectory(Path.of("src", "main", "java", "io", "cohort",
        "fuzz")) ? Path.of("corpus") : Path.of("fuzz", "corpus");
  }

  public static void main(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(60);
    Path corpus = defaultCorpus();
    Path work = null;
    int parallel = 1;
    List<Class<?>> targets = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> duration = Duration.ofSeconds(Long.parseLong(args[++i]));
        case "--corpus" -> corpus = Path.of(args[++i]);
        case "--work" -> work = Path.of(args[++i]);
        case "--parallel" -> parallel = Integer.parseInt(args[++i]);
        case "--target" -> targets.add(FuzzTargets.named(args[++i]));
        default -> {
          System.err.println("unknown argument '" + args[i] + "'; usage: FuzzRunner --seconds N [--target NAME]... "
              + "[--parallel JVMS] [--corpus DIR] [--work DIR]; targets: " + FuzzTargets.names());
          System.exit(2);
        }
      }
    }
    if (work == null) {
      work = corpus.toAbsolutePath().getParent().resolve("target").resolve("fuzz");
    }
    if (targets.isEmpty()) {
      targets.addAll(FuzzTargets.ALL);
    }
    Duration each = duration;
    Path committed = corpus;
    Path into = work;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallel);
    List<java.util.concurrent.Future<Outcome>> runs = new ArrayList<>();
    for (Class<?> target : targets) {
      runs.add(pool.submit(() -> {
        System.out.println("fuzzing " + target.getSimpleName() + " for " + each.toSeconds() + " s ...");
        Outcome outcome;
        try {
          outcome = fuzz(target, each, committed, into);
        } catch (IOException e) { // it hung past its time, or could not start: a finding too, the others go on
          outcome = new Outcome(target.getSimpleName(), -1, 0, 0, 0, 0, Optional.empty(),
              into.resolve("logs").resolve(target.getSimpleName() + ".log"));
          System.out.println(target.getSimpleName() + ": " + e.getMessage());
        }
        System.out.println(outcome);
        return outcome;
      }));
    }
    pool.shutdown();
    List<Outcome> outcomes = new ArrayList<>();
    for (java.util.concurrent.Future<Outcome> run : runs) {
      outcomes.add(run.get());
    }
    StringBuilder report = new StringBuilder("# Fuzz run " + java.time.Instant.now() + "\n\n"
        + "Each target ran for " + duration.toSeconds() + " s (" + parallel + " at a time).\n\n"
        + "| target | result | inputs executed | seconds | edges covered | committed inputs |\n|---|---|---:|---:|---:|---:|\n");
    for (Outcome o : outcomes) {
      report.append("| ").append(o.target()).append(" | ").append(o.clean() ? "no finding" : "FINDING: "
          + o.finding().map(Path::toString).orElse("exit " + o.exitCode())).append(" | ").append(o.runs())
          .append(" | ").append(o.seconds()).append(" | ").append(o.coverage()).append(" | ")
          .append(o.committedInputs()).append(" |\n");
    }
    Path reportFile = work.resolve("report.md");
    Files.writeString(reportFile, report);
    System.out.println("report: " + reportFile);
    System.exit(outcomes.stream().allMatch(Outcome::clean) ? 0 : 1);
  }
}
