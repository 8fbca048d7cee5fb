package io.ctrlplane.runner;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The runner's one limit: how many moves (a control read, a provider action, a checkpoint) are in
 * flight at once. Deployments that are due queue here, one queue per tenant, and the queues are
 * served in turn, so a tenant with a thousand due deployments delays another's by one move, not a
 * thousand. Within a tenant the queue is first come, first served, and since an instance runs one
 * deployment at a time (one move due at most), its instances are served in turn too. A deployment
 * that waits (a pause, an analysis window, replicas becoming ready) is not here at all: it is a
 * timer or nothing, until something wakes it.
 *
 * <p>Runs on the runner verticle's context only (no locking).
 */
final class Dispatcher {
  private record Due(long dueAtNanos, Supplier<Future<?>> move) {}

  private final int limit;
  private final Map<String, ArrayDeque<Due>> queues = new HashMap<>();
  private final ArrayDeque<String> turns = new ArrayDeque<>();
  private final DispatchStats stats;
  private int inFlight;
  private int queued;
  private boolean draining;
  private Runnable afterMove = () -> {};

  Dispatcher(int limit, DispatchStats stats) {
    this.limit = limit;
    this.stats = stats;
  }

  /** Called after every move completes (the runner re-checks its admission there). */
  void afterMove(Runnable hook) {
    this.afterMove = hook;
  }

  /** Queues a move that fell due at {@code dueAtNanos} ({@link System#nanoTime()}). */
  void submit(String fairnessKey, long dueAtNanos, Supplier<Future<?>> move) {
    ArrayDeque<Due> queue = queues.get(fairnessKey);
    if (queue == null) {
      queue = new ArrayDeque<>();
      queues.put(fairnessKey, queue);
      turns.add(fairnessKey);
    }
    queue.add(new Due(dueAtNanos, move));
    queued++;
    drain();
  }

  int inFlight() {
    return inFlight;
  }

  int queued() {
    return queued;
  }

  /** Starts due moves while under the limit, one tenant's queue after another. */
  private void drain() {
    if (draining) {
      return; // a move that completed synchronously: the loop below goes on
    }
    draining = true;
    try {
      while (inFlight < limit && !turns.isEmpty()) {
        String key = turns.poll();
        ArrayDeque<Due> queue = queues.get(key);
        Due due = queue.poll();
        if (queue.isEmpty()) {
          queues.remove(key);
        } else {
          turns.add(key);
        }
        queued--;
        inFlight++;
        stats.dispatched(System.nanoTime() - due.dueAtNanos());
        Future<?> done;
        try {
          done = due.move().get();
        } catch (RuntimeException e) {
          done = Future.failedFuture(e);
        }
        done.onComplete(
            ar -> {
              inFlight--;
              drain();
              afterMove.run();
            });
      }
    } finally {
      draining = false;
    }
  }
}
