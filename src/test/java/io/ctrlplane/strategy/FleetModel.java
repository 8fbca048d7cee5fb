package io.ctrlplane.strategy;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A counting model of a fleet for plan tests: replays steps the way the runner executes them
 * (EnsureReady starts replicas, which are not ready until the step completes) and records, at every
 * moment, how many ready replicas serve traffic and how many run in total.
 */
final class FleetModel {
  final Map<Side, Integer> running = new EnumMap<>(Side.class);
  final Map<Side, Integer> ready = new EnumMap<>(Side.class);
  Map<Side, Integer> weights = Map.of();
  final List<Integer> servingSamples = new ArrayList<>();
  final List<Integer> runningSamples = new ArrayList<>();
  final List<Map<Side, Integer>> trafficChanges = new ArrayList<>();

  FleetModel(int oldReplicas) {
    running.put(Side.OLD, oldReplicas);
    ready.put(Side.OLD, oldReplicas);
    running.put(Side.NEW, 0);
    ready.put(Side.NEW, 0);
    sample();
  }

  FleetModel apply(Plan plan) {
    plan.steps().forEach(this::apply);
    return this;
  }

  void apply(Step step) {
    if (step instanceof Step.EnsureReady s) {
      running.put(s.side(), Math.max(running.get(s.side()), s.replicas()));
      sample(); // started, not ready yet
      ready.put(s.side(), Math.max(ready.get(s.side()), s.replicas()));
    } else if (step instanceof Step.ScaleDown s) {
      if (s.delaySeconds() == 0) {
        running.put(s.side(), Math.min(running.get(s.side()), s.replicas()));
        ready.put(s.side(), Math.min(ready.get(s.side()), s.replicas()));
      }
    } else if (step instanceof Step.StopOthers s) {
      for (Side side : Side.values()) {
        if (!s.keep().contains(side)) {
          running.put(side, 0);
          ready.put(side, 0);
        }
      }
    } else if (step instanceof Step.SetTraffic s) {
      weights = s.weights();
      trafficChanges.add(s.weights());
    }
    sample();
  }

  /**
   * Ready replicas that receive traffic: all of them without weights, else those of weighted sides.
   */
  int serving() {
    int total = 0;
    for (Side side : Side.values()) {
      if (weights.isEmpty() || weights.getOrDefault(side, 0) > 0) {
        total += ready.get(side);
      }
    }
    return total;
  }

  private void sample() {
    servingSamples.add(serving());
    runningSamples.add(running.get(Side.OLD) + running.get(Side.NEW));
  }

  int minServingAfterStart() {
    return servingSamples.stream().mapToInt(Integer::intValue).min().orElseThrow();
  }

  int maxRunning() {
    return runningSamples.stream().mapToInt(Integer::intValue).max().orElseThrow();
  }
}
