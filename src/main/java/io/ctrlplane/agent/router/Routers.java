package io.ctrlplane.agent.router;

import io.ctrlplane.provider.process.AgentClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's routers, one per process instance, all knowing every ready replica of their instance
 * on every live agent. Routes come from the database, in one statement per reload, and reloads run
 * one after another: a reload issued later never loses to an older one, so a replica that left the
 * routes for its drain cannot come back.
 */
public final class Routers {
  private static final Logger log = LoggerFactory.getLogger(Routers.class);

  /**
   * Every process instance's router settings and routes, read in one statement so weights and
   * endpoints come from one snapshot ($1: one instance, or null for all). Endpoints are ready
   * replicas on live agents that are neither draining nor due to stop.
   */
  private static final String ROUTES =
      "SELECT i.id, i.provider_config, coalesce(f.weights, '{}'::jsonb) AS weights, "
          + "coalesce((SELECT json_agg(json_build_object('id', r.id, 'release_id', r.release_id, 'host', a.replica_host, "
          + "'port', r.port, 'version', rel.version)) FROM proc_replicas r JOIN agents a ON a.id = r.agent_id "
          + "JOIN releases rel ON rel.id = r.release_id "
          + "WHERE r.instance_id = i.id AND r.ready_at IS NOT NULL AND r.draining_at IS NULL AND r.stopped_at IS NULL "
          + "AND r.failed_at IS NULL AND r.crashed_at IS NULL AND (r.stop_at IS NULL OR r.stop_at > clock_timestamp()) "
          + "AND "
          + AgentClient.LIVE
          + "), '[]'::json) AS endpoints "
          + "FROM instances i LEFT JOIN proc_fleets f ON f.instance_id = i.id "
          + "WHERE i.provider IN ('process', 'container') AND i.deleted_at IS NULL "
          + "AND ($1::text IS NULL OR i.id = $1)";

  /**
   * Counts of the routers' last second ($1 instance, $2 release, $3 agent, $4 requests, $5 errors,
   * $6 latency buckets).
   */
  private static final String TRAFFIC =
      "INSERT INTO proc_traffic (instance_id, release_id, agent_id, second, requests, errors, latency_buckets) "
          + "VALUES ($1, $2, $3, date_trunc('second', clock_timestamp()), $4, $5, $6) "
          + "ON CONFLICT (instance_id, release_id, agent_id, second) DO UPDATE SET "
          + "requests = proc_traffic.requests + EXCLUDED.requests, errors = proc_traffic.errors + EXCLUDED.errors, "
          + "latency_buckets = ARRAY(SELECT a + b FROM unnest(proc_traffic.latency_buckets, "
          + "EXCLUDED.latency_buckets) AS t(a, b))";

  /** Analysis windows are at most an hour: older counts only cost space. */
  private static final String PRUNE =
      "DELETE FROM proc_traffic WHERE agent_id = $1 "
          + "AND second < clock_timestamp() - interval '1 hour'";

  private final Vertx vertx;
  private final Pool pool;
  private final String agentId;
  private final String host;
  private final HttpClient client;
  private final Map<String, Router> byInstance = new HashMap<>();
  private Future<Void> reloads = Future.succeededFuture();

  public Routers(Vertx vertx, Pool pool, String agentId, String host) {
    this.vertx = vertx;
    this.pool = pool;
    this.agentId = agentId;
    this.host = host;
    // keep-alive shorter than typical app idle timeouts, so a pooled connection is rarely one the
    // app just closed
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(10)
                .setConnectTimeout(1_000),
            new PoolOptions().setHttp1MaxSize(64));
  }

  /** Reloads one instance's routes (null: all), after every reload issued before it. */
  public Future<Void> reload(String instanceId) {
    Future<Void> next = reloads.transform(ignored -> load(instanceId));
    reloads = next;
    return next;
  }

  /** Reloads, then waits at most {@code drainMs} for requests to replicas that left the routes. */
  public Future<Void> sync(String instanceId, long drainMs) {
    return reload(instanceId)
        .compose(
            v -> {
              Router router = byInstance.get(instanceId);
              return router == null ? Future.succeededFuture() : router.drained(drainMs);
            });
  }

  private Future<Void> load(String instanceId) {
    return pool.preparedQuery(ROUTES)
        .execute(Tuple.of(instanceId))
        .compose(
            rows -> {
              List<Future<Void>> started = new ArrayList<>();
              java.util.Set<String> present = new java.util.HashSet<>();
              for (Row row : rows) {
                present.add(row.getString("id"));
                started.add(apply(row));
              }
              // a deleted instance's router goes: its port is free again
              List<String> gone =
                  byInstance.keySet().stream()
                      .filter(id -> (instanceId == null || id.equals(instanceId)))
                      .filter(id -> !present.contains(id))
                      .toList();
              for (String id : gone) {
                Router router = byInstance.remove(id);
                log.info("agent {}: router of deleted instance {} closed", agentId, id);
                started.add(router.close());
              }
              return Future.join(started).mapEmpty();
            });
  }

  private Future<Void> apply(Row row) {
    String instanceId = row.getString("id");
    // both agent providers (process, container) name the port the same way
    int port = row.getJsonObject("provider_config").getInteger("router_port");
    Router router =
        byInstance.computeIfAbsent(instanceId, id -> new Router(vertx, client, id, port));
    JsonArray raw = array(row.getValue("endpoints"));
    router.update(weights(row.getJsonObject("weights")), endpoints(raw), versions(raw));
    if (router.listening()) {
      return Future.succeededFuture();
    }
    return router
        .listen(host)
        .onSuccess(
            v ->
                log.info(
                    "agent {}: router of instance {} listening on {}:{}",
                    agentId,
                    instanceId,
                    host,
                    port))
        .recover(
            e -> {
              // keep the routes; the next reload tries to listen again
              log.warn(
                  "agent {}: router of instance {} cannot listen on {}:{}: {}",
                  agentId,
                  instanceId,
                  host,
                  port,
                  e.getMessage());
              return Future.succeededFuture();
            });
  }

  /**
   * Writes the requests and errors the routers counted since the last flush (what canary analysis
   * reads).
   */
  public Future<Void> flushCounts() {
    List<Tuple> batch = new ArrayList<>();
    byInstance
        .values()
        .forEach(
            r ->
                r.takeCounts()
                    .forEach(
                        (release, c) -> {
                          Long[] buckets = new Long[c.length - 2];
                          for (int i = 2; i < c.length; i++) {
                            buckets[i - 2] = c[i];
                          }
                          batch.add(Tuple.of(r.instanceId, release, agentId, c[0], c[1], buckets));
                        }));
    return batch.isEmpty()
        ? Future.succeededFuture()
        : pool.preparedQuery(TRAFFIC).executeBatch(batch).mapEmpty();
  }

  public Future<Void> pruneCounts() {
    return pool.preparedQuery(PRUNE).execute(Tuple.of(agentId)).mapEmpty();
  }

  public Future<Void> close() {
    return Future.join(byInstance.values().stream().map(Router::close).toList())
        .eventually(client::close)
        .mapEmpty();
  }

  private static Map<String, Integer> weights(JsonObject json) {
    Map<String, Integer> w = new HashMap<>();
    if (json != null) {
      json.forEach(e -> w.put(e.getKey(), ((Number) e.getValue()).intValue()));
    }
    return w;
  }

  /** Every router's counters since it started, in Prometheus' text format. */
  public String metrics() {
    return MetricsText.render(byInstance.values());
  }

  private static JsonArray array(Object raw) {
    return raw instanceof JsonArray a
        ? a
        : raw instanceof String s ? new JsonArray(s) : new JsonArray();
  }

  private static Map<String, Integer> versions(JsonArray list) {
    Map<String, Integer> out = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      JsonObject e = list.getJsonObject(i);
      if (e.getInteger("version") != null) {
        out.put(e.getString("release_id"), e.getInteger("version"));
      }
    }
    return out;
  }

  private static List<Endpoint> endpoints(JsonArray list) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonObject e = list.getJsonObject(i);
      out.add(
          new Endpoint(
              e.getString("id"),
              e.getString("release_id"),
              e.getString("host"),
              e.getInteger("port")));
    }
    return out;
  }
}
