package io.cohort.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One in-process run of the {@code cohort} command line, as {@link CohortCli#main} runs it (config files included),
 * with what it printed.
 *
 * @param code the exit status
 * @param out standard output
 * @param err standard error
 */
record CliRun(int code, String out, String err) {
  /** Runs {@code args} and captures the output. */
  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = CohortCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = CohortCli.execute(cli, args);
    return new CliRun(code, out.toString(), err.toString());
  }
}
