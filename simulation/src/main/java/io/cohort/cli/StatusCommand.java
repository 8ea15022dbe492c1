package io.cohort.cli;

import io.cohort.crypto.pki.PemFiles;
import io.cohort.crypto.pki.TlsContexts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cohort status}: what a running coordinator is doing, from its {@code GET /v1/status}. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show a running coordinator's run: round progress (invited, answered, dropped), history, transport "
        + "security and refused requests.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--coordinator", required = true, description = "the coordinator's URL, e.g. https://host:7000")
  URI coordinator;

  @Option(names = "--ca", paramLabel = "FILE",
      description = "the coordinator's CA certificate (its --tls-dir/ca.pem); required for https")
  Path ca;

  @Option(names = "--json", description = "print the coordinator's status JSON as it is")
  boolean json;

  @Override
  public Integer call() throws Exception {
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    if ("https".equals(coordinator.getScheme())) {
      if (ca == null) {
        throw new IllegalArgumentException("--ca FILE is required for an https coordinator: its CA certificate "
            + "(ca.pem in its --tls-dir)");
      }
      http.sslContext(TlsContexts.client(PemFiles.readCertificates(ca).get(0), Optional.empty()));
    }
    HttpResponse<String> response;
    try {
      response = http.build().send(HttpRequest.newBuilder(coordinator.resolve("/v1/status"))
          .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach the coordinator at " + coordinator + ": " + e, e);
    }
    if (response.statusCode() != 200) {
      throw new IllegalStateException("the coordinator answered HTTP " + response.statusCode() + " to /v1/status");
    }
    PrintWriter out = spec.commandLine().getOut();
    JsonObject s = new JsonObject(response.body());
    if (json) {
      out.println(s.encodePrettily());
    } else {
      out.print(describe(s));
    }
    out.flush();
    return 0;
  }

  /** A few lines for a person. */
  static String describe(JsonObject s) {
    StringBuilder b = new StringBuilder();
    JsonArray history = s.getJsonArray("history", new JsonArray());
    b.append(String.format("run %s: %d of %d rounds done, %s on %s, model version %d, %d clients registered%s%n",
        s.getString("run"), history.size(), s.getInteger("roundsPlanned", 0), s.getString("strategy"),
        s.getString("model"), s.getLong("modelVersion", 0L), s.getInteger("registered", 0),
        s.getBoolean("finished", false) ? ", finished" : ""));
    JsonObject round = s.getJsonObject("round");
    if (round != null) {
      b.append(String.format("round %d (%s): invited %d, answered %d, dropped %d%n", round.getInteger("number"),
          round.getString("stage"), round.getInteger("invited"), round.getInteger("answered"),
          round.getInteger("dropped")));
    }
    for (int i = Math.max(0, history.size() - 5); i < history.size(); i++) {
      JsonObject r = history.getJsonObject(i);
      b.append(String.format("  round %d: %s, %d/%d clients, %.2f s%n", r.getInteger("round"),
          r.getBoolean("completed") ? "aggregated" : "failed", r.getInteger("accepted"), r.getInteger("invited"),
          r.getDouble("seconds")));
    }
    if (s.containsKey("security")) {
      b.append("security: ").append(s.getValue("security")).append(System.lineSeparator());
    }
    if (s.containsKey("refusals")) {
      b.append("refused requests: ").append(s.getValue("refusals")).append(System.lineSeparator());
    }
    return b.toString();
  }
}
