package io.ctrlplane.agent;

import io.ctrlplane.agent.router.Routers;
import io.ctrlplane.provider.process.AgentClient;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings every live router (this agent's directly, the others' over their API) up to date with the
 * database for one instance, each waiting for the requests still in flight to replicas that left
 * its routes. Never fails: a router that cannot be reached is on a host that is gone or cut off.
 */
final class RouterSync {
  private static final Logger log = LoggerFactory.getLogger(RouterSync.class);

  private final Pool pool;
  private final Routers local;
  private final AgentClient client;
  private String ownUrl;

  RouterSync(Pool pool, Routers local, AgentClient client) {
    this.pool = pool;
    this.local = local;
    this.client = client;
  }

  void ownUrl(String url) {
    this.ownUrl = url;
  }

  Future<Void> all(String instanceId, long drainMs) {
    Future<Void> mine = local.sync(instanceId, drainMs);
    Future<Void> others =
        AgentClient.liveUrls(pool)
            .compose(
                urls ->
                    Future.join(
                        urls.stream()
                            .filter(url -> !url.equals(ownUrl))
                            .map(
                                url ->
                                    client
                                        .syncRoutes(url, instanceId, drainMs)
                                        .onFailure(
                                            e ->
                                                log.warn(
                                                    "router at {} did not resync instance {}: {}",
                                                    url,
                                                    instanceId,
                                                    e.toString())))
                            .toList()))
            .mapEmpty();
    return Future.join(mine, others).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }
}
