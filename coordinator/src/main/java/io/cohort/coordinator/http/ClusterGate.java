package io.cohort.coordinator.http;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.cohort.coordinator.cluster.ClusterStatus;
import io.cohort.coordinator.cluster.CoordinatorCluster;
import io.cohort.coordinator.cluster.DriverInfo;
import io.cohort.protocol.Frames;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The front door of a coordinator cluster node: a protocol request reaches this node's driver only while it drives;
 * otherwise it is answered with HTTP 307 to the same path on the driving node (an {@code Error} frame, code
 * UNAVAILABLE, retryable, explains), or with 503 UNAVAILABLE while no node drives (a takeover is in progress).
 * Enrolment and status are served by every node. Nodes find each other's client-facing URLs in a replicated map, so
 * the gate never blocks the event loop.
 */
public final class ClusterGate {
  /** Hazelcast replicated map: member id to the URL clients reach that member's coordinator at. */
  static final String NODES_MAP = "cohort.nodes";
  private static final Set<String> ANY_NODE = Set.of("/v1/enrol", "/v1/status");

  private ClusterGate() {}

  /** Publishes this node's client-facing URL to the cluster. Blocking: call it from a worker. */
  public static void advertise(CoordinatorCluster cluster, String url) {
    nodes(cluster).put(cluster.localMemberId(), url);
  }

  /** Adds the gate in front of the protocol routes (mount it before {@link ProtocolRoutes#mount}). */
  public static void mount(Vertx vertx, Router router, CoordinatorCluster cluster, BooleanSupplier drives) {
    ReplicatedMap<String, String> nodes = nodes(cluster);
    router.route("/v1/*").order(-1).handler(ctx -> {
      if (ANY_NODE.contains(ctx.request().path()) || drives.getAsBoolean()) {
        ctx.next();
        return;
      }
      Optional<DriverInfo> driver = cluster.election().currentDriver();
      String url = driver.filter(d -> !d.memberId().equals(cluster.localMemberId()))
          .map(d -> nodes.get(d.memberId())).orElse(null);
      boolean redirect = url != null && cluster.members().stream().anyMatch(m -> m.id().equals(
          driver.get().memberId()));
      String message = redirect
          ? "this coordinator node does not drive the run; node " + driver.get().memberId() + " at " + url + " does"
          : "no coordinator node drives the run right now (a takeover is in progress); retry in a few seconds";
      byte[] body = Frames.encode(Error.newBuilder().setCode(ErrorCode.UNAVAILABLE).setMessage(message)
          .setRetryable(true).build());
      ctx.response().setStatusCode(redirect ? 307 : 503).putHeader("content-type", Frames.CONTENT_TYPE);
      if (redirect) {
        // The path the router matched (it starts with /v1/) and the query: never the raw request target, which
        // could smuggle another authority into the Location.
        String query = ctx.request().query();
        ctx.response().putHeader("location", url + ctx.request().path() + (query == null ? "" : "?" + query));
      } else {
        ctx.response().putHeader("retry-after", "1");
      }
      ctx.response().end(Buffer.buffer(body));
    });
  }

  /** The cluster section of the status endpoint: members, driver, and each member's client URL. Non-blocking. */
  public static JsonObject describe(CoordinatorCluster cluster) {
    JsonObject json = ClusterStatus.of(cluster).toJson();
    ReplicatedMap<String, String> nodes = nodes(cluster);
    for (Object m : json.getJsonArray("members")) {
      JsonObject member = (JsonObject) m;
      member.put("url", nodes.get(member.getString("id")));
    }
    JsonObject driver = json.getJsonObject("driver");
    if (driver != null) {
      driver.put("url", nodes.get(driver.getString("memberId")));
    }
    return json;
  }

  private static ReplicatedMap<String, String> nodes(CoordinatorCluster cluster) {
    return cluster.hazelcast().getReplicatedMap(NODES_MAP);
  }
}
