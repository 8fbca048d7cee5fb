package io.ctrlplane.testing;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays a simulator timeline (as GET /v1/instances/{id}/fleet/timeline returns it) into the
 * fleet's state over time, so tests prove what was serving when instead of assuming it. "Serving"
 * counts ready replicas whose release receives traffic: all ready replicas when no weights are set,
 * else those of releases with a weight above 0.
 */
public final class FleetHistory {
  /** The fleet right after every entry at one instant was applied. */
  public record Sample(
      Instant at,
      int serving,
      int running,
      Map<String, Integer> readyByRelease,
      Map<String, Integer> weights) {}

  private final List<JsonObject> entries;
  private final List<Sample> samples = new ArrayList<>();

  public FleetHistory(List<JsonObject> entries) {
    this.entries =
        entries.stream()
            .sorted(
                Comparator.comparing((JsonObject e) -> Instant.parse(e.getString("at")))
                    .thenComparing(e -> e.getLong("seq")))
            .toList();
    replay();
  }

  private void replay() {
    Map<String, String> releaseOf = new HashMap<>();
    Set<String> live = new HashSet<>();
    Set<String> ready = new HashSet<>();
    Map<String, Integer> weights = new HashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      JsonObject e = entries.get(i);
      String replica = e.getString("replica_id");
      switch (e.getString("kind")) {
        case "replica.created" -> {
          releaseOf.put(replica, e.getJsonObject("release").getString("id"));
          live.add(replica);
        }
        case "replica.adopted" ->
            releaseOf.put(replica, e.getJsonObject("release").getString("id"));
        case "replica.ready" -> ready.add(replica);
        case "replica.crashed" -> ready.remove(replica);
        case "replica.stopped" -> {
          ready.remove(replica);
          live.remove(replica);
        }
        case "traffic.set" -> {
          weights = new HashMap<>();
          for (var w : e.getJsonObject("detail").getJsonObject("weights")) {
            weights.put(w.getKey(), ((Number) w.getValue()).intValue());
          }
        }
        default -> {}
      }
      boolean lastAtThisInstant =
          i + 1 == entries.size() || !entries.get(i + 1).getString("at").equals(e.getString("at"));
      if (lastAtThisInstant) {
        samples.add(sample(Instant.parse(e.getString("at")), releaseOf, live, ready, weights));
      }
    }
  }

  private static Sample sample(
      Instant at,
      Map<String, String> releaseOf,
      Set<String> live,
      Set<String> ready,
      Map<String, Integer> weights) {
    Map<String, Integer> readyBy = new LinkedHashMap<>();
    ready.forEach(r -> readyBy.merge(releaseOf.get(r), 1, Integer::sum));
    int serving = 0;
    for (var e : readyBy.entrySet()) {
      if (weights.isEmpty() || weights.getOrDefault(e.getKey(), 0) > 0) {
        serving += e.getValue();
      }
    }
    return new Sample(at, serving, live.size(), readyBy, Map.copyOf(weights));
  }

  /**
   * The samples in force during [from, to]: the last one at or before {@code from}, then every
   * later one up to {@code to}.
   */
  public List<Sample> during(Instant from, Instant to) {
    List<Sample> out = new ArrayList<>();
    Sample before = null;
    for (Sample s : samples) {
      if (!s.at().isAfter(from)) {
        before = s;
      } else if (!s.at().isAfter(to)) {
        out.add(s);
      }
    }
    if (before != null) {
      out.add(0, before);
    }
    return out;
  }

  public int minServing(Instant from, Instant to) {
    return during(from, to).stream().mapToInt(Sample::serving).min().orElseThrow();
  }

  public int maxRunning(Instant from, Instant to) {
    return during(from, to).stream().mapToInt(Sample::running).max().orElseThrow();
  }

  /** Every traffic.set in [from, to], as weights by release id. */
  public List<Map<String, Integer>> trafficChanges(Instant from, Instant to) {
    List<Map<String, Integer>> out = new ArrayList<>();
    for (JsonObject e : entries) {
      Instant at = Instant.parse(e.getString("at"));
      if (e.getString("kind").equals("traffic.set") && !at.isBefore(from) && !at.isAfter(to)) {
        Map<String, Integer> w = new HashMap<>();
        e.getJsonObject("detail")
            .getJsonObject("weights")
            .forEach(x -> w.put(x.getKey(), ((Number) x.getValue()).intValue()));
        out.add(w);
      }
    }
    return out;
  }

  /** The longest stretch within [from, to] with nothing serving. */
  public Duration longestOutage(Instant from, Instant to) {
    Duration longest = Duration.ZERO;
    Instant downSince = null;
    for (Sample s : during(from, to)) {
      Instant at = s.at().isBefore(from) ? from : s.at();
      if (s.serving() == 0 && downSince == null) {
        downSince = at;
      } else if (s.serving() > 0 && downSince != null) {
        longest = max(longest, Duration.between(downSince, at));
        downSince = null;
      }
    }
    return downSince == null ? longest : max(longest, Duration.between(downSince, to));
  }

  public List<JsonObject> entries() {
    return entries;
  }

  public List<JsonObject> entries(String kind) {
    return entries.stream().filter(e -> e.getString("kind").equals(kind)).toList();
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
