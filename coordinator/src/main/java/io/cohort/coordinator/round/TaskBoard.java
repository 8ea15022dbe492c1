package io.cohort.coordinator.round;

import io.cohort.protocol.v1.Finished;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.Wait;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/**
 * Each client's current task and its parked long poll. A task stays current until the client answers or the round
 * closes, so a client that lost a poll's response gets the same task again. Confined to the coordinator's context.
 */
final class TaskBoard {
  private record Parked(Promise<Task> promise, long timerId) {}

  private final Vertx vertx;
  private final Map<String, Task> current = new HashMap<>();
  private final Map<String, Parked> parked = new HashMap<>();
  private Task finished;

  TaskBoard(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Gives {@code clientId} a task, answering its parked poll if there is one. */
  void assign(String clientId, Task task) {
    current.put(clientId, task);
    Parked p = parked.remove(clientId);
    if (p != null) {
      vertx.cancelTimer(p.timerId());
      p.promise().tryComplete(task);
    }
  }

  /** The client's current task, or null. */
  Task current(String clientId) {
    return current.get(clientId);
  }

  /** Whether some client holds a fit task it has not answered yet (async mode: someone is still training). */
  boolean anyFitTask() {
    return current.values().stream().anyMatch(Task::hasFit);
  }

  /** Takes the client's task away (it answered, or the round closed). */
  void clear(String clientId) {
    current.remove(clientId);
  }

  /** The client's task now, or after at most {@code waitMs} a Wait. */
  Future<Task> poll(String clientId, long waitMs, int retryAfterMs) {
    if (finished != null) {
      return Future.succeededFuture(finished);
    }
    Task task = current.get(clientId);
    if (task != null) {
      return Future.succeededFuture(task);
    }
    Task wait = Task.newBuilder().setWait(Wait.newBuilder().setRetryAfterMs(retryAfterMs)).build();
    Parked previous = parked.remove(clientId);
    if (previous != null) {
      vertx.cancelTimer(previous.timerId());
      previous.promise().tryComplete(wait);
    }
    if (waitMs <= 0) {
      return Future.succeededFuture(wait);
    }
    Promise<Task> promise = Promise.promise();
    long timer = vertx.setTimer(waitMs, id -> {
      Parked p = parked.get(clientId);
      if (p != null && p.promise() == promise) {
        parked.remove(clientId);
      }
      promise.tryComplete(wait);
    });
    parked.put(clientId, new Parked(promise, timer));
    return promise.future();
  }

  /** Forgets a client that left, answering its parked poll with {@code goodbye}. */
  void remove(String clientId, Task goodbye) {
    current.remove(clientId);
    Parked p = parked.remove(clientId);
    if (p != null) {
      vertx.cancelTimer(p.timerId());
      p.promise().tryComplete(goodbye);
    }
  }

  /**
   * This node stopped driving: every parked poll is answered with a wait (the client polls again and is sent to the
   * new driver), and no task is handed out any more.
   */
  void abandon() {
    current.clear();
    Task wait = Task.newBuilder().setWait(Wait.newBuilder().setRetryAfterMs(200)).build();
    parked.values().forEach(p -> {
      vertx.cancelTimer(p.timerId());
      p.promise().tryComplete(wait);
    });
    parked.clear();
  }

  /** Ends the run: every parked and later poll gets Finished. */
  void finish(String reason) {
    finished = Task.newBuilder().setFinished(Finished.newBuilder().setReason(reason)).build();
    current.clear();
    parked.values().forEach(p -> {
      vertx.cancelTimer(p.timerId());
      p.promise().tryComplete(finished);
    });
    parked.clear();
  }
}
