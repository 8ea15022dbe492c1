package io.cohort.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE} and {@code --print-config} (see {@link ConfigFiles}). */
final class ConfigOptions {
  @Option(names = ConfigFiles.CONFIG, paramLabel = "FILE",
      description = "read settings from a YAML file whose keys are this command's flags without the dashes "
          + "(rounds: 20); flags given on the command line win")
  Path file;

  @Option(names = "--print-config", description = "print the effective settings as a config file and exit")
  boolean print;
}
