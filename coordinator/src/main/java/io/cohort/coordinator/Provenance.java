package io.cohort.coordinator;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a model came from: the settings of the run that trained it, the source commit and the libraries. Carried by
 * every model version of the registry ({@code GET /v1/models}) and, in the simulation, by {@code summary.json}.
 */
public final class Provenance {
  private Provenance() {}

  /**
   * The git commit this code was built from: found by walking up from where the classes were loaded (a build in a
   * checkout), else from the working directory, to a {@code .git} directory, then reading {@code HEAD} and the ref it
   * names; empty elsewhere (say, a jar copied out of the tree and run outside it).
   */
  public static Optional<String> gitCommit() {
    try {
      Path classes = Path.of(Provenance.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Optional<String> commit = commitAbove(classes);
      if (commit.isPresent()) {
        return commit;
      }
      // Classes from the local Maven repository: the checkout being worked in, but only if it is Cohort's.
      Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
      for (Path dir = cwd; dir != null; dir = dir.getParent()) {
        if (Files.exists(dir.resolve(".git"))) {
          return Files.exists(dir.resolve("coordinator/src/main/java/io/cohort/coordinator/Provenance.java"))
              ? commitAbove(dir) : Optional.empty();
        }
      }
      return Optional.empty();
    } catch (URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> commitAbove(Path at) {
    try {
      for (Path dir = at; dir != null; dir = dir.getParent()) {
        Path git = dir.resolve(".git");
        if (Files.isDirectory(git)) {
          return commitOf(git);
        }
        if (Files.isRegularFile(git)) { // a worktree: "gitdir: PATH"
          String pointer = Files.readString(git).trim();
          if (pointer.startsWith("gitdir:")) {
            return commitOf(dir.resolve(pointer.substring(7).trim()));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static Optional<String> commitOf(Path git) throws IOException {
    String head = Files.readString(git.resolve("HEAD")).trim();
    if (!head.startsWith("ref:")) {
      return Optional.of(head);
    }
    String ref = head.substring(4).trim();
    Path loose = git.resolve(ref);
    if (!Files.exists(loose) && Files.isRegularFile(git.resolve("commondir"))) {
      loose = git.resolve(Files.readString(git.resolve("commondir")).trim()).resolve(ref);
    }
    if (Files.exists(loose)) {
      return Optional.of(Files.readString(loose).trim());
    }
    Path common = Files.isRegularFile(git.resolve("commondir"))
        ? git.resolve(Files.readString(git.resolve("commondir")).trim()) : git;
    Path packed = common.resolve("packed-refs");
    if (Files.exists(packed)) {
      for (String line : Files.readAllLines(packed)) {
        if (line.endsWith(" " + ref)) {
          return Optional.of(line.substring(0, line.indexOf(' ')));
        }
      }
    }
    return Optional.empty();
  }

  /** The run's settings, the commit and the runtime's library versions, as JSON-friendly values. */
  public static Map<String, Object> of(CoordinatorConfig config) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("model", config.model().describe());
    settings.put("strategy", config.strategy().name());
    settings.put("rounds", config.rounds());
    settings.put("fraction", config.fraction());
    settings.put("minClients", config.minClients());
    settings.put("seed", config.seed());
    settings.put("train", config.train().toString());
    settings.put("secureAggregation", config.secureAggregation().enabled());
    settings.put("differentialPrivacy", config.differentialPrivacy().map(Object::toString).orElse(null));
    Map<String, Object> versions = new LinkedHashMap<>();
    versions.put("java", Runtime.version().toString());
    versions.put("vertx", packageVersion(io.vertx.core.Vertx.class));
    versions.put("hazelcast", packageVersion(com.hazelcast.core.Hazelcast.class));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("settings", settings);
    out.put("gitCommit", gitCommit().orElse(null));
    out.put("versions", versions);
    return out;
  }

  private static String packageVersion(Class<?> type) {
    String v = type.getPackage().getImplementationVersion();
    return v != null ? v : "unknown";
  }
}
