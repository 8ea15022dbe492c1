package io.cohort.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./cohort}. */
@Command(name = "cohort", mixinStandardHelpOptions = true, versionProvider = Versions.Provider.class,
    description = "Federated learning on the JVM.",
    subcommands = {SimulateCommand.class, CoordinatorCommand.class, ClientCommand.class,
        CommandLine.HelpCommand.class})
public final class CohortCli {
  /** Runs the CLI and exits with its status. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (also used by tests). */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new CohortCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof IllegalArgumentException || e instanceof java.io.IOException) {
        commandLine.getErr().println("cohort: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cli;
  }
}
