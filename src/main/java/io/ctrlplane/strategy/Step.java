package io.ctrlplane.strategy;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One declarative step of a plan: a desired state, never a delta. Executing a step twice has the
 * same effect as executing it once, which is what makes resuming after a runner crash safe.
 */
public sealed interface Step {

  /** Wire name of the step kind, e.g. {@code ensure_ready}. */
  String type();

  /** One line for humans, e.g. "ensure 3 ready replicas of new". */
  String describe();

  /**
   * At least {@code replicas} healthy replicas of a side exist, and that many have been ready for
   * {@code minReadySeconds}. Starts what is missing; waits (with the progress deadline) for the
   * rest.
   */
  record EnsureReady(Side side, int replicas, int minReadySeconds) implements Step {
    public String type() {
      return "ensure_ready";
    }

    public String describe() {
      return "ensure "
          + replicas
          + " ready replica"
          + (replicas == 1 ? "" : "s")
          + " of "
          + side.wire()
          + (minReadySeconds > 0 ? " (ready for " + minReadySeconds + " s)" : "");
    }
  }

  /**
   * At most {@code replicas} replicas of a side keep running; the others stop after {@code
   * delaySeconds}.
   */
  record ScaleDown(Side side, int replicas, int delaySeconds) implements Step {
    public String type() {
      return "scale_down";
    }

    public String describe() {
      return "scale "
          + side.wire()
          + " down to "
          + replicas
          + (delaySeconds > 0 ? " after " + delaySeconds + " s" : "");
    }
  }

  /**
   * Replicas of any release other than the kept sides stop now (leftovers of earlier attempts too).
   */
  record StopOthers(Set<Side> keep) implements Step {
    public StopOthers {
      keep = Set.copyOf(keep);
    }

    public String type() {
      return "stop_others";
    }

    public String describe() {
      return keep.isEmpty()
          ? "stop every replica"
          : "stop every replica not of "
              + keep.stream().sorted().map(Side::wire).collect(Collectors.joining(" or "));
    }
  }

  /**
   * Traffic weights in percent, summing to 100. Empty means "no weights: every ready replica
   * serves", the way a plain service spreads load; rolling deployments use that mode.
   */
  record SetTraffic(Map<Side, Integer> weights) implements Step {
    public SetTraffic {
      weights = weights.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(weights));
    }

    public String type() {
      return "set_traffic";
    }

    public String describe() {
      return weights.isEmpty()
          ? "send traffic to every ready replica"
          : "set traffic " + render(weights);
    }

    static String render(Map<Side, Integer> weights) {
      return Arrays.stream(Side.values())
          .filter(weights::containsKey)
          .map(s -> s.wire() + " " + weights.get(s) + "%")
          .collect(Collectors.joining(", "));
    }
  }

  /**
   * A new generation of the new side's replicas (a restart): at least {@code replicas} replicas of
   * it started by this deployment are healthy, and that many are ready. Older replicas of the same
   * release keep serving meanwhile.
   */
  record Renew(int replicas) implements Step {
    public String type() {
      return "renew";
    }

    public String describe() {
      return "ensure "
          + replicas
          + " ready replica"
          + (replicas == 1 ? "" : "s")
          + " of new, started by this deployment";
    }
  }

  /**
   * At most {@code keep} replicas of the new side started before this deployment keep running; the
   * others stop now (drained).
   */
  record Retire(int keep) implements Step {
    public String type() {
      return "retire";
    }

    public String describe() {
      return "stop replicas of new started before this deployment beyond " + keep;
    }
  }

  /** Waits {@code seconds}, or until promoted when {@code seconds} is null. */
  record Pause(Integer seconds) implements Step {
    public String type() {
      return "pause";
    }

    public boolean untilPromote() {
      return seconds == null;
    }

    public String describe() {
      return seconds == null ? "pause until promoted" : "pause " + seconds + " s";
    }
  }

  /**
   * Waits for a second key with the {@code approve} scope to approve (go on) or reject (fail and
   * revert) the deployment; after {@code timeoutSeconds} without a decision it fails and reverts.
   */
  record Approval(int timeoutSeconds) implements Step {
    public String type() {
      return "approval";
    }

    public String describe() {
      return "wait for approval (at most " + timeoutSeconds + " s)";
    }
  }

  /**
   * Calls the instance's blocking hook number {@code hook} (its index in the instance's hooks) at
   * point {@code on}, and waits for its answer: 2xx passes, anything else (after retries) fails and
   * reverts.
   */
  record Hook(String on, int hook) implements Step {
    public String type() {
      return "hook";
    }

    public String describe() {
      return "call the " + on + " hook";
    }
  }

  /**
   * Runs the instance's release command once for the new release (its migrations), before any
   * replica of it starts: exit 0 goes on, anything else or the timeout fails the deployment.
   */
  record ReleasePhase() implements Step {
    public String type() {
      return "release_phase";
    }

    public String describe() {
      return "run the release phase";
    }
  }

  /**
   * Measures the new release as the spec says: goes on when every metric succeeded, fails the
   * deployment when one failed, pauses it when one is inconclusive.
   */
  record Analysis(AnalysisSpec spec) implements Step {
    /** The shorthand: fail above {@code maxErrorRate} over one window of {@code windowSeconds}. */
    public Analysis(double maxErrorRate, int windowSeconds) {
      this(AnalysisSpec.errorRate(maxErrorRate, windowSeconds));
    }

    public String type() {
      return "analysis";
    }

    public String describe() {
      return spec.describe();
    }
  }
}
