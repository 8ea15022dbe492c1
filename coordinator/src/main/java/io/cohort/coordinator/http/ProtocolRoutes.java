package io.cohort.coordinator.http;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.cohort.coordinator.round.GlobalModel;
import io.cohort.coordinator.round.RoundDriver;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.v1.Ack;
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

/** The protocol's HTTP routes (see {@code cohort.proto} for the contract). */
public final class ProtocolRoutes {
  /** Largest body of the small (single-frame) requests. */
  public static final int MAX_SMALL_BODY = 64 * 1024;
  /** Largest secure-aggregation message (a share bundle grows with the number of neighbours). */
  public static final int MAX_SECAGG_BODY = 4 * 1024 * 1024;
  /** Request headers that authenticate a model download. */
  public static final String CLIENT_HEADER = "x-cohort-client";
  public static final String TOKEN_HEADER = "x-cohort-token";

  private ProtocolRoutes() {}

  /** Adds the routes to {@code router}. */
  public static void mount(Vertx vertx, Router router, RoundDriver driver) {
    BodyHandler small = BodyHandler.create(false).setBodyLimit(MAX_SMALL_BODY);
    router.post("/v1/register").handler(small).handler(ctx ->
        respond(ctx, single(ctx, RegisterRequest.parser(), "RegisterRequest").compose(r -> attempt(() -> driver.register(r)))));
    router.post("/v1/tasks").handler(small).handler(ctx ->
        respond(ctx, single(ctx, PollRequest.parser(), "PollRequest").compose(driver::poll)));
    router.post("/v1/evaluations").handler(small).handler(ctx ->
        respond(ctx, single(ctx, EvaluateResult.parser(), "EvaluateResult").compose(r -> attempt(() -> driver.acceptEvaluation(r)))));
    router.post("/v1/leave").handler(small).handler(ctx ->
        respond(ctx, single(ctx, LeaveRequest.parser(), "LeaveRequest").compose(r -> attempt(() -> {
          driver.leave(r);
          return Ack.newBuilder().setMessage("left").build();
        }))));
    BodyHandler secagg = BodyHandler.create(false).setBodyLimit(MAX_SECAGG_BODY);
    router.post("/v1/secagg").handler(secagg).handler(ctx ->
        respond(ctx, single(ctx, SecAggMessage.parser(), "SecAggMessage").compose(m -> attempt(() -> driver.acceptSecAgg(m)))));
    router.post("/v1/updates").handler(ctx -> UpdateUpload.handle(vertx, driver, ctx.request()));
    router.get("/v1/runs/:run/models/:version").handler(ctx -> {
      try {
        long version = parseVersion(ctx.pathParam("version"));
        GlobalModel model = driver.model(ctx.request().getHeader(CLIENT_HEADER),
            ctx.request().getHeader(TOKEN_HEADER), ctx.pathParam("run"), version);
        Replies.frames(ctx.response(), model.frames(), model.bytes());
      } catch (ProtocolException e) {
        Replies.error(ctx.response(), e);
      }
    });
    router.get("/v1/status").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        .end(driver.status().encodePrettily()));
    router.route().last().handler(ctx -> Replies.error(ctx.response(), new ProtocolException(ErrorCode.NOT_FOUND,
        ctx.request().method() + " " + ctx.request().path() + " is not a Cohort endpoint")));
    router.route().failureHandler(ctx -> {
      Throwable failure = ctx.failure();
      if (failure == null && ctx.statusCode() == 413) {
        failure = new ProtocolException(ErrorCode.TOO_LARGE, "request body exceeds the endpoint's limit ("
            + MAX_SMALL_BODY + " bytes; " + MAX_SECAGG_BODY + " for /v1/secagg)");
      } else if (failure == null) {
        failure = new ProtocolException(ErrorCode.MALFORMED, "request refused with HTTP " + ctx.statusCode());
      }
      Replies.error(ctx.response(), failure);
    });
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

  private static void respond(RoutingContext ctx, Future<? extends MessageLite> reply) {
    reply.onSuccess(message -> Replies.ok(ctx.response(), message))
        .onFailure(e -> Replies.error(ctx.response(), e));
  }
}
