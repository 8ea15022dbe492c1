package io.cohort.coordinator.http;

import io.cohort.coordinator.metrics.CoordinatorMetrics;
import io.cohort.coordinator.round.RoundDriver;
import io.cohort.coordinator.round.UploadTicket;
import io.cohort.coordinator.security.MessageSignatures;
import io.cohort.coordinator.security.TransportSecurity;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.SignedPayloads;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.security.cert.X509Certificate;

/**
 * Receives one streamed update: an UpdateHeader frame, checked on the event loop before anything else is read, then
 * TensorChunk frames, each parsed and validated on a worker while the request is paused (back-pressure), then the
 * fold. With TLS the header must come from the client its certificate names and carry a signature, every frame is
 * hashed as it arrives (on the worker that parses it), and the signature over the header and the frames is checked
 * before the fold. The first failure is answered with its Error frame once the body has ended: the rest of the body
 * is read and discarded (up to the most any upload to the run may take), so the answer comes on a connection still in
 * step; a body over its limit is answered and the connection closed. A rejected upload leaves the round as it was.
 */
final class UpdateUpload {
  private static final int MAX_HEADER_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final RoundDriver driver;
  private final TransportSecurity security;
  private final RefusalCounters refusals;
  private final CoordinatorMetrics metrics;
  private final HttpServerRequest request;
  // Framing: each frame's bytes go once, straight from the network buffers into an array of the frame's exact size
  // (its length prefix says how big), which the protobuf parser then reads without copying the tensor data again.
  private final byte[] prefix = new byte[Frames.PREFIX_BYTES];
  private int prefixFilled;
  private byte[] frame; // the frame being filled; null while a length prefix is read
  private int frameFilled;
  private Buffer pending; // received, not yet framed (a frame's processing paused the request midway through it)
  private int pendingOffset;
  private boolean paused;
  private boolean ended; // the body has ended (seen while paused: handled on resume)
  private UploadTicket ticket;
  private SignedPayloads.UploadDigest digest; // with TLS: the running digest of the signed payload
  private X509Certificate signer;
  private long bodyBytes;
  private ProtocolException failure;
  private boolean answered;
  private boolean counted;
  private Runnable waiter; // set while the upload waits for a validation slot
  private boolean gone; // the connection closed
  private long deadline = -1; // the upload timeout's timer while it runs
  private long deadlineAt; // when it fires (System.nanoTime)

  private UpdateUpload(Vertx vertx, RoundDriver driver, TransportSecurity security, RefusalCounters refusals,
      CoordinatorMetrics metrics, HttpServerRequest request) {
    this.vertx = vertx;
    this.driver = driver;
    this.security = security;
    this.refusals = refusals;
    this.metrics = metrics;
    this.request = request;
  }

  static void handle(Vertx vertx, RoundDriver driver, TransportSecurity security, RefusalCounters refusals,
      CoordinatorMetrics metrics, HttpServerRequest request) {
    new UpdateUpload(vertx, driver, security, refusals, metrics, request).start();
  }

  private void start() {
    request.handler(this::onData);
    request.exceptionHandler(e -> fail(new ProtocolException(ErrorCode.MALFORMED,
        "upload broke off: " + e.getMessage())));
    request.endHandler(v -> {
      ended = true;
      if (!paused) {
        onEnd();
      }
    });
    request.response().closeHandler(v -> onGone());
    startDeadline();
    request.resume();
  }

  /**
   * (Re)starts the upload timeout: the body must arrive within it, so that a client that drips its body cannot hold a
   * validation slot. It starts with the request and again when a wait for a slot ends; it does not run during one.
   */
  private void startDeadline() {
    runDeadline(driver.uploadTimeout().toMillis());
  }

  /** Arms the upload timeout to fire after {@code millis} more of the client's time. */
  private void runDeadline(long millis) {
    stopDeadline();
    long timeout = driver.uploadTimeout().toMillis();
    deadlineAt = System.nanoTime() + millis * 1_000_000L;
    deadline = vertx.setTimer(Math.max(1, millis), id -> {
      deadline = -1;
      if (!ended && !answered && failure == null) {
        failAndClose(new ProtocolException(ErrorCode.TIMED_OUT, "the update did not arrive within the upload "
            + "timeout of " + timeout / 1000.0 + " s (" + bodyBytes + " bytes received); send it again over a faster "
            + "link, or ask the coordinator's operator for a longer --upload-timeout"));
      }
    });
  }

  /** Stops the upload timeout; returns the milliseconds it had left (0 if it was not running). */
  private long stopDeadline() {
    if (deadline < 0) {
      return 0;
    }
    vertx.cancelTimer(deadline);
    deadline = -1;
    return Math.max(1, (deadlineAt - System.nanoTime()) / 1_000_000L);
  }

  private void onData(Buffer data) {
    bodyBytes += data.length();
    // A refused upload's body is read and discarded up to what any upload may take, so that the refusal is answered
    // on a connection still in step (see RoundDriver.maxUploadBodyBytes); before its header, only a header fits.
    long limit = ticket != null ? ticket.maxBodyBytes()
        : failure != null ? driver.maxUploadBodyBytes() : MAX_HEADER_BYTES + Frames.PREFIX_BYTES;
    if (bodyBytes > limit) {
      failAndClose(new ProtocolException(ErrorCode.TOO_LARGE,
          "update body exceeds " + limit + " bytes for this model; send the update of the model, nothing more"));
      return;
    }
    if (failure != null) {
      return; // discard the rest of a rejected body
    }
    if (pending != null) { // arrived although paused: keep it behind what is still unframed
      pending = pending.slice(pendingOffset, pending.length()).copy().appendBuffer(data);
      pendingOffset = 0;
    } else {
      pending = data;
      pendingOffset = 0;
    }
    drain();
  }

  /** Frames what has been received, until it is used up or a frame's processing pauses the request. */
  private void drain() {
    while (!paused && failure == null && pending != null && pendingOffset < pending.length()) {
      int available = pending.length() - pendingOffset;
      if (frame == null) {
        int n = Math.min(Frames.PREFIX_BYTES - prefixFilled, available);
        pending.getBytes(pendingOffset, pendingOffset + n, prefix, prefixFilled);
        pendingOffset += n;
        prefixFilled += n;
        if (prefixFilled < Frames.PREFIX_BYTES) {
          break;
        }
        prefixFilled = 0;
        int frameLimit = ticket == null ? MAX_HEADER_BYTES : Frames.MAX_FRAME_BYTES;
        int length;
        try {
          length = Frames.readPrefix(prefix, 0, frameLimit);
        } catch (ProtocolException e) {
          failAndClose(e);
          return;
        }
        if (length == 0) {
          onFrame(new byte[0]);
        } else {
          frame = new byte[length];
          frameFilled = 0;
        }
      } else {
        int n = Math.min(frame.length - frameFilled, available);
        pending.getBytes(pendingOffset, pendingOffset + n, frame, frameFilled);
        pendingOffset += n;
        frameFilled += n;
        if (frameFilled == frame.length) {
          byte[] complete = frame;
          frame = null;
          onFrame(complete);
        }
      }
    }
    if (pending != null && pendingOffset >= pending.length()) {
      pending = null;
    }
  }

  /** Stops reading the body until {@link #resumeReading}. */
  private void pauseReading() {
    paused = true;
    request.pause();
  }

  /** Frames what was left over, then reads on (or finishes, if the body ended meanwhile). */
  private void resumeReading() {
    paused = false;
    drain();
    if (paused) {
      return;
    }
    if (ended) {
      onEnd();
    } else {
      request.resume();
    }
  }

  private void onFrame(byte[] bytes) {
    if (ticket == null) {
      UpdateHeader header;
      try {
        header = Frames.parse(bytes, UpdateHeader.parser());
        if (security.enabled()) {
          Peers.requireSame(Peers.certified(request, security), header.getClientId());
          MessageSignatures.requireSigned(header);
        }
      } catch (ProtocolException e) {
        fail(e);
        return;
      }
      admit(header, false);
      return;
    }
    if (!driver.isOpen(ticket)) {
      fail(new ProtocolException(ErrorCode.ROUND_NOT_OPEN, "round " + ticket.header().getRound()
          + " closed while the update was uploading"));
      return;
    }
    pauseReading();
    // Validation is the coordinator's time, not the client's: the upload timeout stands still meanwhile.
    long left = stopDeadline();
    UploadTicket current = ticket;
    SignedPayloads.UploadDigest running = digest;
    vertx.executeBlocking(() -> {
      if (running != null) {
        running.addFrame(bytes); // frames reach here one at a time, in order: reading is paused meanwhile
      }
      current.accept(Frames.parseAliasing(bytes, TensorChunk.parser())); // the array is this frame's alone
      return null;
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        fail(ar.cause());
      }
      if (left > 0 && !answered && !gone) {
        runDeadline(left);
      }
      resumeReading();
    });
  }

  /**
   * Admits the upload whose header is {@code header}, or, while every validation slot is taken, pauses its connection
   * until one frees (back-pressure: the client's body waits in the socket) and tries again then.
   *
   * @return true if it waits (reading is paused until a later attempt admits or refuses it)
   */
  private boolean admit(UpdateHeader header, boolean woken) {
    if (gone || failure != null) {
      return false;
    }
    if (woken) {
      startDeadline(); // the wait for a slot is over: the client's time runs again, whatever comes of it
    }
    if (!driver.uploadSlotFree(woken)) {
      Runnable retry = () -> {
        waiter = null;
        if (!admit(header, true)) {
          if (ticket == null) {
            driver.passOnUploadSlot(); // refused or gone: the slot it was woken for goes to the next in line
          }
          resumeReading();
        }
      };
      if (driver.waitForUploadSlot(retry)) {
        waiter = retry;
        stopDeadline(); // waiting is the coordinator's doing, not the client's
        pauseReading();
        return true;
      }
      fail(new ProtocolException(ErrorCode.UNAVAILABLE, driver.maxWaitingUploads()
          + " uploads are waiting for the coordinator already; retry shortly"));
    } else {
      try {
        ticket = driver.admitUpload(header);
        if (security.enabled()) {
          signer = driver.certificateOf(header.getClientId()).orElse(null);
          digest = new SignedPayloads.UploadDigest(header);
        }
      } catch (ProtocolException e) {
        fail(e);
      }
    }
    return false;
  }

  /** The client went away: an upload still waiting for a slot leaves the queue. */
  private void onGone() {
    gone = true;
    stopDeadline();
    if (waiter != null) {
      driver.cancelWait(waiter);
      waiter = null;
    }
  }

  private void onEnd() {
    stopDeadline();
    countBytes();
    if (failure != null) {
      answer();
      return;
    }
    if (ticket == null) {
      fail(new ProtocolException(ErrorCode.MALFORMED, "upload body ended before its UpdateHeader frame"));
      answer();
      return;
    }
    if (frame != null || prefixFilled > 0) {
      fail(new ProtocolException(ErrorCode.MALFORMED, "upload body ended inside a frame"));
      answer();
      return;
    }
    UploadTicket current = ticket;
    try {
      current.finish();
    } catch (ProtocolException e) {
      fail(e);
      answer();
      return;
    }
    checkSignature(current).onComplete(checked -> {
      if (checked.failed()) {
        fail(checked.cause());
        answer();
        return;
      }
      answered = true;
      driver.completeUpload(current)
          .onSuccess(ack -> {
            metrics.updateAccepted();
            Replies.ok(request.response(), ack);
          })
          .onFailure(e -> Replies.error(request.response(), e, refusals));
    });
  }

  /** Counts the body received so far for the round's bytes_up, once: when it ended, or when it was cut off. */
  private void countBytes() {
    if (!counted) {
      counted = true;
      driver.countUpload(ticket, bodyBytes);
    }
  }

  /** With TLS, verifies the signature over everything received, on a worker; the fold waits for it. */
  private Future<Void> checkSignature(UploadTicket current) {
    if (digest == null) {
      return Future.succeededFuture();
    }
    SignedPayloads.UploadDigest received = digest;
    X509Certificate certificate = signer;
    return vertx.executeBlocking(() -> {
      if (certificate == null) {
        throw new ProtocolException(ErrorCode.BAD_SIGNATURE, "no certificate on record for client "
            + current.header().getClientId() + " to check its signature with; register again");
      }
      MessageSignatures.verifyUpload(certificate, current.header(), current.masked(), received.finish());
      return null;
    }, false);
  }

  /** Records the first failure and releases the ticket; the answer is sent when the body ends. */
  private void fail(Throwable e) {
    if (failure != null || answered) {
      return;
    }
    failure = e instanceof ProtocolException p ? p
        : new ProtocolException(ErrorCode.INTERNAL, "validating the update failed: " + e.getMessage(), e);
    if (waiter != null) {
      driver.cancelWait(waiter);
      waiter = null;
    }
    if (ticket != null) {
      driver.abortUpload(ticket);
    }
  }

  private void failAndClose(ProtocolException e) {
    countBytes();
    fail(e);
    pauseReading();
    // Tell the client the connection ends, so its pool does not reuse it for the next request.
    request.response().putHeader("connection", "close");
    request.response().endHandler(v -> request.connection().close());
    answer();
  }

  private void answer() {
    stopDeadline(); // answered: nothing is timed any more, and the timer must not keep this upload reachable
    if (!answered) {
      answered = true;
      Replies.error(request.response(), failure, refusals);
    }
  }
}
