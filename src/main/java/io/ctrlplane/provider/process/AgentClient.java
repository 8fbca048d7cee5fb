package io.ctrlplane.provider.process;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import java.util.ArrayList;
import java.util.List;

/**
 * Calls the agents' HTTP API: runners nudge them after a change, agents ask each other to resync
 * their routers, the API fetches replica logs. Agents are found in the {@code agents} table.
 */
public final class AgentClient {
  /** Agents whose heartbeat is recent enough for them to count as alive. */
  public static final String LIVE =
      "a.stopped_at IS NULL "
          + "AND a.heartbeat_at > clock_timestamp() - make_interval(secs => a.dead_after_ms / 1000.0)";

  private static final String LIVE_URLS =
      "SELECT a.id, a.api_url FROM agents a WHERE " + LIVE + " ORDER BY a.id";
  private static final long CALL_TIMEOUT_MS = 2_000;

  private final HttpClient client;
  private final String authorization;

  /**
   * @param token the agents' shared token (agent.token), or empty when their API is open
   */
  public AgentClient(Vertx vertx, String token) {
    this.client =
        vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(1_000).setKeepAlive(true));
    this.authorization = token == null || token.isEmpty() ? null : "Bearer " + token;
  }

  /** The API address of every live agent. */
  public static Future<List<String>> liveUrls(SqlClient sql) {
    return sql.query(LIVE_URLS)
        .execute()
        .map(
            rows -> {
              List<String> urls = new ArrayList<>();
              for (Row r : rows) {
                urls.add(r.getString("api_url"));
              }
              return urls;
            });
  }

  /** Asks an agent to compare its processes with the database now instead of at its next tick. */
  public Future<Void> reconcile(String apiUrl) {
    return call(HttpMethod.POST, apiUrl + "/agent/v1/reconcile", null, CALL_TIMEOUT_MS).mapEmpty();
  }

  /**
   * Asks an agent to reload an instance's routes and to wait (at most {@code drainMs}) for the
   * requests in flight to replicas that left them: when it answers, it sends them nothing more.
   */
  public Future<Void> syncRoutes(String apiUrl, String instanceId, long drainMs) {
    JsonObject body = new JsonObject().put("instance_id", instanceId).put("drain_ms", drainMs);
    return call(HttpMethod.POST, apiUrl + "/agent/v1/routes/sync", body, drainMs + CALL_TIMEOUT_MS)
        .mapEmpty();
  }

  /** The last {@code tail} lines of a replica's output. */
  public Future<String> logs(String apiUrl, String replicaId, int tail) {
    return call(
            HttpMethod.GET,
            apiUrl + "/agent/v1/replicas/" + replicaId + "/logs?tail=" + tail,
            null,
            CALL_TIMEOUT_MS)
        .map(Buffer::toString);
  }

  private Future<Buffer> call(HttpMethod method, String url, JsonObject body, long timeoutMs) {
    RequestOptions options =
        new RequestOptions().setMethod(method).setAbsoluteURI(url).setIdleTimeout(timeoutMs);
    if (authorization != null) {
      options.putHeader("authorization", authorization);
    }
    return client
        .request(options)
        .compose(
            req ->
                body == null
                    ? req.send()
                    : req.putHeader("content-type", "application/json").send(body.toBuffer()))
        .compose(
            resp ->
                resp.body()
                    .compose(
                        b ->
                            resp.statusCode() / 100 == 2
                                ? Future.succeededFuture(b)
                                : Future.failedFuture(
                                    new IllegalStateException(
                                        method
                                            + " "
                                            + url
                                            + " answered "
                                            + resp.statusCode()
                                            + ": "
                                            + b))));
  }

  public Future<Void> close() {
    return client.close();
  }
}
