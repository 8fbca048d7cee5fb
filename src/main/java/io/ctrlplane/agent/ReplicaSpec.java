package io.ctrlplane.agent;

import io.ctrlplane.provider.container.ContainerConfig;
import io.ctrlplane.provider.process.ProcessConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/**
 * What the agent needs to run one replica: the release's image, env and secret_env (still sealed:
 * it is opened just before the replica starts), the instance's tenant, and either its process
 * config or its container config ({@code container} null for a process).
 */
record ReplicaSpec(
    String id,
    String tenantId,
    String instanceId,
    String releaseId,
    String image,
    JsonObject env,
    JsonObject sealedSecrets,
    ProcessConfig config,
    ContainerConfig container) {

  static ReplicaSpec from(Row row) {
    JsonObject env = row.getJsonObject("env");
    JsonObject secrets = row.getJsonObject("secrets");
    JsonObject cfg = row.getJsonObject("provider_config");
    boolean container = "container".equals(row.getString("provider"));
    return new ReplicaSpec(
        row.getString("id"),
        row.getString("tenant_id"),
        row.getString("instance_id"),
        row.getString("release_id"),
        row.getString("image"),
        env == null ? new JsonObject() : env,
        secrets == null ? new JsonObject() : secrets,
        container ? null : ProcessConfig.from(cfg),
        container ? ContainerConfig.from(cfg) : null);
  }

  boolean isContainer() {
    return container != null;
  }

  /** The path probed for readiness; null: the engine's health status decides (containers). */
  String healthPath() {
    return isContainer() ? container.healthPath() : config.healthPath();
  }

  long drainTimeoutMs() {
    return isContainer() ? container.drainTimeoutMs() : config.drainTimeoutMs();
  }

  long graceTimeoutMs() {
    return isContainer() ? container.graceTimeoutMs() : config.graceTimeoutMs();
  }

  /** Names only: a spec may end up in a log line, values never may. */
  @Override
  public String toString() {
    return "ReplicaSpec["
        + id
        + ", "
        + image
        + ", env "
        + env.fieldNames()
        + ", secret_env "
        + sealedSecrets.fieldNames()
        + "]";
  }
}
