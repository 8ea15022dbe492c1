package io.cohort.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./cohort}. */
@Command(name = "cohort", mixinStandardHelpOptions = true, versionProvider = Versions.Provider.class,
    description = "Federated learning on the JVM.",
    subcommands = {SimulateCommand.class, CoordinatorCommand.class, ClientCommand.class, WorkerCommand.class,
        StatusCommand.class, NiidBenchCommand.class, BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class CohortCli {
  /** Runs the CLI and exits with its status. */
  public static void main(String[] args) {
    System.exit(execute(commandLine(), args));
  }

  /**
   * Runs {@code args} on {@code cli}, first turning a subcommand's {@code --config FILE} into flags ({@link
   * ConfigFiles}); returns the exit status (2 for a config file that cannot be used).
   */
  public static int execute(CommandLine cli, String... args) {
    String[] expanded;
    try {
      expanded = ConfigFiles.expand(cli, args);
    } catch (IllegalArgumentException e) {
      cli.getErr().println("cohort: " + e.getMessage());
      cli.getErr().flush();
      return 2;
    }
    return cli.execute(expanded);
  }

  /** The configured command line (also used by tests). */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new CohortCli());
    cli.setOverwrittenOptionsAllowed(true); // a flag typed after a config file's entry for it wins
    // Exit 2: the run could not start (bad flag, missing or unreadable data, unwritable output).
    // Exit 1: the run started and failed (coordinator unreachable, a client died, a round never finished).
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      Throwable cause = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
      if (cause instanceof IllegalArgumentException || cause instanceof java.io.IOException) {
        commandLine.getErr().println("cohort: " + cause.getMessage());
        return 2;
      }
      if (cause instanceof io.cohort.client.CohortException || cause instanceof IllegalStateException) {
        commandLine.getErr().println("cohort: " + cause.getMessage());
        return 1;
      }
      throw e;
    });
    return cli;
  }
}
