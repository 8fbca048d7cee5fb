package io.ctrlplane.webhooks;

import io.vertx.kafka.client.common.TopicPartition;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which offsets may be committed while records are processed concurrently: per partition, the
 * lowest offset still in flight, or one past the highest seen when none is. A record whose
 * deliveries are not all recorded holds the commit back, so a crash re-reads it (the delivery rows
 * dedupe what was done). Each assignment of a partition is its own {@link Partition}: a record that
 * finishes after its partition was revoked touches only that old assignment. Event-loop confined.
 */
final class OffsetTracker {
  /** One assignment of one partition. */
  static final class Partition {
    private final TopicPartition tp;
    private final TreeSet<Long> inFlight = new TreeSet<>();
    private long highestSeen = -1;
    private long committed = -1;
    private boolean revoked;

    private Partition(TopicPartition tp) {
      this.tp = tp;
    }

    private long committable() {
      return inFlight.isEmpty() ? highestSeen + 1 : inFlight.first();
    }
  }

  private final Map<TopicPartition, Partition> partitions = new HashMap<>();
  private int inFlight;

  Partition started(TopicPartition tp, long offset) {
    Partition p = partitions.computeIfAbsent(tp, Partition::new);
    if (p.inFlight.add(offset)) {
      inFlight++;
    }
    p.highestSeen = Math.max(p.highestSeen, offset);
    return p;
  }

  void finished(Partition p, long offset) {
    if (p.inFlight.remove(offset) && !p.revoked) {
      inFlight--;
    }
  }

  /** The next offset to commit for every partition whose position moved since the last commit. */
  Map<TopicPartition, Long> committable() {
    Map<TopicPartition, Long> result = new HashMap<>();
    partitions.forEach(
        (tp, p) -> {
          long next = p.committable();
          if (next > p.committed && next > 0) {
            result.put(tp, next);
          }
        });
    return result;
  }

  void committed(TopicPartition tp, long next) {
    Partition p = partitions.get(tp);
    if (p != null) {
      p.committed = Math.max(p.committed, next);
    }
  }

  /** Forgets revoked partitions: their records may still finish, but commit nothing any more. */
  void revoked(Collection<TopicPartition> tps) {
    for (TopicPartition tp : tps) {
      Partition p = partitions.remove(tp);
      if (p != null) {
        p.revoked = true;
        inFlight -= p.inFlight.size();
      }
    }
  }

  int inFlight() {
    return inFlight;
  }
}
