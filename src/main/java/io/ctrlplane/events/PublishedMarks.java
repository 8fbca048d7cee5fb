package io.ctrlplane.events;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.List;

/**
 * Records acknowledged events as published while a batch is still being sent: each statement marks
 * every event acknowledged since the previous one began, so marks group themselves under load and
 * an event is unmarked only for about one statement's time after Kafka took it, and never more than
 * {@link #WINDOW} at once. That is what bounds a crash's re-sends to the events in flight. After a
 * failed mark the batch stops sending ({@link #gate()}): a relay that cannot record what it sends
 * must not send more. Event-loop confined.
 */
final class PublishedMarks {
  /**
   * At most this many acknowledged events wait for their mark: a sender waits at {@link #gate()}
   * beyond it, so a crash re-sends at most this many plus one unacknowledged event per instance.
   */
  static final int WINDOW = 16;

  private final SqlConnection conn;
  private final boolean eager;
  private final List<Long> pending = new ArrayList<>();
  private Future<Void> running;
  private Throwable failure;
  private int marked;
  private int marking;

  /**
   * @param eager mark while sending; false leaves every mark to {@link #flush()} (the crash-test
   *     hook holds a whole sent batch unmarked)
   */
  PublishedMarks(SqlConnection conn, boolean eager) {
    this.conn = conn;
    this.eager = eager;
  }

  void acked(long seq) {
    pending.add(seq);
    if (eager) {
      kick();
    }
  }

  /**
   * Completes when the next event may be sent: at once while fewer than {@link #WINDOW}
   * acknowledged events wait for their mark, else when the running mark ends; fails after a failed
   * mark, which stops the batch.
   */
  Future<Void> gate() {
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    if (!eager || pending.size() + marking < WINDOW || running == null) {
      return Future.succeededFuture();
    }
    return running.compose(v -> gate());
  }

  int marked() {
    return marked;
  }

  private Future<Void> kick() {
    if (running != null) {
      return running;
    }
    if (pending.isEmpty() || failure != null) {
      return Future.succeededFuture();
    }
    List<Long> seqs = List.copyOf(pending);
    pending.clear();
    marking = seqs.size();
    Promise<Void> done = Promise.promise();
    running = done.future();
    OutboxLog.markPublished(conn, seqs)
        .onComplete(
            ar -> {
              running = null;
              marking = 0;
              if (ar.failed()) {
                failure = ar.cause();
              } else {
                marked += seqs.size();
              }
              done.complete();
              if (eager) {
                kick();
              }
            });
    return running;
  }

  /** Marks whatever is still pending; fails if any mark failed. */
  Future<Void> flush() {
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    if (running == null && pending.isEmpty()) {
      return Future.succeededFuture();
    }
    return (running != null ? running : kick()).compose(v -> flush());
  }
}
