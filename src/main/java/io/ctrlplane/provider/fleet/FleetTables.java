package io.ctrlplane.provider.fleet;

import java.util.List;

/**
 * What a fenced fleet's SQL needs to know about one provider's tables. Every provider keeps the
 * same three: {@code <prefix>_fleets} (one row per instance: weights, refused_actions, and the lock
 * every change takes), {@code <prefix>_replicas} (id, instance_id, release_id, image,
 * deployment_id, epoch, created_at, stop_at, stopped_by, stopped_epoch) and {@code
 * <prefix>_timeline} (append-only history). The rest is what its infrastructure says about a
 * replica. Expressions use the alias {@code r} for the replica and may use {@code $3}, the change's
 * clock.
 *
 * @param prefix table prefix, e.g. {@code sim}
 * @param joins joined to {@code <prefix>_replicas r} where the expressions need it, or empty
 * @param notStopped true while a replica has not stopped for good
 * @param unhealthy true when it will not become ready by waiting (may be null: counts as false)
 * @param ready true when it serves traffic (may be null: counts as false)
 * @param carried replica columns every timeline entry about the replica repeats, e.g. its host
 * @param cancellableStop condition under which a scheduled stop can still be cancelled, or empty
 * @param stopKind the timeline kind recorded when a stop is asked for
 * @param recordsImmediateStops whether a stop asked for now is recorded too (else only a future one
 *     is, and the provider records the stop itself when it happens)
 */
public record FleetTables(
    String prefix,
    String joins,
    String notStopped,
    String unhealthy,
    String ready,
    List<String> carried,
    String cancellableStop,
    String stopKind,
    boolean recordsImmediateStops) {
  public FleetTables {
    carried = List.copyOf(carried);
  }

  String fleets() {
    return prefix + "_fleets";
  }

  String replicas() {
    return prefix + "_replicas";
  }

  String timeline() {
    return prefix + "_timeline";
  }

  /** {@code ", agent_id"} for the carried columns, each after {@code qualifier}. */
  String carried(String qualifier) {
    StringBuilder s = new StringBuilder();
    carried.forEach(c -> s.append(", ").append(qualifier).append(c));
    return s.toString();
  }
}
