package io.ctrlplane.store;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.lifecycle.Commands;
import io.ctrlplane.lifecycle.NewDeployment;
import io.ctrlplane.problem.Refusal;
import io.ctrlplane.security.AuditLog;
import io.ctrlplane.security.Keyring;
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
                        + "provider, provider_config, default_strategy, default_strategy_params) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
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
                          in.getJsonObject("default_strategy_params")
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
  public Future<JsonObject> createDeployment(JsonObject in, Idempotency.Key key, Caller caller) {
    return withKey(
        key,
        caller,
        conn ->
            lockInstanceForNewVersion(conn, caller, in.getString("instance_id"))
                .compose(
                    instance ->
                        insertRelease(
                                conn,
                                instance,
                                in.getString("image"),
                                in.getJsonObject("env"),
                                in.getString("commit_sha"),
                                in.getString("notes"),
                                null)
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
  public Future<JsonObject> rollback(JsonObject in, Idempotency.Key key, Caller caller) {
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
                                                              .map(releaseId))
                                                  .compose(
                                                      releaseId ->
                                                          insertDeployment(
                                                              conn,
                                                              instance,
                                                              releaseId,
                                                              "rollback",
                                                              in,
                                                              replaced,
                                                              caller)));
                                })));
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
   * Runs a command under its Idempotency-Key: a replay answers the stored reply (and is audited as
   * such); a new request runs in one transaction with its audit record and the key's completion.
   */
  private Future<JsonObject> withKey(
      Idempotency.Key key, Caller caller, Function<SqlConnection, Future<JsonObject>> command) {
    return Idempotency.claim(pool, key)
        .compose(
            replay ->
                replay != null
                    ? AuditLog.append(
                            pool,
                            AuditLog.Entry.of(
                                caller,
                                resourceId(replay),
                                AuditLog.REPLAYED,
                                replay.getInteger("status")))
                        .map(replay)
                    : pool.withTransaction(
                            conn ->
                                command
                                    .apply(conn)
                                    .compose(
                                        reply ->
                                            AuditLog.succeeded(
                                                    conn,
                                                    caller,
                                                    resourceId(reply),
                                                    reply.getInteger("status"))
                                                .compose(
                                                    v -> Idempotency.complete(conn, key, reply))
                                                .map(reply)))
                        .onFailure(e -> Idempotency.release(pool, key)));
  }

  private static String resourceId(JsonObject reply) {
    JsonObject body = reply.getJsonObject("body");
    return body == null ? null : body.getString("id");
  }

  private Future<JsonObject> lockInstanceForNewVersion(
      SqlConnection conn, Caller caller, String instanceId) {
    return conn.preparedQuery(
            "UPDATE instances SET last_version = last_version + 1, updated_at = now() "
                + "WHERE id = $1 AND tenant_id = $2 RETURNING id, tenant_id, name, last_version, current_release_id, "
                + "default_strategy, default_strategy_params")
        .execute(Tuple.of(instanceId, caller.tenantId()))
        .compose(
            rs ->
                rs.size() == 0
                    ? Future.failedFuture(
                        Refusal.notFound("instance " + instanceId + " does not exist"))
                    : Future.succeededFuture(rs.iterator().next().toJson()));
  }

  private Future<String> insertRelease(
      SqlConnection conn,
      JsonObject instance,
      String image,
      JsonObject env,
      String commitSha,
      String notes,
      String rollbackOf) {
    String id = Ids.next("rel");
    return conn.preparedQuery(
            "INSERT INTO releases (id, tenant_id, instance_id, version, image, env, commit_sha, "
                + "notes, rollback_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
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
                  rollbackOf
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
