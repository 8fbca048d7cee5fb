package io.ctrlplane.store;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.lifecycle.Commands;
import io.ctrlplane.lifecycle.NewDeployment;
import io.ctrlplane.ops.Tracing;
import io.ctrlplane.problem.Refusal;
import io.ctrlplane.provider.Providers;
import io.ctrlplane.security.AuditLog;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.strategy.Strategies;
import io.ctrlplane.strategy.json.ParamsJson;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The write side of instances and releases, and the transaction around every deployment command
 * (the lifecycle writes the deployment and its event; this adds the release, the audit record and
 * the idempotency key, all in one transaction); input arrives already validated by the API
 * (secret_env already sealed). Every row it reads or writes is the caller's tenant's.
 */
public final class ReleaseStore {
  private final Pool pool;

  public ReleaseStore(Pool pool) {
    this.pool = pool;
  }

  public Future<JsonObject> createInstance(JsonObject in, Idempotency.Key key, Caller caller) {
    String id = Ids.next("inst");
    return withKey(
        key,
        caller,
        conn ->
            conn.preparedQuery(
                    "INSERT INTO instances (id, tenant_id, name, replicas, "
                        + "provider, provider_config, default_strategy, default_strategy_params, hooks, "
                        + "heal_after_seconds, release_command, release_timeout_seconds) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                .execute(
                    Tuple.from(
                        new Object[] {
                          id,
                          caller.tenantId(),
                          in.getString("name"),
                          in.getInteger("replicas"),
                          in.getString("provider"),
                          in.getJsonObject("provider_config"),
                          in.getString("default_strategy"),
                          in.getJsonObject("default_strategy_params"),
                          in.getJsonArray("hooks", new io.vertx.core.json.JsonArray()),
                          in.getInteger("heal_after_seconds", 10),
                          in.getJsonArray("release_command"),
                          in.getInteger(
                              "release_timeout_seconds",
                              io.ctrlplane.deploy.Instance.DEFAULT_RELEASE_TIMEOUT_SECONDS)
                        }))
                .recover(
                    e ->
                        isUniqueViolation(e, "instances_tenant_name_key")
                            ? Future.failedFuture(
                                Refusal.conflict(
                                    "an instance named '"
                                        + in.getString("name")
                                        + "' already exists"))
                            : Future.failedFuture(e))
                .compose(ok -> Queries.instance(conn, caller.tenantId(), id))
                .map(instance -> created(instance, "/v1/instances/" + id)));
  }

  /**
   * Deploy: next release version, the immutable release and its sealed secrets, a pending
   * deployment, deploy.queued.
   */
  public Future<JsonObject> createDeployment(JsonObject given, Idempotency.Key key, Caller caller) {
    // a strategy template is resolved before anything is claimed or written: an unknown name is a
    // 422 of the request, like an unknown strategy, and leaves nothing behind
    return StrategyTemplates.resolve(pool, caller.tenantId(), given)
        .compose(in -> createResolved(in, key, caller));
  }

  private Future<JsonObject> createResolved(JsonObject in, Idempotency.Key key, Caller caller) {
    return withKey(
        key,
        caller,
        conn ->
            lockInstanceForNewVersion(conn, caller, in.getString("instance_id"))
                .compose(instance -> unfrozen(conn, caller, instance, in))
                .compose(
                    instance ->
                        deployEnv(conn, instance, in)
                            .compose(
                                env ->
                                    insertRelease(
                                        conn,
                                        instance,
                                        "deploy",
                                        in.getString("image"),
                                        env,
                                        in.getString("commit_sha"),
                                        in.getString("notes"),
                                        null))
                            .compose(
                                releaseId ->
                                    storeSecrets(
                                            conn,
                                            instance,
                                            releaseId,
                                            in.getJsonObject("secret_env"))
                                        .map(releaseId))
                            .compose(
                                releaseId ->
                                    insertDeployment(
                                        conn, instance, releaseId, "deploy", in, null, caller))));
  }

  /**
   * Rollback: a new release carrying an earlier release's image and configuration, and its
   * deployment. Its secrets are the earlier release's sealed values, copied as they are: never
   * opened here.
   */
  public Future<JsonObject> rollback(JsonObject given, Idempotency.Key key, Caller caller) {
    // as for a deploy: a template is resolved before anything is claimed or written
    return StrategyTemplates.resolve(pool, caller.tenantId(), given)
        .compose(in -> rollbackResolved(in, key, caller));
  }

  private Future<JsonObject> rollbackResolved(JsonObject in, Idempotency.Key key, Caller caller) {
    String instanceId = in.getString("instance_id");
    return withKey(
        key,
        caller,
        conn ->
            lockInstanceForNewVersion(conn, caller, instanceId)
                .compose(
                    instance ->
                        targetRelease(conn, instanceId, in)
                            .compose(
                                target -> {
                                  if (target
                                      .getString("id")
                                      .equals(instance.getString("current_release_id"))) {
                                    return Future.failedFuture(
                                        Refusal.conflict(
                                            "release v"
                                                + target.getInteger("version")
                                                + " is already the current release of this instance"));
                                  }
                                  String notes = "rollback to v" + target.getInteger("version");
                                  return replacedDeployment(conn, instance)
                                      .compose(
                                          replaced ->
                                              insertRelease(
                                                      conn,
                                                      instance,
                                                      "rollback",
                                                      target.getString("image"),
                                                      target.getJsonObject("env"),
                                                      target.getString("commit_sha"),
                                                      notes,
                                                      target.getString("id"))
                                                  .compose(
                                                      releaseId ->
                                                          copySecrets(
                                                                  conn,
                                                                  releaseId,
                                                                  target.getString("id"))
                                                              .compose(
                                                                  v ->
                                                                      askReleasePhase(
                                                                          conn,
                                                                          releaseId,
                                                                          in.getBoolean(
                                                                              "run_release_phase",
                                                                              false)))
                                                              .map(releaseId))
                                                  .compose(
                                                      releaseId ->
                                                          insertDeployment(
                                                              conn,
                                                              instance,
                                                              releaseId,
                                                              "rollback",
                                                              fastTrack(in),
                                                              replaced,
                                                              caller))
                                                  .compose(
                                                      reply ->
                                                          cancelRunning(
                                                                  conn,
                                                                  caller.tenantId(),
                                                                  instanceId)
                                                              .map(reply)));
                                })));
  }

  /**
   * A rollback without a strategy of its own is a switch (blue-green with its defaults, whatever
   * the instance's default strategy): the earlier release at full strength (its replicas adopted
   * where they still run warm, e.g. in blue-green's scale-down window), then all traffic at once.
   * Its place in the queue is the lifecycle's: ahead of every pending deployment of the instance.
   */
  private static JsonObject fastTrack(JsonObject in) {
    if (in.getString("strategy") != null
        || in.getString(StrategyTemplates.TEMPLATE_FIELD) != null) {
      return in;
    }
    return in.copy()
        .put("strategy", Strategies.BLUE_GREEN)
        .put("strategy_params", ParamsJson.normalize(Strategies.BLUE_GREEN, new JsonObject()));
  }

  /**
   * The instance's running deployment is asked to cancel (its runner reverts it), so a rollback
   * does not wait for the rollout that caused the trouble. One already reverting a failure ends by
   * itself.
   */
  private static Future<Void> cancelRunning(
      SqlConnection conn, String tenantId, String instanceId) {
    return conn.preparedQuery(
            "SELECT id FROM deployments WHERE instance_id = $1 AND state = 'running' "
                + "AND NOT cancel_requested")
        .execute(Tuple.of(instanceId))
        .compose(
            rs -> {
              Future<Void> chain = Future.succeededFuture();
              for (io.vertx.sqlclient.Row row : rs) {
                String deploymentId = row.getString("id");
                chain =
                    chain.compose(
                        v ->
                            Commands.cancel(conn, tenantId, deploymentId)
                                .<Void>mapEmpty()
                                .recover(e -> Future.succeededFuture()));
              }
              return chain;
            });
  }

  /**
   * The env of a deploy: the one given ({} clears it), else the current release's, less any name
   * the deploy makes secret.
   */
  private static Future<JsonObject> deployEnv(
      SqlConnection conn, JsonObject instance, JsonObject in) {
    if (in.getJsonObject("env") != null) {
      return Future.succeededFuture(in.getJsonObject("env"));
    }
    JsonObject secrets = in.getJsonObject("secret_env", new JsonObject());
    if (instance.containsKey("current_env")) { // read with the instance's lock
      JsonObject current = instance.getJsonObject("current_env");
      JsonObject env = current == null ? new JsonObject() : current.copy();
      secrets.fieldNames().forEach(env::remove);
      return Future.succeededFuture(env);
    }
    return currentRelease(conn, instance)
        .map(
            current -> {
              JsonObject env =
                  current == null ? new JsonObject() : current.getJsonObject("env").copy();
              secrets.fieldNames().forEach(env::remove);
              return env;
            });
  }

  /** The instance's current release (id, image, env, commit_sha, secret names), or null. */
  private static Future<JsonObject> currentRelease(SqlConnection conn, JsonObject instance) {
    String id = instance.getString("current_release_id");
    if (id == null) {
      return Future.succeededFuture(null);
    }
    return conn.preparedQuery(
            "SELECT id, version, image, env, commit_sha, ARRAY(SELECT s.name FROM release_secrets s "
                + "WHERE s.release_id = r.id ORDER BY s.name) AS secret_names FROM releases r WHERE id = $1")
        .execute(Tuple.of(id))
        .map(rs -> rs.iterator().next().toJson());
  }

  /**
   * A config change: a new release (kind config) with the current release's image, its env with
   * {@code set} applied and {@code unset} removed, its sealed secrets with {@code secret_set}
   * (sealed by the API) applied and {@code secret_unset} removed; deployed with the instance's
   * default strategy. A name moves between env and secret_env when it is set on the other side.
   */
  public Future<JsonObject> config(JsonObject in, Idempotency.Key key, Caller caller) {
    return withKey(
        key,
        caller,
        conn ->
            lockInstanceForNewVersion(conn, caller, in.getString("instance_id"))
                .compose(instance -> unfrozen(conn, caller, instance, in))
                .compose(
                    instance ->
                        currentRelease(conn, instance)
                            .compose(
                                current ->
                                    configRelease(conn, instance, current, in)
                                        .compose(
                                            releaseId ->
                                                insertDeployment(
                                                    conn,
                                                    instance,
                                                    releaseId,
                                                    "config",
                                                    new JsonObject(),
                                                    null,
                                                    caller)))));
  }

  private Future<String> configRelease(
      SqlConnection conn, JsonObject instance, JsonObject current, JsonObject in) {
    if (current == null) {
      return Future.failedFuture(
          Refusal.conflict(
              "instance "
                  + instance.getString("id")
                  + " has no release yet: deploy an image first"));
    }
    JsonObject set = in.getJsonObject("set");
    JsonObject secretSet = in.getJsonObject("secret_set");
    List<String> unset = names(in.getJsonArray("unset"));
    List<String> secretUnset = names(in.getJsonArray("secret_unset"));
    JsonObject env = current.getJsonObject("env").copy();
    List<String> secrets = names(current.getJsonArray("secret_names"));
    List<FieldError> errors = new ArrayList<>();
    for (int i = 0; i < unset.size(); i++) {
      if (!env.containsKey(unset.get(i))) {
        errors.add(new FieldError("unset[" + i + "]", "is not in the current release's env"));
      }
    }
    for (int i = 0; i < secretUnset.size(); i++) {
      if (!secrets.contains(secretUnset.get(i))) {
        errors.add(
            new FieldError(
                "secret_unset[" + i + "]", "is not in the current release's secret_env"));
      }
    }
    if (!errors.isEmpty()) {
      return Future.failedFuture(new ValidationException(errors));
    }
    unset.forEach(env::remove);
    secretSet.fieldNames().forEach(env::remove);
    env.mergeIn(set);
    List<String> dropped = new ArrayList<>(secretUnset);
    dropped.addAll(set.fieldNames());
    dropped.addAll(secretSet.fieldNames());
    String notes = "config: " + describe(set, unset, secretSet, secretUnset);
    return insertRelease(
            conn,
            instance,
            "config",
            current.getString("image"),
            env,
            current.getString("commit_sha"),
            notes,
            null)
        .compose(
            releaseId ->
                conn.preparedQuery(
                        "INSERT INTO release_secrets (release_id, tenant_id, name, key_id, ciphertext) "
                            + "SELECT $1, tenant_id, name, key_id, ciphertext FROM release_secrets "
                            + "WHERE release_id = $2 AND NOT (name = ANY($3))")
                    .execute(
                        Tuple.of(
                            releaseId, current.getString("id"), dropped.toArray(new String[0])))
                    .compose(ok -> storeSecrets(conn, instance, releaseId, secretSet))
                    .map(releaseId));
  }

  private static List<String> names(io.vertx.core.json.JsonArray array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(v -> out.add((String) v));
    }
    return out;
  }

  /** The names a config release changed, for its notes (never a value). */
  private static String describe(
      JsonObject set, List<String> unset, JsonObject secretSet, List<String> secretUnset) {
    List<String> parts = new ArrayList<>();
    if (!set.isEmpty()) {
      parts.add("set " + String.join(", ", new java.util.TreeSet<>(set.fieldNames())));
    }
    if (!unset.isEmpty()) {
      parts.add("unset " + String.join(", ", unset));
    }
    if (!secretSet.isEmpty()) {
      parts.add("secret_set " + String.join(", ", new java.util.TreeSet<>(secretSet.fieldNames())));
    }
    if (!secretUnset.isEmpty()) {
      parts.add("secret_unset " + String.join(", ", secretUnset));
    }
    String text = String.join("; ", parts);
    return text.length() > 900 ? text.substring(0, 900) + "…" : text;
  }

  /**
   * A merge patch of an instance (validated field by field by the API; here what needs the
   * instance: the provider's config rules and the params of the strategy they go with). The row is
   * locked for the change. A changed replica count of an instance with a live release queues a
   * deployment of kind scale (FIFO behind the others), answered 202 with its Location; anything
   * else is answered 200 with the instance.
   */
  public Future<JsonObject> patch(JsonObject in, Idempotency.Key key, Caller caller) {
    String id = in.getString("instance_id");
    return withKey(
        key,
        caller,
        conn ->
            conn.preparedQuery(
                    "SELECT id, tenant_id, replicas, provider, provider_config, default_strategy, "
                        + "default_strategy_params, current_release_id, deleting_at, hooks, heal_after_seconds, "
                        + "release_command, release_timeout_seconds FROM instances "
                        + "WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR UPDATE")
                .execute(Tuple.of(id, caller.tenantId()))
                .compose(
                    rs ->
                        rs.size() == 0
                            ? Future.failedFuture(
                                Refusal.notFound("instance " + id + " does not exist"))
                            : notDeleting(rs.iterator().next().toJson()))
                .compose(
                    before ->
                        StrategyTemplates.resolveDefault(conn, caller.tenantId(), in)
                            .compose(resolved -> applyPatched(conn, caller, before, resolved))));
  }

  private Future<JsonObject> applyPatched(
      SqlConnection conn, Caller caller, JsonObject before, JsonObject in) {
    JsonObject after = patched(before, in);
    boolean scale =
        !before.getInteger("replicas").equals(after.getInteger("replicas"))
            && before.getString("current_release_id") != null;
    return (scale ? unfrozen(conn, caller, before, in) : Future.succeededFuture(before))
        .compose(b -> applyPatch(conn, before, after, caller));
  }

  /** The instance, unless a freeze holds and the command carries no override (409). */
  private static Future<JsonObject> unfrozen(
      SqlConnection conn, Caller caller, JsonObject instance, JsonObject in) {
    return Freezes.check(
            conn, caller, instance.getString("id"), in.getJsonObject("override_freeze"))
        .map(instance);
  }

  /** The instance's settings after the patch, or a ValidationException naming each bad field. */
  private static JsonObject patched(JsonObject before, JsonObject in) {
    JsonObject after = before.copy();
    List<FieldError> errors = new ArrayList<>();
    if (in.containsKey("replicas")) {
      after.put("replicas", in.getInteger("replicas"));
    }
    if (in.containsKey("hooks")) {
      after.put("hooks", in.getJsonArray("hooks"));
    }
    if (in.containsKey("heal_after_seconds")) {
      after.put("heal_after_seconds", in.getInteger("heal_after_seconds"));
    }
    if (in.containsKey("release_command")) {
      after.put("release_command", in.getJsonArray("release_command"));
    }
    if (in.containsKey("release_timeout_seconds")) {
      after.put("release_timeout_seconds", in.getInteger("release_timeout_seconds"));
    }
    if (in.containsKey("provider_config")) {
      JsonObject config = in.getJsonObject("provider_config");
      try {
        Providers.validateConfig(before.getString("provider"), config);
        after.put("provider_config", config);
      } catch (ValidationException e) {
        errors.addAll(e.errors());
      }
    }
    String strategy = in.getString("default_strategy", before.getString("default_strategy"));
    boolean newStrategy = in.containsKey("default_strategy");
    if (newStrategy || in.containsKey("default_strategy_params")) {
      // a new strategy without params starts from that strategy's defaults
      JsonObject params = in.getJsonObject("default_strategy_params", new JsonObject());
      try {
        after.put("default_strategy", strategy);
        after.put("default_strategy_params", ParamsJson.normalize(strategy, params));
      } catch (ValidationException e) {
        e.errors()
            .forEach(
                fe ->
                    errors.add(
                        new FieldError(
                            fe.field().startsWith("strategy_params")
                                ? "default_" + fe.field()
                                : fe.field().equals("strategy") ? "default_strategy" : fe.field(),
                            fe.message())));
      }
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return after;
  }

  private Future<JsonObject> applyPatch(
      SqlConnection conn, JsonObject before, JsonObject after, Caller caller) {
    String id = before.getString("id");
    boolean scale =
        !before.getInteger("replicas").equals(after.getInteger("replicas"))
            && before.getString("current_release_id") != null;
    return conn.preparedQuery(
            "UPDATE instances SET replicas = $3, provider_config = $4, default_strategy = $5, "
                + "default_strategy_params = $6, hooks = $7, heal_after_seconds = $8, "
                + "release_command = $9, release_timeout_seconds = $10, updated_at = now() "
                + "WHERE id = $1 AND tenant_id = $2")
        .execute(
            Tuple.from(
                new Object[] {
                  id,
                  caller.tenantId(),
                  after.getInteger("replicas"),
                  after.getJsonObject("provider_config"),
                  after.getString("default_strategy"),
                  after.getJsonObject("default_strategy_params"),
                  after.getJsonArray("hooks"),
                  after.getInteger("heal_after_seconds"),
                  after.getJsonArray("release_command"),
                  after.getInteger("release_timeout_seconds")
                }))
        .compose(
            ok ->
                scale
                    ? insertDeployment(
                            conn,
                            after,
                            after.getString("current_release_id"),
                            "scale",
                            new JsonObject(),
                            null,
                            caller)
                        .map(reply -> reply.getString("location"))
                    : Future.succeededFuture((String) null))
        .compose(
            location ->
                Queries.instance(conn, caller.tenantId(), id)
                    .map(
                        instance ->
                            location == null
                                ? new JsonObject().put("status", 200).put("body", instance)
                                : new JsonObject()
                                    .put("status", 202)
                                    .put("body", instance)
                                    .put("location", location)));
  }

  /**
   * Restart: a deployment of kind restart (FIFO behind the others) that replaces every replica of
   * the live release one at a time, new before old; no new release. 409 when the instance has no
   * live release.
   */
  public Future<JsonObject> restart(String id, Idempotency.Key key, Caller caller) {
    return withKey(
        key,
        caller,
        conn ->
            conn.preparedQuery(
                    "SELECT id, tenant_id, current_release_id, default_strategy, "
                        + "default_strategy_params, deleting_at FROM instances "
                        + "WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR UPDATE")
                .execute(Tuple.of(id, caller.tenantId()))
                .compose(
                    rs ->
                        rs.size() == 0
                            ? Future.failedFuture(
                                Refusal.notFound("instance " + id + " does not exist"))
                            : notDeleting(rs.iterator().next().toJson()))
                .compose(
                    instance ->
                        instance.getString("current_release_id") == null
                            ? Future.failedFuture(
                                Refusal.conflict(
                                    "instance " + id + " has no live release: nothing to restart"))
                            : insertDeployment(
                                conn,
                                instance,
                                instance.getString("current_release_id"),
                                "restart",
                                new JsonObject(),
                                null,
                                caller)));
  }

  /**
   * Delete: the instance takes no more changes (deleting_at); its pending deployments are cancelled
   * and a running one is asked to cancel (its runner reverts it); a teardown deployment, queued
   * behind them, stops every replica, and its success marks the instance deleted (the lifecycle's
   * Endings). An instance that never had a release is deleted at once. 202 with the instance and,
   * when there is a teardown, its Location.
   */
  public Future<JsonObject> delete(String id, Idempotency.Key key, Caller caller) {
    return withKey(
        key,
        caller,
        conn ->
            conn.preparedQuery(
                    "SELECT id, tenant_id, current_release_id, default_strategy, "
                        + "default_strategy_params, deleting_at, (SELECT r.id FROM releases r "
                        + "WHERE r.instance_id = i.id ORDER BY r.version DESC LIMIT 1) AS latest_release_id "
                        + "FROM instances i WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR UPDATE")
                .execute(Tuple.of(id, caller.tenantId()))
                .compose(
                    rs -> {
                      if (rs.size() == 0) {
                        return Future.failedFuture(
                            Refusal.notFound("instance " + id + " does not exist"));
                      }
                      JsonObject instance = rs.iterator().next().toJson();
                      if (instance.getValue("deleting_at") != null) {
                        return Future.failedFuture(
                            Refusal.conflict("instance " + id + " is already being deleted"));
                      }
                      return conn.preparedQuery(
                              "UPDATE instances SET deleting_at = now(), updated_at = now() WHERE id = $1")
                          .execute(Tuple.of(id))
                          .compose(ok -> Queries.instance(conn, caller.tenantId(), id))
                          .compose(
                              body ->
                                  cancelQueued(conn, caller.tenantId(), id)
                                      .compose(v -> teardown(conn, instance, caller))
                                      .map(
                                          location -> {
                                            JsonObject reply =
                                                new JsonObject()
                                                    .put("status", 202)
                                                    .put("body", body);
                                            return location == null
                                                ? reply
                                                : reply.put("location", location);
                                          }));
                    }));
  }

  /** Cancels every pending deployment of the instance and asks a running one to cancel. */
  private static Future<Void> cancelQueued(SqlConnection conn, String tenantId, String instanceId) {
    return conn.preparedQuery(
            "SELECT id FROM deployments WHERE instance_id = $1 AND state IN ('pending', 'running') "
                + "ORDER BY seq")
        .execute(Tuple.of(instanceId))
        .compose(
            rs -> {
              Future<Void> chain = Future.succeededFuture();
              for (io.vertx.sqlclient.Row row : rs) {
                String deploymentId = row.getString("id");
                // one that is already reverting a failure cannot be cancelled: it ends by itself
                chain =
                    chain.compose(
                        v ->
                            Commands.cancel(conn, tenantId, deploymentId)
                                .<Void>mapEmpty()
                                .recover(e -> Future.succeededFuture()));
              }
              return chain;
            });
  }

  /** The teardown deployment's Location, or null when nothing ever ran (deleted at once). */
  private Future<String> teardown(SqlConnection conn, JsonObject instance, Caller caller) {
    String releaseId = instance.getString("current_release_id");
    if (releaseId == null) {
      releaseId = instance.getString("latest_release_id");
    }
    if (releaseId == null) {
      return conn.preparedQuery("UPDATE instances SET deleted_at = now() WHERE id = $1")
          .execute(Tuple.of(instance.getString("id")))
          .map((String) null);
    }
    return insertDeployment(conn, instance, releaseId, "teardown", new JsonObject(), null, caller)
        .map(reply -> reply.getString("location"));
  }

  /**
   * Cancel: pending → cancelled at once; running → cancel requested (the runner reverts, then ends
   * it cancelled). The row lock orders a cancel against the runner's compare-and-set to succeeded:
   * whichever commits first wins, and the other learns it (the runner from its row count, the
   * client from a 409).
   */
  public Future<JsonObject> cancel(String deploymentId, Idempotency.Key key, Caller caller) {
    return withKey(
        key,
        caller,
        conn -> Commands.cancel(conn, caller.tenantId(), deploymentId).map(this::accepted));
  }

  /**
   * Runs a command under its Idempotency-Key: a new request runs in one transaction that claims the
   * key first, then writes, its audit record and the key's completion; a key already used rolls
   * that transaction back at once and replays the stored reply (audited as such).
   */
  private Future<JsonObject> withKey(
      Idempotency.Key key, Caller caller, Function<SqlConnection, Future<JsonObject>> command) {
    return withKey(key, caller, command, 1);
  }

  /** {@code retries}: how often a key whose first request rolled back is tried again. */
  private Future<JsonObject> withKey(
      Idempotency.Key key,
      Caller caller,
      Function<SqlConnection, Future<JsonObject>> command,
      int retries) {
    return Tracing.inSpan(
            "transaction " + caller.action(),
            () ->
                pool.withTransaction(
                    conn ->
                        (key == null
                                ? Future.succeededFuture(true)
                                : Idempotency.claimIn(conn, key))
                            .compose(
                                claimed ->
                                    !claimed
                                        ? Future.<JsonObject>failedFuture(new KeyUsed())
                                        : command
                                            .apply(conn)
                                            .compose(
                                                reply ->
                                                    AuditLog.succeeded(
                                                            conn,
                                                            caller,
                                                            resourceId(reply),
                                                            reply.getInteger("status"))
                                                        .compose(
                                                            v ->
                                                                Idempotency.complete(
                                                                    conn, key, reply))
                                                        .map(reply)))))
        .recover(
            e ->
                e instanceof KeyUsed
                    ? Idempotency.existing(pool, key)
                        .compose(
                            replay ->
                                replay == null && retries > 0
                                    ? withKey(key, caller, command, retries - 1)
                                    : replay == null
                                        ? Future.failedFuture(
                                            Refusal.conflict(
                                                "a request with Idempotency-Key '"
                                                    + key.key()
                                                    + "' is still in progress; retry later"))
                                        : AuditLog.append(
                                                pool,
                                                AuditLog.Entry.of(
                                                    caller,
                                                    resourceId(replay),
                                                    AuditLog.REPLAYED,
                                                    replay.getInteger("status")))
                                            .map(replay))
                    : Idempotency.failed(pool, key, e));
  }

  /** The key was claimed by an earlier request: its reply is replayed (the transaction ends). */
  private static final class KeyUsed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KeyUsed() {
      super("Idempotency-Key already used", null, false, false);
    }
  }

  private static String resourceId(JsonObject reply) {
    JsonObject body = reply.getJsonObject("body");
    return body == null ? null : body.getString("id");
  }

  private Future<JsonObject> lockInstanceForNewVersion(
      SqlConnection conn, Caller caller, String instanceId) {
    return conn.preparedQuery(
            "UPDATE instances SET last_version = last_version + 1, updated_at = now() "
                + "WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL "
                + "RETURNING id, tenant_id, name, last_version, current_release_id, "
                + "default_strategy, default_strategy_params, deleting_at, "
                // the current release's env in the same round trip (a deploy inherits it)
                + "(SELECT r.env FROM releases r WHERE r.id = instances.current_release_id) "
                + "AS current_env")
        .execute(Tuple.of(instanceId, caller.tenantId()))
        .compose(
            rs ->
                rs.size() == 0
                    ? Future.failedFuture(
                        Refusal.notFound("instance " + instanceId + " does not exist"))
                    : notDeleting(rs.iterator().next().toJson()));
  }

  /** An instance being torn down takes no new deployment or change (the transaction rolls back). */
  private static Future<JsonObject> notDeleting(JsonObject instance) {
    return instance.getValue("deleting_at") == null
        ? Future.succeededFuture(instance)
        : Future.failedFuture(
            Refusal.conflict(
                "instance " + instance.getString("id") + " is being deleted; it takes no changes"));
  }

  private Future<String> insertRelease(
      SqlConnection conn,
      JsonObject instance,
      String kind,
      String image,
      JsonObject env,
      String commitSha,
      String notes,
      String rollbackOf) {
    String id = Ids.next("rel");
    return conn.preparedQuery(
            "INSERT INTO releases (id, tenant_id, instance_id, version, image, env, commit_sha, "
                + "notes, rollback_of, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .execute(
            Tuple.from(
                new Object[] {
                  id,
                  instance.getString("tenant_id"),
                  instance.getString("id"),
                  instance.getInteger("last_version"),
                  image,
                  env == null ? new JsonObject() : env,
                  commitSha,
                  notes,
                  rollbackOf,
                  kind
                }))
        .map(id);
  }

  /** The sealed secret_env of a new release: one row per variable, the key id beside each value. */
  private static Future<Void> storeSecrets(
      SqlConnection conn, JsonObject instance, String releaseId, JsonObject sealed) {
    if (sealed == null || sealed.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> rows = new ArrayList<>();
    sealed.forEach(
        e ->
            rows.add(
                Tuple.of(
                    releaseId,
                    instance.getString("tenant_id"),
                    e.getKey(),
                    Keyring.keyIdOf((String) e.getValue()),
                    e.getValue())));
    return conn.preparedQuery(
            "INSERT INTO release_secrets (release_id, tenant_id, name, key_id, ciphertext) "
                + "VALUES ($1, $2, $3, $4, $5)")
        .executeBatch(rows)
        .mapEmpty();
  }

  private static Future<Void> copySecrets(
      SqlConnection conn, String releaseId, String fromReleaseId) {
    return conn.preparedQuery(
            "INSERT INTO release_secrets (release_id, tenant_id, name, key_id, ciphertext) "
                + "SELECT $1, tenant_id, name, key_id, ciphertext FROM release_secrets WHERE release_id = $2")
        .execute(Tuple.of(releaseId, fromReleaseId))
        .mapEmpty();
  }

  private Future<JsonObject> insertDeployment(
      SqlConnection conn,
      JsonObject instance,
      String releaseId,
      String kind,
      JsonObject given,
      String replaces,
      Caller caller) {
    return StrategyTemplates.resolve(conn, instance.getString("tenant_id"), given)
        .compose(in -> insertResolved(conn, instance, releaseId, kind, in, replaces, caller));
  }

  private Future<JsonObject> insertResolved(
      SqlConnection conn,
      JsonObject instance,
      String releaseId,
      String kind,
      JsonObject in,
      String replaces,
      Caller caller) {
    String strategy = in.getString("strategy", instance.getString("default_strategy"));
    JsonObject params = in.getJsonObject("strategy_params");
    if (!in.containsKey(
        "strategy")) { // the instance's default strategy; its params unless new ones are given
      params =
          params == null
              ? instance.getJsonObject("default_strategy_params")
              : ParamsJson.normalize(strategy, params);
    }
    NewDeployment deployment =
        new NewDeployment(
            instance.getString("tenant_id"),
            instance.getString("id"),
            releaseId,
            instance.getString("current_release_id"),
            kind,
            replaces,
            strategy,
            DeployJson.doc(params),
            caller.keyId() == null && caller.keyName() == null
                ? null
                : new Deployment.Initiator(caller.keyId(), caller.keyName()));
    return Commands.create(conn, deployment).map(this::accepted);
  }

  /** A rollback that asked for the release phase ({@code "run_release_phase": true}). */
  private static Future<Void> askReleasePhase(SqlConnection conn, String releaseId, boolean ask) {
    return !ask
        ? Future.succeededFuture()
        : conn.preparedQuery("INSERT INTO release_phase_requests (release_id) VALUES ($1)")
            .execute(Tuple.of(releaseId))
            .mapEmpty();
  }

  private Future<JsonObject> targetRelease(SqlConnection conn, String instanceId, JsonObject in) {
    String releaseId = in.getString("release_id");
    Integer version = in.getInteger("version");
    String what = releaseId != null ? "release " + releaseId : "release v" + version;
    return conn.preparedQuery(
            "SELECT id, version, image, env, commit_sha FROM releases "
                + "WHERE instance_id = $1 AND (id = $2 OR version = $3)")
        .execute(Tuple.of(instanceId, releaseId, version))
        .compose(
            rs ->
                rs.size() == 0
                    ? Future.failedFuture(
                        Refusal.notFound(what + " does not exist on instance " + instanceId))
                    : Future.succeededFuture(rs.iterator().next().toJson()));
  }

  /**
   * The deployment that put the current release in place: a successful rollback marks it
   * rolled_back.
   */
  private Future<String> replacedDeployment(SqlConnection conn, JsonObject instance) {
    return conn.preparedQuery(
            "SELECT id FROM deployments WHERE instance_id = $1 AND release_id = $2 "
                + "AND state = 'succeeded' ORDER BY seq DESC LIMIT 1")
        .execute(Tuple.of(instance.getString("id"), instance.getString("current_release_id")))
        .map(rs -> rs.size() == 0 ? null : rs.iterator().next().getString("id"));
  }

  private JsonObject accepted(Deployment deployment) {
    return new JsonObject()
        .put("status", 202)
        .put("body", DeployJson.deployment(deployment))
        .put("location", "/v1/deployments/" + deployment.id());
  }

  private static JsonObject created(JsonObject body, String location) {
    return new JsonObject().put("status", 201).put("body", body).put("location", location);
  }

  static boolean isUniqueViolation(Throwable e, String constraint) {
    return e instanceof PgException pg
        && "23505".equals(pg.getSqlState())
        && (constraint == null || constraint.equals(pg.getConstraint()));
  }
}
