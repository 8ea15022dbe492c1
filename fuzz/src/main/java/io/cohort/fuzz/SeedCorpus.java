package io.cohort.fuzz;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the seed corpus: for each target, the well-formed inputs its {@code static Map<String, byte[]> seeds()}
 * builds, as {@code <corpus>/<Target>/seed-<name>}. The committed corpus is its output (plus {@code regression-*}
 * inputs of crashes found earlier, which it leaves alone). Usage: {@code SeedCorpus [CORPUS_DIR]}.
 */
public final class SeedCorpus {
  private SeedCorpus() {}

  /** The seeds of {@code target}. */
  @SuppressWarnings("unchecked")
  public static Map<String, byte[]> seedsOf(Class<?> target) {
    try {
      Method seeds = target.getMethod("seeds");
      return (Map<String, byte[]>) seeds.invoke(null);
    } catch (NoSuchMethodException | IllegalAccessException e) {
      throw new IllegalStateException(target.getName() + " has no public static seeds()", e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("building the seeds of " + target.getName() + " failed", e.getCause());
    }
  }

  /** Writes every target's seeds under {@code corpus}; returns how many files it wrote. */
  public static int write(Path corpus) throws IOException {
    int written = 0;
    for (Class<?> target : FuzzTargets.ALL) {
      Path dir = Files.createDirectories(corpus.resolve(target.getSimpleName()));
      for (Map.Entry<String, byte[]> seed : seedsOf(target).entrySet()) {
        Files.write(dir.resolve("seed-" + seed.getKey().replaceAll("[^A-Za-z0-9_.-]", "_")), seed.getValue());
        written++;
      }
    }
    return written;
  }

  public static void main(String[] args) throws IOException {
    Path corpus = args.length > 0 ? Path.of(args[0]) : FuzzRunner.defaultCorpus();
    System.out.println("wrote " + write(corpus) + " seed inputs under " + corpus);
  }
}
