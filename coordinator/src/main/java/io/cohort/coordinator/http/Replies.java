package io.cohort.coordinator.http;

import com.google.protobuf.MessageLite;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes framed replies, and maps every failure to an HTTP status and an Error frame, logging it once. */
final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

  private Replies() {}

  static Future<Void> ok(HttpServerResponse response, MessageLite message) {
    return response.setStatusCode(200)
        .putHeader("content-type", Frames.CONTENT_TYPE)
        .end(Buffer.buffer(Frames.encode(message)));
  }

  /** Streams shared frames with back-pressure: the next frame is written only when the connection drains. */
  static Future<Void> frames(HttpServerResponse response, List<Buffer> frames, long totalBytes) {
    response.setStatusCode(200)
        .putHeader("content-type", Frames.CONTENT_TYPE)
        .putHeader("content-length", Long.toString(totalBytes));
    Iterator<Buffer> next = frames.iterator();
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    Runnable pump = new Runnable() {
      @Override
      public void run() {
        while (next.hasNext()) {
          response.write(next.next());
          if (response.writeQueueFull()) {
            response.drainHandler(v -> run());
            return;
          }
        }
        response.end().onComplete(done);
      }
    };
    pump.run();
    return done.future();
  }

  static void error(HttpServerResponse response, Throwable failure, RefusalCounters refusals) {
    ProtocolException e = failure instanceof ProtocolException p ? p
        : new ProtocolException(ErrorCode.INTERNAL, "internal error: " + failure.getMessage(), failure);
    refusals.count(e.code());
    if (e.code() == ErrorCode.INTERNAL) {
      LOG.error("request failed", failure);
    } else if (e.code() == ErrorCode.BAD_SIGNATURE) {
      LOG.warn("request refused: {} {}", e.code(), e.getMessage()); // only a certified client gets this far
    } else {
      LOG.debug("request refused: {} {}", e.code(), e.getMessage());
    }
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    Error body = Error.newBuilder()
        .setCode(e.code())
        .setMessage(e.getMessage())
        .setRetryable(e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.INTERNAL)
        .build();
    response.setStatusCode(status(e.code()))
        .putHeader("content-type", Frames.CONTENT_TYPE)
        .end(Buffer.buffer(Frames.encode(body)));
  }

  static int status(ErrorCode code) {
    return switch (code) {
      case MALFORMED, SHAPE_MISMATCH, NON_FINITE -> 400;
      case UNKNOWN_CLIENT, UNAUTHENTICATED, BAD_SIGNATURE -> 401;
      case NOT_FOUND -> 404;
      case ROUND_NOT_OPEN, NOT_INVITED, DUPLICATE_UPDATE, STALE_MODEL, WRONG_STAGE, SECAGG_REFUSED -> 409;
      case TOO_LARGE -> 413;
      case TIMED_OUT -> 408;
      case UNAVAILABLE -> 503;
      default -> 500;
    };
  }
}
