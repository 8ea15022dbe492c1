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
        + "security, refused requests and, for a cluster, its members and which node drives (asked of a node that "
        + "does not drive, it also asks the driving node for the round's progress).")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @picocli.CommandLine.Mixin ConfigOptions configOptions;

  @Option(names = "--coordinator", required = true, description = "the coordinator's URL, e.g. https://host:7000")
  URI coordinator;

  @Option(names = "--ca", paramLabel = "FILE",
      description = "the coordinator's CA certificate (its --tls-dir/ca.pem); required for https")
  Path ca;

  @Option(names = "--json", description = "print the coordinator's status JSON as it is")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (configOptions.print) {
      ConfigFiles.print(spec, spec.commandLine().getOut());
      return 0;
    }
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    if ("https".equals(coordinator.getScheme())) {
      if (ca == null) {
        throw new IllegalArgumentException("--ca FILE is required for an https coordinator: its CA certificate "
            + "(ca.pem in its --tls-dir)");
      }
      http.sslContext(TlsContexts.client(PemFiles.readCertificates(ca).get(0), Optional.empty()));
    }
    HttpClient client = http.build();
    JsonObject s = fetch(client, coordinator);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(s.encodePrettily());
      out.flush();
      return 0;
    }
    String driverUrl = driverUrl(s);
    if (!s.getBoolean("driving", true) && driverUrl != null) {
      JsonObject driving = fetch(client, URI.create(driverUrl));
      out.print(describe(driving.put("cluster", s.getJsonObject("cluster"))));
      out.printf("(asked %s, which stands by; the run's progress is from the driving node %s)%n", coordinator,
          driverUrl);
    } else {
      out.print(describe(s));
    }
    out.flush();
    return 0;
  }

  private static JsonObject fetch(HttpClient http, URI node) throws InterruptedException {
    HttpResponse<String> response;
    try {
      response = http.send(HttpRequest.newBuilder(node.resolve("/v1/status"))
          .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach the coordinator at " + node + ": " + e, e);
    }
    if (response.statusCode() != 200) {
      throw new IllegalStateException("the coordinator at " + node + " answered HTTP " + response.statusCode()
          + " to /v1/status");
    }
    return new JsonObject(response.body());
  }

  private static String driverUrl(JsonObject s) {
    JsonObject cluster = s.getJsonObject("cluster");
    JsonObject driver = cluster == null ? null : cluster.getJsonObject("driver");
    return driver == null ? null : driver.getString("url");
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
    JsonObject cluster = s.getJsonObject("cluster");
    if (cluster != null) {
      JsonObject driver = cluster.getJsonObject("driver");
      JsonArray members = cluster.getJsonArray("members", new JsonArray());
      b.append(String.format("cluster '%s': %d member%s, %s%n", cluster.getString("name"), members.size(),
          members.size() == 1 ? "" : "s", driver == null ? "no node drives (a takeover is in progress)"
              : "driver " + driver.getString("memberId") + " at " + driver.getString("url") + ", term "
                  + driver.getLong("term")));
      for (Object m : members) {
        JsonObject member = (JsonObject) m;
        b.append(String.format("  %s %s %s%s%s%n", member.getString("id"), member.getString("address"),
            member.getString("url"), member.getBoolean("driver", false) ? " (drives)" : "",
            member.getBoolean("local", false) ? " (answered this request)" : ""));
      }
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
