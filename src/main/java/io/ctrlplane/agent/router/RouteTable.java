package io.ctrlplane.agent.router;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a router sends the next request: with no weights, to any ready replica; with weights, to a
 * release drawn by weight among the weighted releases that have a usable replica, then to one of
 * its replicas (the less busy of two drawn at random). Releases without weight get nothing, so a
 * release never healthy or not yet switched to is never reached.
 */
final class RouteTable {
  static final RouteTable EMPTY = new RouteTable(Map.of(), List.of());

  final Map<String, Integer> weights;
  final List<Endpoint> endpoints;

  RouteTable(Map<String, Integer> weights, List<Endpoint> endpoints) {
    this.weights = Map.copyOf(weights);
    this.endpoints = List.copyOf(endpoints);
  }

  Endpoint pick(Set<Endpoint> tried, long now) {
    List<Endpoint> usable = usable(tried, now);
    if (usable.isEmpty()) {
      return null;
    }
    if (weights.isEmpty()) {
      return lessBusy(usable);
    }
    Map<String, List<Endpoint>> byRelease = new LinkedHashMap<>();
    for (Endpoint e : usable) {
      if (weights.getOrDefault(e.releaseId, 0) > 0) {
        byRelease.computeIfAbsent(e.releaseId, k -> new ArrayList<>()).add(e);
      }
    }
    int total = byRelease.keySet().stream().mapToInt(weights::get).sum();
    if (total == 0) {
      return null;
    }
    int draw = ThreadLocalRandom.current().nextInt(total);
    for (Map.Entry<String, List<Endpoint>> release : byRelease.entrySet()) {
      draw -= weights.get(release.getKey());
      if (draw < 0) {
        return lessBusy(release.getValue());
      }
    }
    throw new IllegalStateException("weights changed under the draw");
  }

  /**
   * Replicas not tried for this request and not marked down; the marked-down ones when nothing else
   * is left.
   */
  private List<Endpoint> usable(Set<Endpoint> tried, long now) {
    List<Endpoint> fresh = new ArrayList<>();
    List<Endpoint> down = new ArrayList<>();
    for (Endpoint e : endpoints) {
      if (!tried.contains(e)) {
        (e.isDown(now) ? down : fresh).add(e);
      }
    }
    return fresh.isEmpty() ? down : fresh;
  }

  private static Endpoint lessBusy(List<Endpoint> list) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    Endpoint a = list.get(random.nextInt(list.size()));
    Endpoint b = list.get(random.nextInt(list.size()));
    return b.inFlight < a.inFlight ? b : a;
  }
}
