package io.ctrlplane.provider;

/**
 * Who asks for a change, and under which lease: the deployment and its lease epoch. A provider
 * refuses a change whose epoch is older than the deployment's current one, so a runner that lost
 * its lease (paused, partitioned, presumed dead) cannot touch the fleet any more.
 */
public record Fence(String instanceId, String deploymentId, long epoch) {}
