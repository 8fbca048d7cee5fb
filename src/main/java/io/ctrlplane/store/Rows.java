package io.ctrlplane.store;

import io.ctrlplane.security.SecretEnv;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Row → API JSON (snake_case, RFC 3339 UTC timestamps). Column lists live next to the mappers. */
final class Rows {
  static final String INSTANCE_COLUMNS =
      "i.id, i.name, i.replicas, i.provider, i.provider_config, "
          + "i.default_strategy, i.default_strategy_params, i.current_release_id, i.current_version, "
          + "i.created_at, i.updated_at, i.degraded_reason, i.degraded_at";

  static final String RELEASE_COLUMNS =
      "r.id, r.instance_id, r.version, r.image, r.env, r.commit_sha, "
          + "r.notes, r.rollback_of, rb.version AS rollback_of_version, r.created_at, "
          // the names of its secret_env, never the values (those stay sealed in release_secrets)
          + "ARRAY(SELECT s.name FROM release_secrets s WHERE s.release_id = r.id ORDER BY s.name) AS secret_names";
  static final String RELEASE_FROM = "releases r LEFT JOIN releases rb ON rb.id = r.rollback_of";

  static final String DEPLOYMENT_COLUMNS =
      "d.id, d.seq, d.instance_id, d.kind, d.strategy, d.strategy_params, "
          + "d.state, d.error, d.cancel_requested, d.progress, d.replaces_deployment_id, "
          + "d.created_at, d.started_at, d.finished_at, d.updated_at, "
          + "d.release_id, r.version AS release_version, r.image AS release_image, "
          + "d.previous_release_id, p.version AS previous_version, d.initiated_by_key_id, d.initiated_by_key_name, d.plan";
  static final String DEPLOYMENT_FROM =
      "deployments d JOIN releases r ON r.id = d.release_id "
          + "LEFT JOIN releases p ON p.id = d.previous_release_id";

  private Rows() {}

  static JsonObject instance(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("name", row.getString("name"))
        .put("replicas", row.getInteger("replicas"))
        .put("provider", row.getString("provider"))
        .put("provider_config", row.getJsonObject("provider_config"))
        .put("default_strategy", row.getString("default_strategy"))
        .put("default_strategy_params", row.getJsonObject("default_strategy_params"))
        .put(
            "current_release",
            ref(row.getString("current_release_id"), row.getInteger("current_version")))
        .put(
            "health",
            row.getString("degraded_reason") == null
                ? new JsonObject().put("status", "healthy")
                : new JsonObject()
                    .put("status", "degraded")
                    .put("reason", row.getString("degraded_reason"))
                    .put("since", time(row, "degraded_at")))
        .put("created_at", time(row, "created_at"))
        .put("updated_at", time(row, "updated_at"));
  }

  static JsonObject release(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("instance_id", row.getString("instance_id"))
        .put("version", row.getInteger("version"))
        .put("image", row.getString("image"))
        .put("env", row.getJsonObject("env"))
        .put("secret_env", SecretEnv.redacted(List.of(row.getArrayOfStrings("secret_names"))))
        .put("commit_sha", row.getString("commit_sha"))
        .put("notes", row.getString("notes"))
        .put(
            "rollback_of", ref(row.getString("rollback_of"), row.getInteger("rollback_of_version")))
        .put("created_at", time(row, "created_at"));
  }

  static JsonObject deployment(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("instance_id", row.getString("instance_id"))
        .put("kind", row.getString("kind"))
        .put("state", row.getString("state"))
        .put("strategy", row.getString("strategy"))
        .put("strategy_params", row.getJsonObject("strategy_params"))
        .put(
            "release",
            ref(row.getString("release_id"), row.getInteger("release_version"))
                .put("image", row.getString("release_image")))
        .put(
            "previous_release",
            ref(row.getString("previous_release_id"), row.getInteger("previous_version")))
        .put("replaces_deployment_id", row.getString("replaces_deployment_id"))
        .put("error", row.getString("error"))
        .put("cancel_requested", row.getBoolean("cancel_requested"))
        .put("progress", row.getJsonObject("progress"))
        .put("plan", planSteps(row.getJsonObject("plan")))
        .put(
            "initiated_by",
            row.getString("initiated_by_key_id") == null
                ? null
                : new JsonObject()
                    .put("key_id", row.getString("initiated_by_key_id"))
                    .put("key_name", row.getString("initiated_by_key_name")))
        .put("created_at", time(row, "created_at"))
        .put("started_at", time(row, "started_at"))
        .put("finished_at", time(row, "finished_at"))
        .put("updated_at", time(row, "updated_at"));
  }

  /**
   * The stored plan's steps as the API shows them: type and words only (the parameters are in
   * strategy_params).
   */
  private static JsonArray planSteps(JsonObject plan) {
    if (plan == null || plan.getJsonArray("steps") == null) {
      return null;
    }
    JsonArray steps = new JsonArray();
    plan.getJsonArray("steps")
        .forEach(
            o -> {
              JsonObject step = (JsonObject) o;
              steps.add(
                  new JsonObject()
                      .put("type", step.getString("type"))
                      .put("description", step.getString("description")));
            });
    return steps;
  }

  private static JsonObject ref(String id, Integer version) {
    return id == null ? null : new JsonObject().put("id", id).put("version", version);
  }

  static String time(Row row, String column) {
    OffsetDateTime t = row.getOffsetDateTime(column);
    return t == null
        ? null
        : DateTimeFormatter.ISO_INSTANT.format(t.withOffsetSameInstant(ZoneOffset.UTC));
  }
}
