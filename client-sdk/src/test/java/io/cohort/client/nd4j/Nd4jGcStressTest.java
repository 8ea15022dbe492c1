package io.cohort.client.nd4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression test for a native crash (SIGSEGV in {@code sd::DataBuffer::primary()} under
 * {@code Nd4jCpu.execBroadcast}, from the dense layer's bias add) seen once in SimulationIT: forward passes from
 * several threads under very frequent GCs, in a child JVM, so that a crash fails this test instead of killing the
 * test JVM. Before {@link BiasAdd} kept the broadcast op reachable, the child died within about 1.5 s (12 runs of 12)
 * on a 2-core machine; the crash is a race, so on other machines the test may pass by luck, never fail by it.
 */
class Nd4jGcStressTest {
  private static final long RUN_MILLIS = 3_000;
  private static final int THREADS = 8;

  @Test
  void forwardPasses_underFrequentGc_doNotCrashTheJvm(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("child.log");
    Process child = childJvm(dir, log).start();
    boolean exited = child.waitFor(RUN_MILLIS + 60_000, TimeUnit.MILLISECONDS);
    if (!exited) {
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exited).as("child JVM finished; output:%n%s", output).isTrue();
    assertThat(child.exitValue()).as("child JVM exit status; output:%n%s", output).isZero();
    assertThat(output).contains("passes=");
  }

  private static ProcessBuilder childJvm(Path dir, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // A young generation this small collects every few milliseconds, and C1 alone compiles ND4J's op executor
    // (where, compiled, the op object is dead during the native call) early.
    command.add("-Xmx256m");
    command.add("-Xmn1m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"));
    // The same --add-opens and javacpp settings as this JVM (surefire's argLine).
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-Dorg.bytedeco.")) {
        command.add(arg);
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(GcStressMain.class.getName());
    command.add(Long.toString(RUN_MILLIS));
    command.add(Integer.toString(THREADS));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    return builder;
  }
}
