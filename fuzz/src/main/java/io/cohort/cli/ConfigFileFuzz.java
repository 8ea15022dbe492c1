package io.cohort.cli;

import io.cohort.fuzz.Findings;
import io.cohort.fuzz.Seeds;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * The CLI's run-configuration files ({@link ConfigFiles}): {@code cohort SUBCOMMAND --config FILE}. The first byte
 * picks the subcommand (simulate, coordinator, client, status, worker: those with {@code --config}); the rest is the
 * YAML file, written to a temporary file. The target expands the arguments as {@link CohortCli#execute} does and lets
 * picocli parse the result on the CLI's own command line, without running the command; it then prints the effective
 * configuration as {@code --print-config} does, reads that back as a config file and prints it again.
 *
 * <p>Allowed: {@link IllegalArgumentException} from the expansion (the CLI prints it and exits 2) and picocli's
 * {@link CommandLine.ParameterException} from the parse (a bad value named by its flag), each with a message. A
 * finding: any other exception or error (a Jackson or SnakeYAML exception leaking, a ClassCastException, a stack
 * overflow on deep nesting), or a printed configuration that the CLI refuses to read back or that does not print the
 * same again ({@code --print-config > run.yaml} then {@code --config run.yaml} must repeat the run).
 */
public final class ConfigFileFuzz {
  /** The subcommands that take {@code --config}, in the order the first input byte picks them. */
  public static final List<String> SUBCOMMANDS = List.of("simulate", "coordinator", "client", "status", "worker");

  /**
   * The CLI's command line, built once (building it takes tens of milliseconds): picocli resets every option to its
   * initial value at the start of each parse, so one instance parses input after input as a fresh one would.
   */
  private static final CommandLine CLI = CohortCli.commandLine();
  private static final Path FILE;
  private static final Path PRINTED;

  static {
    try {
      Path dir = Files.createTempDirectory("cohort-config-fuzz-");
      FILE = dir.resolve("run.yaml");
      PRINTED = dir.resolve("printed.yaml");
      dir.toFile().deleteOnExit();
      FILE.toFile().deleteOnExit();
      PRINTED.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ConfigFileFuzz() {}

  /**
   * Seed inputs: for each subcommand its full default configuration as {@code --print-config} writes it, and a few
   * hand-written files (lists, negatable flags, quoted text, an empty file).
   */
  public static Map<String, byte[]> seeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    for (int i = 0; i < SUBCOMMANDS.size(); i++) {
      String sub = SUBCOMMANDS.get(i);
      CommandLine cli = CohortCli.commandLine();
      List<String> args = new ArrayList<>(List.of(sub));
      args.addAll(switch (sub) { // the required flags
        case "client", "status" -> List.of("--coordinator", "https://127.0.0.1:7000");
        case "worker" -> List.of("--join", "127.0.0.1:5701", "--cluster-name", "sim-1");
        default -> List.<String>of();
      });
      ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
      seeds.put(sub + "-defaults", Seeds.tagged(i, print(parsed.subcommand().commandSpec())
          .getBytes(StandardCharsets.UTF_8)));
    }
    seeds.put("simulate-small", Seeds.tagged(0, ("rounds: 7\nclients: 12\npartition: \"dirichlet:0.5\"\n"
        + "secure-agg: false\nhidden: [64, 32]\nstragglers: \"0.3:3\"\noffline: 0.2\ncompression: \"topk:0.1\"\n")
        .getBytes(StandardCharsets.UTF_8)));
    seeds.put("coordinator-small", Seeds.tagged(1, "port: 7123\nrounds: 4\nover-select: 0.5\n# comment\n"
        .getBytes(StandardCharsets.UTF_8)));
    seeds.put("client-small", Seeds.tagged(2, "coordinator: https://127.0.0.1:7000\nname: \"007\"\n"
        .getBytes(StandardCharsets.UTF_8)));
    seeds.put("status-flow", Seeds.tagged(3, "{coordinator: 'https://127.0.0.1:7000', json: true}\n"
        .getBytes(StandardCharsets.UTF_8)));
    seeds.put("worker-small", Seeds.tagged(4, "join: [\"127.0.0.1:5701\", \"127.0.0.1:5702\"]\ncluster-name: sim\n"
        .getBytes(StandardCharsets.UTF_8)));
    seeds.put("simulate-empty", Seeds.tagged(0, new byte[0]));
    return seeds;
  }

  public static void fuzzerTestOneInput(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    String sub = SUBCOMMANDS.get((input[0] & 0xff) % SUBCOMMANDS.size());
    Files.write(FILE, Arrays.copyOfRange(input, 1, input.length));
    String printed;
    try {
      printed = parseAndPrint(sub, FILE);
    } catch (IllegalArgumentException | CommandLine.ParameterException e) {
      Findings.requireExplained(e);
      return;
    }
    Files.writeString(PRINTED, printed);
    String again;
    try {
      again = parseAndPrint(sub, PRINTED);
    } catch (IllegalArgumentException | CommandLine.ParameterException e) {
      throw new AssertionError("cohort " + sub + " refuses its own --print-config output (" + e.getMessage()
          + "):\n" + printed, e);
    }
    if (!again.equals(printed)) {
      throw new AssertionError("cohort " + sub + " --print-config does not repeat when read back:\n" + printed
          + "\nthen:\n" + again);
    }
  }

  /** {@code cohort SUB --config FILE} expanded and parsed (not run), and the effective configuration it prints. */
  static String parseAndPrint(String sub, Path file) {
    return parseAndPrint(CLI, sub, file);
  }

  static String parseAndPrint(CommandLine cli, String sub, Path file) {
    String[] expanded = ConfigFiles.expand(cli, new String[] {sub, ConfigFiles.CONFIG, file.toString()});
    ParseResult parsed = cli.parseArgs(expanded);
    if (!parsed.hasSubcommand() || !parsed.subcommand().commandSpec().name().equals(sub)) {
      throw new AssertionError("expanding cohort " + sub + " --config gave " + List.of(expanded));
    }
    return print(parsed.subcommand().commandSpec());
  }

  private static String print(CommandSpec command) {
    StringWriter out = new StringWriter();
    ConfigFiles.print(command, new PrintWriter(out));
    return out.toString();
  }
}
