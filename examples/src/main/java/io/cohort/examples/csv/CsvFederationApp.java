package io.cohort.examples.csv;

import io.cohort.client.ClientReport;
import io.cohort.client.CohortClient;
import io.cohort.client.TribuoDatasetSource;
import io.cohort.tribuo.FeatureMapping;
import io.cohort.tribuo.TribuoData;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;

/**
 * An organisation's side of a federation over a CSV file, as an app would embed Cohort: read the private CSV with
 * Tribuo, hand it to the SDK, and take part in the coordinator's run until it ends. The rows never leave this
 * process; only model updates do (over mutual TLS, secure-aggregated when the coordinator runs it).
 *
 * <pre>
 * java -cp examples.jar io.cohort.examples.csv.CsvFederationApp \
 *     --coordinator https://coordinator:7000 --ca ca.pem --enrol-token TOKEN \
 *     --csv hospital-a.csv --label outcome --features age,bmi,glucose --labels no,yes
 * </pre>
 *
 * <p>Every participant must list the same {@code --features} and {@code --labels}, in the same order: that order is
 * the model's input and output layout. {@code --features} may be left out when every participant's CSV has the same
 * columns (they are then taken sorted by name); {@code --labels} may not, as one site may lack a class.
 */
public final class CsvFederationApp {
  private CsvFederationApp() {}

  /** Runs the app; exits 0 when the run finished, 1 when it failed, 2 on a bad argument. */
  public static void main(String[] args) {
    try {
      ClientReport report = run(args);
      System.out.printf("finished: %d rounds trained, %d updates refused (%s)%n", report.roundsTrained(),
          report.updatesRejected(), report.finishReason());
      System.exit(0);
    } catch (IllegalArgumentException e) {
      System.err.println("csv-federation: " + e.getMessage());
      System.exit(2);
    } catch (Exception e) {
      System.err.println("csv-federation: " + e.getMessage());
      System.exit(1);
    }
  }

  /** Takes part in the coordinator's run with the CSV named in {@code args}; returns when the run is over. */
  public static ClientReport run(String... args) throws Exception {
    Map<String, String> options = parse(args);
    Path csv = Path.of(required(options, "csv"));
    String labelColumn = required(options, "label");
    MutableDataset<Label> rows = TribuoData.readCsv(csv, labelColumn);
    List<String> labels = Arrays.asList(required(options, "labels").split(","));
    List<String> features = options.containsKey("features")
        ? Arrays.asList(options.get("features").split(","))
        : FeatureMapping.of(rows).featureNames();
    FeatureMapping mapping = FeatureMapping.of(features, labels);
    System.out.printf("%s: %d rows, features %s, labels %s%n", csv.getFileName(), rows.size(), features, labels);

    List<URI> coordinators = new ArrayList<>();
    for (String url : required(options, "coordinator").split(",")) {
      coordinators.add(URI.create(url.trim()));
    }
    CohortClient.Builder client = CohortClient.builder()
        .coordinators(coordinators)
        .name(options.getOrDefault("name", csv.getFileName().toString()))
        .data(TribuoDatasetSource.of(rows, mapping));
    if (options.containsKey("insecure")) {
      client.insecure();
    } else {
      client.trustedCoordinatorCa(Path.of(required(options, "ca")));
      if (options.containsKey("enrol-token")) {
        client.enrolmentToken(options.get("enrol-token"));
      }
      if (options.containsKey("identity-dir")) {
        client.identityDirectory(Path.of(options.get("identity-dir")));
      }
    }
    if (options.containsKey("plaintext")) {
      client.requireSecureAggregation(false); // for a coordinator run with --no-secure-agg
    }
    try (CohortClient running = client.build()) {
      return running.run();
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
      }
      String key = args[i].substring(2);
      boolean flag = key.equals("insecure") || key.equals("plaintext");
      if (!flag && i + 1 >= args.length) {
        throw new IllegalArgumentException("--" + key + " needs a value");
      }
      options.put(key, flag ? "true" : args[++i]);
    }
    return options;
  }

  private static String required(Map<String, String> options, String key) {
    String value = options.get(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--" + key + " is required (usage: --coordinator URL[,URL] --ca ca.pem "
          + "--enrol-token TOKEN --csv FILE --label COLUMN --labels A,B[,...] [--features F1,F2,...] "
          + "[--identity-dir DIR] [--name NAME] [--plaintext] [--insecure])");
    }
    return value;
  }
}
