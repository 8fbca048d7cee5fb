package io.ctrlplane.provider;

import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.Objects;

/**
 * The one fact about an instance a fleet view needs: which provider runs it. Reads within the
 * caller's tenant only, and another tenant's instance reads exactly like one that does not exist
 * (404), as every other read does.
 */
public final class Instances {
  private static final String PROVIDER =
      "SELECT provider FROM instances WHERE id = $1 AND tenant_id = $2";

  private Instances() {}

  /** The instance's provider name, or a not-found {@link Refusal}. */
  public static Future<String> owned(SqlClient client, String tenantId, String instanceId) {
    return client
        .preparedQuery(PROVIDER)
        .execute(Tuple.of(instanceId, Objects.requireNonNull(tenantId)))
        .compose(
            rows ->
                rows.size() == 0
                    ? Future.failedFuture(
                        Refusal.notFound("instance " + instanceId + " does not exist"))
                    : Future.succeededFuture(rows.iterator().next().getString("provider")));
  }
}
