package io.ctrlplane.agent;

import io.ctrlplane.provider.process.ProcessConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/** What the agent needs to run one replica: the release's image and env, the instance's process config. */
record ReplicaSpec(String id, String instanceId, String releaseId, String image, JsonObject env, ProcessConfig config) {

  static ReplicaSpec from(Row row) {
    JsonObject env = row.getJsonObject("env");
    return new ReplicaSpec(row.getString("id"), row.getString("instance_id"), row.getString("release_id"),
        row.getString("image"), env == null ? new JsonObject() : env,
        ProcessConfig.from(row.getJsonObject("provider_config")));
  }
}
