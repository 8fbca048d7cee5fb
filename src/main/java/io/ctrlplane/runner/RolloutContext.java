package io.ctrlplane.runner;

import io.ctrlplane.deploy.Hook;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.lifecycle.Claim;
import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.strategy.HookSteps;
import io.ctrlplane.strategy.Plan;
import io.ctrlplane.strategy.Plans;
import io.ctrlplane.strategy.Side;
import io.ctrlplane.strategy.json.ParamsJson;
import io.ctrlplane.strategy.json.PlanCodec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * What a runner needs to drive one deployment: the releases on both sides (with their environment,
 * secrets still sealed), the instance, the params and the plan (the stored one when resuming, else
 * a fresh one from the strategy).
 */
record RolloutContext(
    Claim claim,
    String tenantId,
    String instanceName,
    String provider,
    int replicas,
    String strategy,
    JsonObject params,
    ReleaseRef newRelease,
    ReleaseRef oldRelease,
    ReleaseEnv newEnv,
    ReleaseEnv oldEnv,
    Plan plan,
    boolean planIsStored,
    String traceparent,
    List<Hook> hooks,
    List<String> releaseCommand,
    int releaseTimeoutSeconds) {

  private static final String SECRETS =
      "(SELECT coalesce(jsonb_object_agg(s.name, s.ciphertext), '{}') "
          + "FROM release_secrets s WHERE s.release_id = %s)";
  private static final String LOAD =
      "SELECT d.kind, d.strategy, d.strategy_params, d.plan, d.tenant_id, d.traceparent, i.name, i.replicas, "
          + "i.provider, i.hooks, i.release_command, i.release_timeout_seconds, "
          + "EXISTS (SELECT 1 FROM release_phase_requests q WHERE q.release_id = d.release_id) "
          + "AS run_release_phase, "
          + "d.release_id, r.version AS new_version, r.image AS new_image, r.rollback_of AS new_rollback_of, "
          + "r.env AS new_env, "
          + SECRETS.formatted("r.id")
          + " AS new_secrets, "
          + "d.previous_release_id, p.version AS old_version, p.image AS old_image, "
          + "p.env AS old_env, "
          + SECRETS.formatted("p.id")
          + " AS old_secrets "
          + "FROM deployments d JOIN instances i ON i.id = d.instance_id JOIN releases r ON r.id = d.release_id "
          + "LEFT JOIN releases p ON p.id = d.previous_release_id WHERE d.id = $1";

  static Future<RolloutContext> load(SqlClient client, Claim claim) {
    return client
        .preparedQuery(LOAD)
        .execute(Tuple.of(claim.deploymentId()))
        .map(rs -> from(claim, rs.iterator().next()));
  }

  private static RolloutContext from(Claim claim, Row row) {
    ReleaseRef target =
        new ReleaseRef(
            row.getString("release_id"),
            row.getInteger("new_version"),
            row.getString("new_image"),
            row.getString("new_rollback_of"));
    String previousId = row.getString("previous_release_id");
    JsonObject newEnv = row.getJsonObject("new_env");
    JsonObject newSecrets = row.getJsonObject("new_secrets");
    if ("restart".equals(row.getString("kind")) && previousId != null) {
      // a restart renews whatever release is live when it starts (a deploy queued before it may
      // have moved the instance on since it was asked for)
      target =
          new ReleaseRef(previousId, row.getInteger("old_version"), row.getString("old_image"));
      newEnv = row.getJsonObject("old_env");
      newSecrets = row.getJsonObject("old_secrets");
    }
    // a redeploy of what is already live has nothing to protect: treat it as having no previous
    // release
    ReleaseRef previous =
        previousId == null || previousId.equals(target.id())
            ? null
            : new ReleaseRef(previousId, row.getInteger("old_version"), row.getString("old_image"));
    JsonObject params = row.getJsonObject("strategy_params");
    JsonObject stored = row.getJsonObject("plan");
    int replicas = row.getInteger("replicas");
    List<Hook> hooks = Hook.parseAll(DeployJson.plain(row.getJsonArray("hooks")), "hooks");
    boolean hooked =
        !"scale".equals(row.getString("kind")) && !"teardown".equals(row.getString("kind"));
    Plan plan =
        stored != null
            ? PlanCodec.fromJson(stored)
            : "scale".equals(row.getString("kind"))
                ? Plans.scale(row.getString("strategy"), replicas)
                : "restart".equals(row.getString("kind"))
                    ? Plans.restart(row.getString("strategy"), replicas)
                    : "teardown".equals(row.getString("kind"))
                        ? Plans.teardown(row.getString("strategy"), replicas)
                        : Plans.of(
                            row.getString("strategy"),
                            replicas,
                            previous != null,
                            ParamsJson.toMap(params));
    List<String> releaseCommand =
        row.getJsonArray("release_command") == null
            ? null
            : row.getJsonArray("release_command").stream().map(String::valueOf).toList();
    String kind = row.getString("kind");
    boolean releasePhase =
        releaseCommand != null
            && ("deploy".equals(kind)
                || ("rollback".equals(kind)
                    && Boolean.TRUE.equals(row.getBoolean("run_release_phase"))));
    if (stored == null && releasePhase) {
      plan = HookSteps.withReleasePhase(plan);
    }
    if (stored == null && hooked) {
      plan = HookSteps.wrap(plan, hooks.stream().map(Hook::on).toList());
    }
    return new RolloutContext(
        claim,
        row.getString("tenant_id"),
        row.getString("name"),
        row.getString("provider"),
        replicas,
        row.getString("strategy"),
        params,
        target,
        previous,
        ReleaseEnv.of(newEnv, newSecrets),
        previous == null
            ? ReleaseEnv.NONE
            : ReleaseEnv.of(row.getJsonObject("old_env"), row.getJsonObject("old_secrets")),
        plan,
        stored != null,
        row.getString("traceparent"),
        hooks,
        releaseCommand,
        row.getInteger("release_timeout_seconds"));
  }

  ReleaseRef release(Side side) {
    return side == Side.NEW ? newRelease : oldRelease;
  }

  /**
   * The release of {@code side} with its environment, secrets decrypted: made at the moment it is
   * handed to the provider, and not kept.
   */
  ReleaseRef handOff(Side side, Keyring keyring) {
    ReleaseEnv env = side == Side.NEW ? newEnv : oldEnv;
    return release(side).withEnv(env.open(keyring, tenantId, claim.instanceId()));
  }

  Fence fence() {
    return new Fence(claim.instanceId(), claim.deploymentId(), claim.epoch());
  }

  long deadlineMs() {
    return params.getLong("progress_deadline_seconds", 600L) * 1000;
  }

  String label(Side side) {
    ReleaseRef r = release(side);
    return r == null ? side.wire() : "v" + r.version();
  }
}
