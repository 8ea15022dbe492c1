package io.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Run configuration files: every flag of a command can also come from a YAML file, {@code --config run.yaml}, whose
 * keys are the flags' long names without the dashes ({@code rounds: 20}, {@code partition: dirichlet:0.5}, {@code
 * secure-agg: false}, lists as YAML lists). Flags on the command line win over the file. {@code --print-config}
 * prints the effective configuration in the same format, so {@code --print-config > run.yaml} then {@code --config
 * run.yaml} repeats a run.
 *
 * <p>The file is read before the command line is parsed: its entries become flags placed before the ones typed, and
 * picocli then checks every value as it checks a typed flag (a bad value names the flag and, for a fixed set, the
 * allowed values). A key that is not a flag of the command is refused with the list of allowed keys.
 *
 * <p>Limits: a file of over {@link #MAX_FILE_BYTES} is refused before it is parsed (read with a bound, so a huge file
 * or a device is not read whole), and Jackson refuses nesting deeper than 1,000 levels; YAML aliases are not expanded
 * (Jackson reads an alias as the anchor's name), so an alias bomb cannot grow.
 */
final class ConfigFiles {
  static final String CONFIG = "--config";
  /** The largest config file read: 1 MiB (a command's every setting takes a few KiB). */
  static final int MAX_FILE_BYTES = 1 << 20;
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS) // "007" stays text when read back
      .stringQuotingChecker(new QuoteWhatReadsAsAnotherType())
      .build());
  private static final List<String> NOT_CONFIG = List.of("--config", "--print-config", "--help", "--version");

  private ConfigFiles() {}

  /**
   * Quotes, besides what Jackson quotes, every text that YAML would read back as another type: a hexadecimal, binary
   * or exponent number ({@code 0x1F}, {@code 1e3}), a base-60 number ({@code 1:10.5}), {@code .inf}. Unquoted, a
   * printed config with such a value was refused when read back ({@code --stragglers 1:10.5}).
   */
  private static final class QuoteWhatReadsAsAnotherType extends StringQuotingChecker.Default {
    private static final Resolver RESOLVER = new Resolver(); // the one Jackson's YAML parser types plain scalars with

    @Override
    public boolean needToQuoteValue(String value) {
      return super.needToQuoteValue(value) || RESOLVER.resolve(NodeId.scalar, value, true) != Tag.STR;
    }
  }

  /**
   * {@code args} with a {@code --config FILE} of the subcommand replaced by the file's entries as flags.
   *
   * @throws IllegalArgumentException if the file cannot be read, is not a YAML map, or has a key that is no flag
   */
  static String[] expand(CommandLine root, String[] args) {
    if (args.length == 0 || !root.getSubcommands().containsKey(args[0])) {
      return args;
    }
    CommandSpec command = root.getSubcommands().get(args[0]).getCommandSpec();
    List<String> rest = new ArrayList<>();
    java.util.Set<String> typed = new java.util.HashSet<>();
    Path file = null;
    boolean positional = false; // after "--" nothing is an option
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (!positional && arg.equals("--")) {
        positional = true;
      } else if (!positional && arg.equals(CONFIG) && i + 1 < args.length) {
        if (file != null) {
          throw new IllegalArgumentException("--config is given twice; give one file");
        }
        file = Path.of(args[++i]);
        continue;
      } else if (!positional && arg.startsWith(CONFIG + "=")) {
        if (file != null) {
          throw new IllegalArgumentException("--config is given twice; give one file");
        }
        file = Path.of(arg.substring(CONFIG.length() + 1));
        continue;
      } else if (!positional && arg.startsWith("--")) {
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        command.options().stream().filter(o -> java.util.Arrays.asList(o.names()).contains(name)
            || (o.negatable() && name.equals("--no-" + o.longestName().substring(2))))
            .findFirst().ifPresent(o -> typed.add(o.longestName()));
      }
      rest.add(arg);
    }
    if (file == null) {
      return args;
    }
    List<String> out = new ArrayList<>();
    out.add(args[0]);
    out.addAll(flags(command, file, typed));
    out.addAll(rest);
    return out.toArray(String[]::new);
  }

  /** The file's entries as {@code --flag=value} arguments, leaving out the flags also typed on the command line. */
  private static List<String> flags(CommandSpec command, Path file, java.util.Set<String> typed) {
    Map<?, ?> entries;
    try {
      Object parsed = YAML.readValue(readText(file), Object.class);
      if (parsed == null) {
        return List.of();
      }
      if (!(parsed instanceof Map<?, ?> map)) {
        throw new IllegalArgumentException("config file " + file + " must be a YAML map of flag: value, got a "
            + parsed.getClass().getSimpleName());
      }
      entries = map;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    List<String> flags = new ArrayList<>();
    for (Map.Entry<?, ?> entry : entries.entrySet()) {
      String key = String.valueOf(entry.getKey());
      Optional<OptionSpec> option = option(command, key);
      if (option.isEmpty()) {
        throw new IllegalArgumentException("config file " + file + ": '" + key + "' is not a setting of cohort "
            + command.name() + "; allowed: " + String.join(", ", keys(command)));
      }
      OptionSpec o = option.get();
      Object value = entry.getValue();
      if (value == null || typed.contains(o.longestName())) {
        continue; // the default, or a value typed on the command line, which replaces the file's whole
      }
      if (o.typeInfo().getType() == String.class && !(value instanceof String)) {
        throw new IllegalArgumentException("config file " + file + ": '" + key + "' is text; YAML read " + value
            + " as a " + value.getClass().getSimpleName().toLowerCase() + ", so quote it: " + key + ": \"" + value
            + "\"");
      }
      if (o.typeInfo().isBoolean() && o.arity().max() == 0) {
        if (!(value instanceof Boolean b)) {
          throw new IllegalArgumentException("config file " + file + ": '" + key + "' must be true or false, got '"
              + value + "'");
        }
        if (b) {
          flags.add(o.longestName());
        } else if (o.negatable()) {
          flags.add("--no-" + o.longestName().substring(2));
        }
      } else if (value instanceof List<?> list) {
        for (Object item : list) {
          flags.add(o.longestName() + "=" + notEndOfOptions(file, key, o, item));
        }
      } else if (value instanceof Map<?, ?>) {
        throw new IllegalArgumentException("config file " + file + ": '" + key + "' takes a value, not a map");
      } else {
        flags.add(o.longestName() + "=" + notEndOfOptions(file, key, o, value));
      }
    }
    return flags;
  }

  /**
   * {@code value}, refused if it (or, for an option that splits its value, one of its pieces) is {@code --}: picocli
   * reads that as the end of the options, so the setting would parse one way from the file and another from the
   * printed configuration (found by ConfigFileFuzz: {@code join: --,x}).
   */
  private static Object notEndOfOptions(Path file, String key, OptionSpec option, Object value) {
    String text = String.valueOf(value);
    String[] pieces = option.splitRegex().isEmpty() ? new String[] {text} : text.split(option.splitRegex(), -1);
    for (String piece : pieces) {
      if (piece.strip().equals("--")) {
        throw new IllegalArgumentException("config file " + file + ": '" + key + "' has the value '--', which the "
            + "command line reads as the end of its options; remove it");
      }
    }
    return value;
  }

  /** The file as UTF-8 text, refused if it is over {@link #MAX_FILE_BYTES}. */
  private static String readText(Path file) throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new IllegalArgumentException("config file " + file + " is over " + (MAX_FILE_BYTES >> 20) + " MiB; a "
          + "config file is a YAML map of flag: value, a few KiB: check that --config names the right file");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("config file " + file + " is not UTF-8 text; save it as UTF-8", e);
    }
  }

  private static Optional<OptionSpec> option(CommandSpec command, String key) {
    if (NOT_CONFIG.contains("--" + key)) {
      return Optional.empty();
    }
    return command.options().stream().filter(o -> o.longestName().equals("--" + key)).findFirst();
  }

  /** The keys a file may set for {@code command}, sorted. */
  static List<String> keys(CommandSpec command) {
    TreeSet<String> keys = new TreeSet<>();
    for (OptionSpec o : command.options()) {
      if (!NOT_CONFIG.contains(o.longestName()) && o.longestName().startsWith("--")) {
        keys.add(o.longestName().substring(2));
      }
    }
    return List.copyOf(keys);
  }

  /** Prints the command's effective settings as a config file. */
  static void print(CommandSpec command, PrintWriter out) {
    Map<String, Object> effective = new LinkedHashMap<>();
    for (String key : keys(command)) {
      OptionSpec o = option(command, key).orElseThrow();
      Object value = o.getValue();
      effective.put(key, yamlValue(value));
    }
    try {
      out.print(YAML.writeValueAsString(effective));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the configuration as YAML", e);
    }
    out.flush();
  }

  private static Object yamlValue(Object value) {
    if (value == null || value instanceof Boolean || value instanceof Number || value instanceof String) {
      return value;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(ConfigFiles::yamlValue).toList();
    }
    if (value.getClass().isArray() && value instanceof int[] ints) {
      return java.util.Arrays.stream(ints).boxed().toList();
    }
    return value.toString();
  }
}
