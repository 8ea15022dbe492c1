package io.cohort.coordinator.http;

import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.cohort.coordinator.metrics.CoordinatorMetrics;
import io.cohort.coordinator.round.GlobalModel;
import io.cohort.coordinator.round.RoundDriver;
import io.cohort.coordinator.security.MessageSignatures;
import io.cohort.coordinator.security.TransportSecurity;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.v1.Ack;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.EvaluateResult;
import io.cohort.protocol.v1.LeaveRequest;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.SecAggMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Optional;

/** The protocol's HTTP routes (see {@code cohort.proto} for the contract). */
public final class ProtocolRoutes {
  /** Largest body of the small (single-frame) requests. */
  public static final int MAX_SMALL_BODY = 64 * 1024;
  /** Largest secure-aggregation message (a share bundle grows with the number of neighbours). */
  public static final int MAX_SECAGG_BODY = 4 * 1024 * 1024;
  /** Request header naming the client of a model download. */
  public static final String CLIENT_HEADER = "x-cohort-client";
  /** Request header with the bearer token of a model download (insecure mode only). */
  public static final String TOKEN_HEADER = "x-cohort-token";

  private ProtocolRoutes() {}

  /**
   * Adds the routes to {@code router}. With TLS, every route but {@code /v1/enrol} and {@code /v1/status} needs a
   * client certificate from the client CA that names the client id the request claims, and uploads and
   * secure-aggregation messages must carry a valid signature; in insecure mode the driver checks bearer tokens.
   * Every refusal, accepted update and body byte of a {@code /v1/*} route is counted in {@code metrics}.
   */
  public static void mount(Vertx vertx, Router router, Supplier<RoundDriver> drivers, TransportSecurity security,
      Supplier<JsonObject> status, CoordinatorMetrics metrics) {
    RefusalCounters refusals = new RefusalCounters(metrics);
    RefusalCounters uploadRefusals = refusals.forUploads();
    // Ahead of the cluster gate (order -1): its redirects are protocol replies too.
    router.route("/v1/*").order(-2).handler(ctx -> {
      String path = ctx.request().path();
      if (!path.startsWith("/v1/models") && !path.equals("/v1/status")) { // the client protocol's bytes only
        long arrived = System.nanoTime();
        String route = routeName(path);
        ctx.addEndHandler(ended -> {
          metrics.transferred(ctx.request().bytesRead(), ctx.response().bytesWritten());
          metrics.request(route, System.nanoTime() - arrived);
        });
      }
      ctx.next();
    });
    Guard guard = new Guard(security);
    BodyHandler small = BodyHandler.create(false).setBodyLimit(MAX_SMALL_BODY);
    router.post("/v1/enrol").handler(small).handler(ctx -> respond(ctx, refusals,
        single(ctx, EnrolRequest.parser(), "EnrolRequest")
            .compose(r -> vertx.executeBlocking(() -> security.enrol(r), false)))); // signing: not on the event loop
    router.post("/v1/register").handler(small).handler(ctx -> respond(ctx, refusals,
        single(ctx, RegisterRequest.parser(), "RegisterRequest").compose(r -> attempt(() -> {
          RoundDriver driver = driving(drivers);
          if (!security.enabled()) {
            return driver.register(r);
          }
          Peers.Peer peer = Peers.certified(ctx.request(), security);
          return driver.register(r, peer.clientId(), peer.certificate());
        }))));
    router.post("/v1/tasks").handler(small).handler(ctx -> respond(ctx, refusals,
        single(ctx, PollRequest.parser(), "PollRequest")
            .compose(r -> guard.check(ctx, r.getClientId(), r))
            .compose(r -> attempt(() -> driving(drivers)).compose(d -> d.poll(r)))));
    router.post("/v1/evaluations").handler(small).handler(ctx -> respond(ctx, refusals,
        single(ctx, EvaluateResult.parser(), "EvaluateResult")
            .compose(r -> guard.check(ctx, r.getClientId(), r))
            .compose(r -> attempt(() -> driving(drivers).acceptEvaluation(r)))));
    router.post("/v1/leave").handler(small).handler(ctx -> respond(ctx, refusals,
        single(ctx, LeaveRequest.parser(), "LeaveRequest")
            .compose(r -> guard.check(ctx, r.getClientId(), r))
            .compose(r -> attempt(() -> {
              driving(drivers).leave(r);
              return Ack.newBuilder().setMessage("left").build();
            }))));
    BodyHandler secagg = BodyHandler.create(false).setBodyLimit(MAX_SECAGG_BODY);
    router.post("/v1/secagg").handler(secagg).handler(ctx -> respond(ctx, refusals,
        single(ctx, SecAggMessage.parser(), "SecAggMessage")
            .compose(m -> guard.check(ctx, m.getClientId(), m))
            .compose(m -> attempt(() -> driving(drivers)).compose(d -> verified(vertx, d, security, m)))
            .compose(m -> attempt(() -> driving(drivers).acceptSecAgg(m)))));
    router.post("/v1/updates").handler(ctx -> {
      RoundDriver driver = drivers.get();
      if (driver == null) {
        Replies.error(ctx.response(), notDriving(), uploadRefusals);
        return;
      }
      UpdateUpload.handle(vertx, driver, security, uploadRefusals, metrics, ctx.request());
    });
    router.get("/v1/runs/:run/models/:version").handler(ctx -> {
      try {
        String clientId = ctx.request().getHeader(CLIENT_HEADER);
        guard.require(ctx, clientId == null ? "" : clientId);
        long version = parseVersion(ctx.pathParam("version"));
        RoundDriver driver = driving(drivers);
        GlobalModel model = driver.model(clientId, ctx.request().getHeader(TOKEN_HEADER), ctx.pathParam("run"),
            version);
        ctx.addEndHandler(ended -> driver.countDownload(version, ctx.response().bytesWritten())); // bytes_down
        Replies.frames(ctx.response(), model.frames(), model.bytes());
      } catch (ProtocolException e) {
        Replies.error(ctx.response(), e, refusals);
      }
    });
    router.get("/v1/status").handler(ctx -> {
      JsonObject s = status.get().put("refusals", refusals.toJson());
      // The security summary counts outstanding enrolment tokens, which in a cluster is a network call.
      vertx.executeBlocking(security::describe, false).onComplete(described -> ctx.response()
          .putHeader("content-type", "application/json")
          .end(s.put("security", described.succeeded() ? described.result()
              : new JsonObject().put("error", String.valueOf(described.cause()))).encodePrettily()));
    });
    router.route().last().handler(ctx -> Replies.error(ctx.response(), new ProtocolException(ErrorCode.NOT_FOUND,
        ctx.request().method() + " " + ctx.request().path() + " is not a Cohort endpoint"), refusals));
    router.route().failureHandler(ctx -> {
      Throwable failure = ctx.failure();
      if (failure == null && ctx.statusCode() == 413) {
        failure = new ProtocolException(ErrorCode.TOO_LARGE, "request body exceeds the endpoint's limit ("
            + MAX_SMALL_BODY + " bytes; " + MAX_SECAGG_BODY + " for /v1/secagg)");
      } else if (failure == null) {
        failure = new ProtocolException(ErrorCode.MALFORMED, "request refused with HTTP " + ctx.statusCode());
      }
      Replies.error(ctx.response(), failure, refusals);
    });
  }

  /** The short name a protocol path is measured under (a fixed set, whatever the path holds). */
  static String routeName(String path) {
    return switch (path) {
      case "/v1/enrol" -> "enrol";
      case "/v1/register" -> "register";
      case "/v1/tasks" -> "tasks";
      case "/v1/evaluations" -> "evaluations";
      case "/v1/leave" -> "leave";
      case "/v1/secagg" -> "secagg";
      case "/v1/updates" -> "updates";
      default -> path.startsWith("/v1/runs/") && path.contains("/models/") ? "model-download" : "other";
    };
  }

  /** This node's driver, or a retryable refusal when it has none (in a cluster, the gate redirects first). */
  private static RoundDriver driving(Supplier<RoundDriver> drivers) throws ProtocolException {
    RoundDriver driver = drivers.get();
    if (driver == null) {
      throw notDriving();
    }
    return driver;
  }

  private static ProtocolException notDriving() {
    return new ProtocolException(ErrorCode.UNAVAILABLE, "this coordinator node is not driving the run yet; retry");
  }

  /** With TLS: the request's certificate must name the client the message claims. Insecure: the driver checks. */
  private record Guard(TransportSecurity security) {
    <T> Future<T> check(RoutingContext ctx, String claimedClientId, T message) {
      return attempt(() -> {
        require(ctx, claimedClientId);
        return message;
      });
    }

    void require(RoutingContext ctx, String claimedClientId) throws ProtocolException {
      if (security.enabled()) {
        Peers.requireSame(Peers.certified(ctx.request(), security), claimedClientId);
      }
    }
  }

  /** With TLS, checks the message's signature on a worker against the certificate the client registered with. */
  private static Future<SecAggMessage> verified(Vertx vertx, RoundDriver driver, TransportSecurity security,
      SecAggMessage message) {
    if (!security.enabled()) {
      return Future.succeededFuture(message);
    }
    Optional<X509Certificate> signer = driver.certificateOf(message.getClientId());
    if (signer.isEmpty()) {
      return Future.succeededFuture(message); // not registered: the driver answers UNKNOWN_CLIENT
    }
    return vertx.executeBlocking(() -> {
      MessageSignatures.verifySecAgg(signer.get(), message);
      return message;
    }, false);
  }

  /** A step that may refuse with a protocol error. */
  @FunctionalInterface
  private interface Step<T> {
    T run() throws ProtocolException;
  }

  private static <T> Future<T> attempt(Step<T> step) {
    try {
      return Future.succeededFuture(step.run());
    } catch (ProtocolException e) {
      return Future.failedFuture(e);
    }
  }

  private static long parseVersion(String text) throws ProtocolException {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new ProtocolException(ErrorCode.MALFORMED, "model version '" + text + "' is not a number");
    }
  }

  private static <T> Future<T> single(RoutingContext ctx, Parser<T> parser, String what) {
    Buffer body = ctx.body().buffer();
    if (body == null) {
      return Future.failedFuture(new ProtocolException(ErrorCode.MALFORMED, "empty body; expected a " + what + " frame"));
    }
    try {
      return Future.succeededFuture(Frames.readSingle(new ByteArrayInputStream(body.getBytes()), parser, what));
    } catch (ProtocolException e) {
      return Future.failedFuture(e);
    } catch (IOException e) {
      return Future.failedFuture(new ProtocolException(ErrorCode.MALFORMED, e.getMessage(), e));
    }
  }

  private static void respond(RoutingContext ctx, RefusalCounters refusals, Future<? extends MessageLite> reply) {
    reply.onSuccess(message -> Replies.ok(ctx.response(), message))
        .onFailure(e -> Replies.error(ctx.response(), e, refusals));
  }
}
