package io.ctrlplane.lifecycle;

/**
 * What a runner advertises in its {@code runners} row at every heartbeat: its limits, what it holds
 * and whether it takes new deployments now.
 */
public record RunnerLoad(
    int maxActive, int maxConcurrent, int active, int inFlight, int queued, boolean admitting) {}
