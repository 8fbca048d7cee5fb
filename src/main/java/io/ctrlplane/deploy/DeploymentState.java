package io.ctrlplane.deploy;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Lifecycle of a deployment. The transition table is the single source of truth: the lifecycle
 * owner ({@code io.ctrlplane.lifecycle.Transition}) asks {@link #canTransitionTo} before it writes
 * any state, rather than encoding its own idea of what is legal.
 */
public enum DeploymentState {
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  ROLLED_BACK;

  // Built after the constants exist (enum static fields initialise after them).
  private static final Map<DeploymentState, Set<DeploymentState>> TRANSITIONS = buildTransitions();

  private static Map<DeploymentState, Set<DeploymentState>> buildTransitions() {
    Map<DeploymentState, Set<DeploymentState>> t = new EnumMap<>(DeploymentState.class);
    // PENDING -> FAILED covers a deployment that could not even start (e.g. bad target).
    t.put(PENDING, EnumSet.of(RUNNING, CANCELLED, FAILED));
    t.put(RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELLED));
    // A release that went out can still be rolled back later; that is its only way out.
    t.put(SUCCEEDED, EnumSet.of(ROLLED_BACK));
    t.put(FAILED, EnumSet.noneOf(DeploymentState.class));
    t.put(CANCELLED, EnumSet.noneOf(DeploymentState.class));
    t.put(ROLLED_BACK, EnumSet.noneOf(DeploymentState.class));
    t.replaceAll((from, to) -> Collections.unmodifiableSet(to));
    return t;
  }

  /** The lowercase name used in JSON, the database and events, e.g. {@code "rolled_back"}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Inverse of {@link #wire()}. Only the exact lowercase form is accepted, so every stored and
   * emitted value has one spelling.
   *
   * @throws IllegalArgumentException for null or an unknown value
   */
  public static DeploymentState fromWire(String wire) {
    if (wire != null) {
      for (DeploymentState state : values()) {
        if (state.wire().equals(wire)) {
          return state;
        }
      }
    }
    throw new IllegalArgumentException("unknown deployment state: " + wire);
  }

  /**
   * Whether execution is over. SUCCEEDED counts as terminal even though it may later move to
   * ROLLED_BACK: the rollback is a new action, not the original execution continuing.
   */
  public boolean isTerminal() {
    return this != PENDING && this != RUNNING;
  }

  public boolean canTransitionTo(DeploymentState next) {
    Objects.requireNonNull(next, "next");
    return TRANSITIONS.get(this).contains(next);
  }

  /** The states reachable in one step from {@code from}; unmodifiable, empty for dead ends. */
  public static Set<DeploymentState> allowedFrom(DeploymentState from) {
    Objects.requireNonNull(from, "from");
    return TRANSITIONS.get(from);
  }
}
