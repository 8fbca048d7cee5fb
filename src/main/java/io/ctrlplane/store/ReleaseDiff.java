package io.ctrlplane.store;

import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.TreeSet;

/**
 * What changed from one release of an instance to another: image, commit SHA, env (with values) and
 * secret_env (names only; a secret counts as changed when it was sealed anew, since sealed values
 * cannot be compared without opening them, which this never does).
 */
final class ReleaseDiff {
  private static final String RELEASE =
      "SELECT r.id, r.instance_id, r.version, r.image, r.env, r.commit_sha, "
          + "(SELECT coalesce(jsonb_object_agg(s.name, s.key_id || ':' || s.ciphertext), '{}') "
          + "FROM release_secrets s WHERE s.release_id = r.id) AS sealed "
          + "FROM releases r WHERE r.tenant_id = $1 AND ";

  private ReleaseDiff() {}

  /** {@code against} null: the previous version of the same instance (none for v1). */
  static Future<JsonObject> of(SqlClient client, String tenantId, String id, String against) {
    return one(client, RELEASE + "r.id = $2", Tuple.of(tenantId, id))
        .compose(
            to -> {
              if (to == null) {
                return Future.failedFuture(Refusal.notFound("release " + id + " does not exist"));
              }
              Future<JsonObject> from =
                  against == null
                      ? one(
                          client,
                          RELEASE + "r.instance_id = $2 AND r.version = $3",
                          Tuple.of(
                              tenantId, to.getString("instance_id"), to.getInteger("version") - 1))
                      : one(client, RELEASE + "r.id = $2", Tuple.of(tenantId, against))
                          .compose(f -> checkAgainst(f, to, against));
              return from.map(f -> diff(f, to));
            });
  }

  private static Future<JsonObject> checkAgainst(JsonObject from, JsonObject to, String against) {
    if (from == null) {
      return Future.failedFuture(Refusal.notFound("release " + against + " does not exist"));
    }
    if (!from.getString("instance_id").equals(to.getString("instance_id"))) {
      return Future.failedFuture(
          new ValidationException(
              "against",
              "must be a release of the same instance (" + to.getString("instance_id") + ")"));
    }
    return Future.succeededFuture(from);
  }

  private static Future<JsonObject> one(SqlClient client, String sql, Tuple args) {
    return client
        .preparedQuery(sql)
        .execute(args)
        .map(rs -> rs.size() == 0 ? null : rs.iterator().next().toJson());
  }

  static JsonObject diff(JsonObject from, JsonObject to) {
    JsonObject empty = new JsonObject();
    JsonObject base = from == null ? empty : from;
    return new JsonObject()
        .put("release", ref(to))
        .put("against", from == null ? null : ref(from))
        .put("image", change(base.getString("image"), to.getString("image")))
        .put("commit_sha", change(base.getString("commit_sha"), to.getString("commit_sha")))
        .put("env", envDiff(base.getJsonObject("env", empty), to.getJsonObject("env")))
        .put(
            "secret_env",
            secretDiff(base.getJsonObject("sealed", empty), to.getJsonObject("sealed")));
  }

  private static JsonObject ref(JsonObject release) {
    return new JsonObject()
        .put("id", release.getString("id"))
        .put("version", release.getInteger("version"));
  }

  private static JsonObject change(String from, String to) {
    return new JsonObject()
        .put("from", from)
        .put("to", to)
        .put("changed", from == null ? to != null : !from.equals(to));
  }

  private static JsonObject envDiff(JsonObject from, JsonObject to) {
    JsonObject added = new JsonObject();
    JsonObject removed = new JsonObject();
    JsonObject changed = new JsonObject();
    TreeSet<String> names = new TreeSet<>(from.fieldNames());
    names.addAll(to.fieldNames());
    for (String n : names) {
      if (!from.containsKey(n)) {
        added.put(n, to.getValue(n));
      } else if (!to.containsKey(n)) {
        removed.put(n, from.getValue(n));
      } else if (!from.getValue(n).equals(to.getValue(n))) {
        changed.put(n, new JsonObject().put("from", from.getValue(n)).put("to", to.getValue(n)));
      }
    }
    return new JsonObject().put("added", added).put("removed", removed).put("changed", changed);
  }

  private static JsonObject secretDiff(JsonObject from, JsonObject to) {
    JsonArray added = new JsonArray();
    JsonArray removed = new JsonArray();
    JsonArray changed = new JsonArray();
    TreeSet<String> names = new TreeSet<>(from.fieldNames());
    names.addAll(to.fieldNames());
    for (String n : names) {
      if (!from.containsKey(n)) {
        added.add(n);
      } else if (!to.containsKey(n)) {
        removed.add(n);
      } else if (!from.getValue(n).equals(to.getValue(n))) {
        changed.add(n);
      }
    }
    return new JsonObject().put("added", added).put("removed", removed).put("changed", changed);
  }
}
