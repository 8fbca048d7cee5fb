package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.Doc;

/**
 * What a new (pending) deployment is made of; the store chose the release, the strategy and its
 * params, and the kind ({@code deploy} or {@code rollback}, which names the deployment it
 * replaces).
 */
public record NewDeployment(
    String tenantId,
    String instanceId,
    String releaseId,
    String previousReleaseId,
    String kind,
    String replacesDeploymentId,
    String strategy,
    Doc strategyParams,
    Deployment.Initiator initiatedBy) {}
