package io.ctrlplane.events;

import io.vertx.core.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs an async task one at a time however often it is requested: a request during a run schedules
 * exactly one more run. The task answers whether more work is waiting (a full batch), which also
 * schedules another run. After a failure it waits for the next request (the fallback poll) instead
 * of spinning against a broker or database that is down. Event-loop confined.
 */
final class Coalescer {
  private final Supplier<Future<Boolean>> task;
  private final Consumer<Throwable> onFailure;
  private boolean running;
  private boolean again;
  private boolean closed;
  private Future<Void> current = Future.succeededFuture();

  Coalescer(Supplier<Future<Boolean>> task, Consumer<Throwable> onFailure) {
    this.task = task;
    this.onFailure = onFailure;
  }

  void request() {
    if (closed) {
      return;
    }
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    Future<Boolean> run;
    try {
      run = task.get();
    } catch (RuntimeException e) {
      run = Future.failedFuture(e);
    }
    current =
        run.transform(
            ar -> {
              running = false;
              if (ar.failed()) {
                again = false;
                onFailure.accept(ar.cause());
              } else if (again || ar.result()) {
                request();
              }
              return Future.succeededFuture();
            });
  }

  /** Stops taking requests; completes when the run in progress (if any) is over. */
  Future<Void> close() {
    closed = true;
    return current;
  }
}
