package io.cohort.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;

/** Versions of Cohort and the libraries it runs on, from the build. */
final class Versions {
  private Versions() {}

  static Map<String, String> all() {
    Properties p = new Properties();
    try (InputStream in = Versions.class.getResourceAsStream("/cohort-versions.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cohort-versions.properties unreadable", e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : new String[] {"cohort", "vertx", "nd4j", "tribuo", "bouncycastle", "protobuf"}) {
      out.put(key, p.getProperty(key, "unknown"));
    }
    out.put("git", io.cohort.coordinator.Provenance.gitCommit().orElse("unknown"));
    return out;
  }

  /** picocli's {@code --version}. */
  static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return all().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toArray(String[]::new);
    }
  }
}
