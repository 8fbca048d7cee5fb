package io.ctrlplane.provider.process;

import io.ctrlplane.provider.TimelinePages;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

/** The fleet's append-only history: runners' requests and agents' observations, oldest first. */
final class ProcessTimeline {
  private final Pool pool;

  ProcessTimeline(Pool pool) {
    this.pool = pool;
  }

  Future<JsonObject> page(String instanceId, int limit, String cursor) {
    return TimelinePages.page(pool, ProcessSql.TIMELINE_PAGE, instanceId, limit, cursor);
  }
}
