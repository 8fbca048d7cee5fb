package io.ctrlplane.provider;

import java.util.Locale;

/** Where a replica is in its life, as observed at one moment. */
public enum ReplicaStatus {
  /** Created; its process is not up yet. */
  STARTING,
  /** Up, but not (yet) passing its readiness check. */
  RUNNING,
  /** Passing its readiness check: it can serve traffic. */
  READY,
  /** Never came up. */
  FAILED,
  /** Came up, then died. */
  CRASHED,
  /** Stopped on request. */
  STOPPED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Failed or crashed: it will not become ready by waiting. */
  public boolean unhealthy() {
    return this == FAILED || this == CRASHED;
  }
}
