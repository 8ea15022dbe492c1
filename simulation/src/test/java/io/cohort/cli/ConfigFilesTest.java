package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --config FILE} and {@code --print-config} on the real command line. */
class ConfigFilesTest {
  @TempDir Path dir;

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private Path yaml(String text) throws Exception {
    Path file = Files.createTempFile(dir, "run", ".yaml");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void printConfig_withAFile_showsTheFilesSettingsAndTheDefaults() throws Exception {
    Path file = yaml("rounds: 7\nclients: 12\npartition: \"dirichlet:0.5\"\nsecure-agg: false\nhidden: [64, 32]\n");
    CliRun r = run("simulate", "--config", file.toString(), "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("rounds: 7").contains("clients: 12").contains("partition: dirichlet:0.5")
        .contains("secure-agg: false").contains("fraction: 1.0").containsPattern("hidden:\\s*\\n\\s*- 64\\s*\\n\\s*- 32");
  }

  @Test
  void commandLineFlag_winsOverTheFile() throws Exception {
    Path file = yaml("rounds: 7\n");
    CliRun r = run("simulate", "--config", file.toString(), "--rounds", "9", "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("rounds: 9").doesNotContain("rounds: 7");
  }

  @Test
  void typedListOption_replacesTheFilesList() throws Exception {
    Path file = yaml("hidden: [64, 32]\n");
    CliRun r = run("simulate", "--config", file.toString(), "--hidden", "16", "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("hidden:\\s*\\n\\s*- 16\\s*\\n(?!\\s*- )");
    assertThat(r.out()).doesNotContain("- 64");
  }

  @Test
  void textSettingThatYamlReadsAsANumber_isRefusedAskingForQuotes_andQuotedItIsKept() throws Exception {
    CliRun r = run("client", "--config", yaml("coordinator: https://127.0.0.1:7000\nname: 007\n").toString(),
        "--print-config");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'name' is text").contains("quote it");
    CliRun quoted = run("client", "--config", yaml("coordinator: https://127.0.0.1:7000\nname: \"007\"\n")
        .toString(), "--print-config");
    assertThat(quoted.code()).as(quoted.err()).isZero();
    CliRun back = run("client", "--config", yaml(quoted.out()).toString(), "--print-config");
    assertThat(back.out()).isEqualTo(quoted.out()).contains("007");
  }

  @Test
  void configGivenTwice_isRefused() throws Exception {
    Path file = yaml("rounds: 3\n");
    CliRun r = run("simulate", "--config", file.toString(), "--config=" + file, "--print-config");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--config is given twice");
  }

  @Test
  void printedConfig_readBack_printsTheSameConfig() throws Exception {
    CliRun first = run("simulate", "--clients", "30", "--partition", "shards:2", "--no-secure-agg", "--dp-noise",
        "1.1", "--print-config");
    assertThat(first.code()).as(first.err()).isZero();
    CliRun second = run("simulate", "--config", yaml(first.out()).toString(), "--print-config");
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.out()).isEqualTo(first.out());
  }

  @Test
  void unknownKey_isRefusedNamingItAndTheAllowedKeys() throws Exception {
    CliRun r = run("simulate", "--config", yaml("roundz: 3\n").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'roundz' is not a setting of cohort simulate; allowed: ")
        .contains("rounds").contains("clients");
  }

  @Test
  void badValue_isRefusedNamingTheFlag() throws Exception {
    CliRun r = run("simulate", "--config", yaml("rounds: many\n").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--rounds").contains("many");
    CliRun flag = run("simulate", "--config", yaml("secure-agg: sometimes\n").toString());
    assertThat(flag.code()).isEqualTo(2);
    assertThat(flag.err()).contains("'secure-agg' must be true or false");
  }

  @Test
  void missingFile_orNotAMap_isRefused() throws Exception {
    CliRun missing = run("simulate", "--config", dir.resolve("nope.yaml").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("cannot read config file");
    CliRun list = run("simulate", "--config", yaml("- 1\n- 2\n").toString());
    assertThat(list.code()).isEqualTo(2);
    assertThat(list.err()).contains("must be a YAML map");
  }

  @Test
  void printedText_thatYamlWouldReadAsANumber_isQuoted_andReadsBackTheSame() throws Exception {
    // Found by fuzzing (fuzz/corpus/ConfigFileFuzz/regression-print-config-unquoted-base60-number): stragglers
    // "013:0.1" was printed unquoted, and YAML reads 013:0.1 as a base-60 float, so the printed file was refused.
    CliRun first = run("simulate", "--stragglers", "1:10.5", "--partition", "0x1F", "--poison", "1e3",
        "--print-config");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("stragglers: \"1:10.5\"").contains("partition: \"0x1F\"")
        .contains("poison: \"1e3\"");
    CliRun second = run("simulate", "--config", yaml(first.out()).toString(), "--print-config");
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.out()).isEqualTo(first.out());
  }

  /**
   * Found by the long fuzz run (fuzz/corpus/ConfigFileFuzz/regression-split-value-end-of-options): {@code join: --,x}
   * parsed from the file, but its printed form ({@code join: [--, x]}) did not, since picocli reads {@code --} as the
   * end of the options. Such a value is now refused from the file at once, naming the key.
   */
  @Test
  void valueOrPieceThatIsTheEndOfOptionsMarker_isRefusedNamingTheKey() throws Exception {
    for (String yaml : List.of("join: --,127.0.0.1:5701\n", "join: [\"--\"]\n", "join: \"--\"\n")) {
      CliRun r = run("worker", "--config", yaml(yaml).toString(), "--print-config");
      assertThat(r.code()).as(yaml).isEqualTo(2);
      assertThat(r.err()).contains("'join' has the value '--'");
    }
    CliRun fine = run("worker", "--config", yaml("join: 127.0.0.1:5701,127.0.0.1:5702\ncluster-name: c\n")
        .toString(), "--print-config");
    assertThat(fine.code()).as(fine.err()).isZero();
  }

  @Test
  void fileOverTheSizeLimit_isRefusedBeforeItIsParsed() throws Exception {
    Path file = dir.resolve("huge.yaml");
    Files.writeString(file, "rounds: 3\n# " + "x".repeat(ConfigFiles.MAX_FILE_BYTES) + "\n");
    CliRun r = run("simulate", "--config", file.toString(), "--print-config");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("config file " + file + " is over 1 MiB").contains("right file");
    CliRun atTheLimit = run("simulate", "--config", yaml("rounds: 3\n# " + "x".repeat(ConfigFiles.MAX_FILE_BYTES - 13)
        + "\n").toString(), "--print-config");
    assertThat(atTheLimit.code()).as(atTheLimit.err()).isZero();
    assertThat(atTheLimit.out()).contains("rounds: 3");
  }

  @Test
  void fileNotUtf8_orNestedTooDeep_isRefusedAsAConfigFileError() throws Exception {
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, "name: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    CliRun notUtf8 = run("client", "--config", latin1.toString(), "--coordinator", "https://127.0.0.1:7000");
    assertThat(notUtf8.code()).isEqualTo(2);
    assertThat(notUtf8.err()).contains("is not UTF-8 text; save it as UTF-8");
    CliRun deep = run("simulate", "--config", yaml("hidden: " + "[".repeat(5000) + "]".repeat(5000) + "\n")
        .toString(), "--print-config");
    assertThat(deep.code()).isEqualTo(2);
    assertThat(deep.err()).contains("cannot read config file").contains("nesting depth");
  }

  @Test
  void clientAndStatus_takeAConfigFileToo() throws Exception {
    CliRun client = run("client", "--config", yaml("coordinator: https://127.0.0.1:7000\nname: site-a\n").toString(),
        "--print-config");
    assertThat(client.code()).as(client.err()).isZero();
    assertThat(client.out()).contains("name: site-a").contains("127.0.0.1:7000");
    CliRun status = run("status", "--config", yaml("coordinator: https://127.0.0.1:7000\njson: true\n").toString(),
        "--print-config");
    assertThat(status.code()).as(status.err()).isZero();
    assertThat(status.out()).contains("json: true");
  }

  @Test
  void strategy_badNameOrParameter_orRobustWithSecureAggregation_isRefusedClearly() throws Exception {
    CliRun unknown = run("simulate", "--strategy", "no-such-rule", "--clients", "2", "--rounds", "1");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown strategy 'no-such-rule'").contains("median");
    CliRun badNumber = run("simulate", "--strategy", "krum:x", "--clients", "2", "--rounds", "1");
    assertThat(badNumber.code()).isEqualTo(2);
    assertThat(badNumber.err()).contains("not a number");
    CliRun secure = run("coordinator", "--strategy", "median", "--port", "0", "--rounds", "1");
    assertThat(secure.code()).isEqualTo(2);
    assertThat(secure.err()).contains("strategy median needs each client's update");
  }

  @Test
  void heterogeneityAndOverSelection_comeFromTheFile_andBadValuesNameTheFlag() throws Exception {
    Path file = yaml("stragglers: \"0.3:3\"\noffline: 0.2\nover-select: 0.3\n");
    CliRun r = run("simulate", "--config", file.toString(), "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("stragglers: 0.3:3").contains("offline: 0.2").contains("over-select: 0.3");
    CliRun coordinator = run("coordinator", "--config", yaml("over-select: 0.5\n").toString(), "--print-config");
    assertThat(coordinator.code()).as(coordinator.err()).isZero();
    assertThat(coordinator.out()).contains("over-select: 0.5");

    CliRun noFactor = run("simulate", "--stragglers", "0.3", "--idx-dir", dir.resolve("none").toString());
    assertThat(noFactor.code()).isEqualTo(2);
    assertThat(noFactor.err()).contains("--stragglers takes FRACTION:FACTOR, e.g. 0.3:3");
    CliRun offline = run("simulate", "--offline", "1", "--idx-dir", dir.resolve("none").toString());
    assertThat(offline.code()).isEqualTo(2);
    assertThat(offline.err()).contains("--offline must be a probability in [0, 1)");
    CliRun over = run("simulate", "--over-select", "-1", "--idx-dir", dir.resolve("none").toString());
    assertThat(over.code()).isEqualTo(2);
    assertThat(over.err()).contains("--over-select must be in [0, 10]");
    CliRun asyncOffline = run("simulate", "--mode", "async", "--offline", "0.2", "--idx-dir",
        dir.resolve("none").toString());
    assertThat(asyncOffline.code()).isEqualTo(2);
    assertThat(asyncOffline.err()).contains("--offline does not combine with --mode async yet");
    CliRun badMode = run("simulate", "--mode", "turbo", "--idx-dir", dir.resolve("none").toString());
    assertThat(badMode.code()).isEqualTo(2);
    assertThat(badMode.err()).contains("--mode must be sync or async, got 'turbo'");
  }

  @Test
  void coordinator_takesAConfigFileToo() throws Exception {
    CliRun r = run("coordinator", "--config", yaml("port: 7123\nrounds: 4\n").toString(), "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("port: 7123").contains("rounds: 4");
  }

  @Test
  void compression_fromAFileOrTheCommandLine_andRefusedClearlyWhereItCannotWork() throws Exception {
    CliRun file = run("simulate", "--config", yaml("compression: \"topk:0.1\"\n").toString(), "--print-config");
    assertThat(file.code()).as(file.err()).isZero();
    assertThat(file.out()).contains("compression: topk:0.1");
    assertThat(run("coordinator", "--print-config").out()).contains("compression: none");
    CliRun unknown = run("simulate", "--compression", "q16", "--clients", "2", "--rounds", "1");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("--compression must be one of none, q8, q4, topk:FRACTION");
    CliRun secureSimulation = run("simulate", "--compression", "q8", "--secure-agg", "--clients", "2");
    assertThat(secureSimulation.code()).isEqualTo(2);
    assertThat(secureSimulation.err()).contains("--compression q8 needs plaintext updates");
    CliRun secureCoordinator = run("coordinator", "--compression", "q4", "--port", "0", "--rounds", "1");
    assertThat(secureCoordinator.code()).isEqualTo(2); // secure aggregation is the coordinator's default
    assertThat(secureCoordinator.err()).contains("--compression q4 is not supported with secure aggregation")
        .contains("--no-secure-agg");
  }
}
