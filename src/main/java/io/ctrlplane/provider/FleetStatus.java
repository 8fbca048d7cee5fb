package io.ctrlplane.provider;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What runs on one instance at one moment: the replicas that have not stopped, and the traffic
 * weights. Empty weights mean every ready replica serves (no weighted routing).
 *
 * @param details provider-specific facts for the API, e.g. {@code {"simulated": true}}
 */
public record FleetStatus(
    String instanceId,
    String provider,
    Instant observedAt,
    List<Replica> replicas,
    Map<String, Integer> weights,
    JsonObject details) {

  public FleetStatus {
    replicas = List.copyOf(replicas);
    weights = Map.copyOf(weights);
  }

  public List<Replica> of(String releaseId) {
    return replicas.stream().filter(r -> r.releaseId().equals(releaseId)).toList();
  }

  /** Replicas of a release that are, or may still become, ready and are not scheduled to stop. */
  public int healthyKept(String releaseId) {
    return (int)
        of(releaseId).stream().filter(r -> !r.status().unhealthy() && !r.scheduledToStop()).count();
  }

  /** Replicas of a release not scheduled to stop (any status). */
  public int unscheduled(String releaseId) {
    return (int) of(releaseId).stream().filter(r -> !r.scheduledToStop()).count();
  }

  public int running(String releaseId) {
    return of(releaseId).size();
  }

  public int ready(String releaseId) {
    return readyFor(releaseId, Duration.ZERO);
  }

  /**
   * Ready replicas that have been ready for at least {@code minReady} (Kubernetes' "available").
   */
  public int readyFor(String releaseId, Duration minReady) {
    Instant cutoff = observedAt.minus(minReady);
    return (int)
        of(releaseId).stream()
            .filter(r -> r.status() == ReplicaStatus.READY && !r.readySince().isAfter(cutoff))
            .count();
  }

  public Optional<Replica> firstUnhealthy(String releaseId) {
    return of(releaseId).stream().filter(r -> r.status().unhealthy()).findFirst();
  }

  /** Every release with replicas still running. */
  public TreeSet<String> releases() {
    TreeSet<String> ids = new TreeSet<>();
    replicas.forEach(r -> ids.add(r.releaseId()));
    return ids;
  }

  /**
   * Traffic share per release in percent: the weights, or the ready replicas' shares without
   * weights.
   */
  public Map<String, Integer> effectiveWeights() {
    if (!weights.isEmpty()) {
      return weights;
    }
    Map<String, Integer> shares = new LinkedHashMap<>();
    int total = (int) replicas.stream().filter(r -> r.status() == ReplicaStatus.READY).count();
    if (total == 0) {
      return shares;
    }
    for (String release : releases()) {
      int ready = ready(release);
      if (ready > 0) {
        shares.put(release, Math.round(100f * ready / total));
      }
    }
    return shares;
  }

  public JsonObject toJson() {
    JsonArray releases = new JsonArray();
    for (String id : releases()) {
      List<Replica> of = of(id);
      releases.add(
          new JsonObject()
              .put("id", id)
              .put("version", of.get(0).version())
              .put("replicas", of.size())
              .put("ready", ready(id))
              .put("unhealthy", (int) of.stream().filter(r -> r.status().unhealthy()).count())
              .put("stopping", (int) of.stream().filter(Replica::scheduledToStop).count()));
    }
    JsonObject effective = new JsonObject();
    effectiveWeights().forEach(effective::put);
    JsonArray list = new JsonArray();
    replicas.forEach(r -> list.add(r.toJson()));
    return new JsonObject()
        .put("instance_id", instanceId)
        .put("provider", provider)
        .put("observed_at", observedAt.toString())
        .put(
            "traffic",
            new JsonObject()
                .put("mode", weights.isEmpty() ? "ready_replicas" : "weighted")
                .put("weights", new JsonObject(new LinkedHashMap<>(weights)))
                .put("effective", effective))
        .put("releases", releases)
        .put("replicas", list)
        .mergeIn(details);
  }
}
