package io.ctrlplane.agent;

import io.ctrlplane.provider.process.ProcessConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/**
 * What the agent needs to run one replica: the release's image, env and secret_env (still sealed:
 * it is opened just before the process starts), the instance's tenant and process config.
 */
record ReplicaSpec(
    String id,
    String tenantId,
    String instanceId,
    String releaseId,
    String image,
    JsonObject env,
    JsonObject sealedSecrets,
    ProcessConfig config) {

  static ReplicaSpec from(Row row) {
    JsonObject env = row.getJsonObject("env");
    JsonObject secrets = row.getJsonObject("secrets");
    return new ReplicaSpec(
        row.getString("id"),
        row.getString("tenant_id"),
        row.getString("instance_id"),
        row.getString("release_id"),
        row.getString("image"),
        env == null ? new JsonObject() : env,
        secrets == null ? new JsonObject() : secrets,
        ProcessConfig.from(row.getJsonObject("provider_config")));
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
