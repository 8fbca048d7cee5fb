package io.ctrlplane.testing;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Blocking helpers for tests: wait for a future, or for a condition, always with a deadline. A
 * probe that sees its condition can no longer come true (a deployment ended in another state, a
 * child process exited) throws {@link Hopeless}: the wait fails at once instead of after the full
 * timeout. Any other error of a probe counts as "not yet" and is reported if the deadline passes.
 */
public final class Await {
  private Await() {}

  /** Thrown by a probe when its condition can never hold any more; ends the wait at once. */
  public static final class Hopeless extends AssertionError {
    public Hopeless(String message) {
      super(message);
    }
  }

  public static <T> T result(Future<T> future) {
    return result(future, Duration.ofSeconds(30));
  }

  public static <T> T result(Future<T> future, Duration timeout) {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re
          ? re
          : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("timed out or interrupted after " + timeout, e);
    }
  }

  /** Polls {@code probe} until it returns non-null, or fails after {@code timeout}. */
  public static <T> T until(Duration timeout, String what, Supplier<T> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last = null;
    while (System.nanoTime() < deadline) {
      try {
        T value = probe.get();
        if (value != null) {
          return value;
        }
      } catch (Hopeless e) {
        throw new AssertionError("gave up waiting for " + what + ": " + e.getMessage(), e);
      } catch (RuntimeException | AssertionError e) {
        last = e;
      }
      try {
        Thread.sleep(
            50); // polling interval of a deadline-bounded wait, not a synchronisation sleep
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError(
        "timed out after "
            + timeout
            + " waiting for "
            + what
            + (last == null ? "" : " (last error: " + last + ")"),
        last);
  }
}
