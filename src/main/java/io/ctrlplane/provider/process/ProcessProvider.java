package io.ctrlplane.provider.process;

import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.TrafficSample;
import io.ctrlplane.provider.fleet.FencedFleet;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real processes run by host agents. A runner never touches a process: it writes the desired state
 * (replicas placed on live agents, scheduled stops, traffic weights) through the fenced-fleet
 * engine, in a transaction fenced by its lease epoch, then calls the agents, which start, probe,
 * drain and stop the processes and write back what happened. A lost call costs at most one agent
 * tick; a stale runner changes nothing.
 */
public final class ProcessProvider implements Provider {
  public static final String NAME = "process";
  private static final Logger log = LoggerFactory.getLogger(ProcessProvider.class);

  /** The container provider: the same agents and routers, replicas run by a container engine. */
  public static final String CONTAINER = "container";

  private final Pool pool;
  private final AgentClient agents;
  private final FencedFleet fleet;
  private final String name;

  public ProcessProvider(Pool pool, AgentClient agents) {
    this(pool, agents, NAME);
  }

  /**
   * @param name {@link #NAME} or {@link #CONTAINER}: which agents may take replicas, and how the
   *     agent runs them (a process, or a container through the engine)
   */
  public ProcessProvider(Pool pool, AgentClient agents, String name) {
    this.pool = pool;
    this.agents = agents;
    this.name = name;
    this.fleet = new FencedFleet(pool, new Placement(CONTAINER.equals(name)));
  }

  /** Agents open secret_env on the host that runs the replicas: no runner holds the plaintext. */
  @Override
  public boolean opensSecrets() {
    return true;
  }

  @Override
  public Future<Void> runReplicas(Fence fence, ReleaseRef release, int count) {
    return fleet.runReplicas(fence, release, count).compose(v -> nudgeAll());
  }

  @Override
  public Future<Void> stopReplicas(Fence fence, String releaseId, int keep, int delaySeconds) {
    return fleet
        .stopReplicas(fence, releaseId, keep, delaySeconds)
        .compose(v -> delaySeconds == 0 ? nudgeAll() : Future.succeededFuture());
  }

  @Override
  public Future<Void> renewReplicas(Fence fence, ReleaseRef release, int count) {
    return fleet.renewReplicas(fence, release, count).compose(v -> nudgeAll());
  }

  @Override
  public Future<Void> retireReplicas(Fence fence, String releaseId, int keep) {
    return fleet.retireReplicas(fence, releaseId, keep).compose(v -> nudgeAll());
  }

  @Override
  public Future<Void> setTraffic(Fence fence, Map<String, Integer> weights) {
    return fleet
        .setTraffic(fence, weights)
        // the weights count once the routers serve them: every live router reloads before we return
        .compose(v -> syncRouters(fence.instanceId()));
  }

  @Override
  public Future<FleetStatus> status(String instanceId) {
    return ProcessStatus.read(pool, fleet, instanceId, name);
  }

  /**
   * 5xx answers (and requests the routers could not place) over all requests, and how long the
   * answers took, as the routers counted them.
   */
  @Override
  public Future<TrafficSample> traffic(String instanceId, String releaseId, int windowSeconds) {
    Tuple args = Tuple.of(instanceId, releaseId, windowSeconds);
    return pool.preparedQuery(ProcessSql.ERROR_RATE)
        .execute(args)
        .compose(
            counts ->
                pool.preparedQuery(ProcessSql.LATENCY)
                    .execute(args)
                    .map(
                        latency -> {
                          Row row = counts.iterator().next();
                          long[] buckets = new long[TrafficSample.BUCKETS_MS.length + 1];
                          for (Row b : latency) {
                            int i = b.getInteger("i") - 1;
                            if (i >= 0 && i < buckets.length) {
                              buckets[i] = b.getLong("n");
                            }
                          }
                          return new TrafficSample(
                              windowSeconds,
                              row.getLong("requests"),
                              row.getLong("errors"),
                              buckets);
                        }));
  }

  @Override
  public Future<JsonObject> timeline(String instanceId, int limit, String cursor) {
    return fleet.timelinePage(instanceId, limit, cursor);
  }

  /** Wakes every live agent; one that misses the call finds the change at its next tick anyway. */
  private Future<Void> nudgeAll() {
    return AgentClient.liveUrls(pool)
        .compose(
            urls ->
                Future.join(
                    urls.stream()
                        .map(
                            url ->
                                agents
                                    .reconcile(url)
                                    .onFailure(
                                        e ->
                                            log.debug(
                                                "agent {} not nudged: {}", url, e.toString())))
                        .toList()))
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }

  private Future<Void> syncRouters(String instanceId) {
    return AgentClient.liveUrls(pool)
        .compose(
            urls ->
                Future.join(
                    urls.stream()
                        .map(
                            url ->
                                agents
                                    .syncRoutes(url, instanceId, 0)
                                    .onFailure(
                                        e ->
                                            log.warn(
                                                "router of agent {} did not resync for instance {}: {}",
                                                url,
                                                instanceId,
                                                e.toString())))
                        .toList()))
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }
}
