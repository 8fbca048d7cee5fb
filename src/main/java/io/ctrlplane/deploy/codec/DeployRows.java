package io.ctrlplane.deploy.codec;

import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.DeploymentState;
import io.ctrlplane.deploy.Hook;
import io.ctrlplane.deploy.Instance;
import io.ctrlplane.deploy.Release;
import io.ctrlplane.deploy.VersionRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Row → domain record: the one place each record is built from the database. Each column list lives
 * next to the mapper that reads it; a query selects {@code <X>_COLUMNS FROM <X>_FROM}.
 */
public final class DeployRows {
  public static final String INSTANCE_COLUMNS =
      "i.id, i.name, i.replicas, i.provider, i.provider_config, "
          + "i.default_strategy, i.default_strategy_params, i.current_release_id, i.current_version, "
          + "i.created_at, i.updated_at, i.degraded_reason, i.degraded_at, i.hooks, i.heal_after_seconds, "
          + "i.release_command, i.release_timeout_seconds, "
          // what the healer reports, when it reports anything
          + "(SELECT h.status FROM instance_heal h WHERE h.instance_id = i.id) AS heal_status, "
          + "(SELECT h.reason FROM instance_heal h WHERE h.instance_id = i.id) AS heal_reason, "
          + "(SELECT h.since FROM instance_heal h WHERE h.instance_id = i.id) AS heal_since";

  public static final String RELEASE_COLUMNS =
      "r.id, r.instance_id, r.version, r.kind, r.image, r.env, r.commit_sha, "
          + "r.notes, r.rollback_of, rb.version AS rollback_of_version, r.created_at, "
          // the names of its secret_env, never the values (those stay sealed in release_secrets)
          + "ARRAY(SELECT s.name FROM release_secrets s WHERE s.release_id = r.id ORDER BY s.name) AS secret_names";
  public static final String RELEASE_FROM =
      "releases r LEFT JOIN releases rb ON rb.id = r.rollback_of";

  public static final String DEPLOYMENT_COLUMNS =
      "d.id, d.seq, d.instance_id, d.kind, d.strategy, d.strategy_params, "
          + "d.state, d.error, d.cancel_requested, d.progress, d.replaces_deployment_id, "
          + "d.created_at, d.started_at, d.finished_at, d.updated_at, "
          + "d.release_id, r.version AS release_version, r.image AS release_image, "
          + "d.previous_release_id, p.version AS previous_version, d.initiated_by_key_id, d.initiated_by_key_name, d.plan";
  public static final String DEPLOYMENT_FROM =
      "deployments d JOIN releases r ON r.id = d.release_id "
          + "LEFT JOIN releases p ON p.id = d.previous_release_id";

  private DeployRows() {}

  public static Instance instance(Row row) {
    return new Instance(
        row.getString("id"),
        row.getString("name"),
        row.getInteger("replicas"),
        row.getString("provider"),
        DeployJson.doc(row.getJsonObject("provider_config")),
        row.getString("default_strategy"),
        DeployJson.doc(row.getJsonObject("default_strategy_params")),
        VersionRef.of(row.getString("current_release_id"), row.getInteger("current_version")),
        row.getString("degraded_reason"),
        time(row, "degraded_at"),
        time(row, "created_at"),
        time(row, "updated_at"),
        Hook.parseAll(DeployJson.plain(row.getJsonArray("hooks")), "hooks"),
        row.getInteger("heal_after_seconds"),
        row.getString("heal_status"),
        row.getString("heal_reason"),
        time(row, "heal_since"),
        row.getJsonArray("release_command") == null
            ? null
            : row.getJsonArray("release_command").stream().map(String::valueOf).toList(),
        row.getInteger("release_timeout_seconds"));
  }

  public static Release release(Row row) {
    return new Release(
        row.getString("id"),
        row.getString("instance_id"),
        row.getInteger("version"),
        row.getString("kind"),
        row.getString("image"),
        DeployJson.doc(row.getJsonObject("env")),
        List.of(row.getArrayOfStrings("secret_names")),
        row.getString("commit_sha"),
        row.getString("notes"),
        VersionRef.of(row.getString("rollback_of"), row.getInteger("rollback_of_version")),
        time(row, "created_at"));
  }

  public static Deployment deployment(Row row) {
    String keyId = row.getString("initiated_by_key_id");
    return new Deployment(
        row.getString("id"),
        row.getLong("seq"),
        row.getString("instance_id"),
        row.getString("kind"),
        DeploymentState.fromWire(row.getString("state")),
        row.getString("strategy"),
        DeployJson.doc(row.getJsonObject("strategy_params")),
        new VersionRef(
            row.getString("release_id"),
            row.getInteger("release_version"),
            row.getString("release_image")),
        VersionRef.of(row.getString("previous_release_id"), row.getInteger("previous_version")),
        row.getString("replaces_deployment_id"),
        row.getString("error"),
        row.getBoolean("cancel_requested"),
        DeployJson.doc(row.getJsonObject("progress")),
        plan(row.getJsonObject("plan")),
        keyId == null
            ? null
            : new Deployment.Initiator(keyId, row.getString("initiated_by_key_name")),
        time(row, "created_at"),
        time(row, "started_at"),
        time(row, "finished_at"),
        time(row, "updated_at"));
  }

  /** The outline of a stored plan (the {@code plan} column); null when there is none yet. */
  public static Deployment.PlanOutline plan(JsonObject plan) {
    if (plan == null || plan.getJsonArray("steps") == null) {
      return null;
    }
    JsonArray json = plan.getJsonArray("steps");
    List<Deployment.PlanStep> steps = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      JsonObject step = json.getJsonObject(i);
      steps.add(new Deployment.PlanStep(step.getString("type"), step.getString("description")));
    }
    return new Deployment.PlanOutline(steps, plan.getInteger("finish_from"));
  }

  private static Instant time(Row row, String column) {
    OffsetDateTime t = row.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }
}
