package io.ctrlplane.api;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.ops.LogIds;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per command the API accepted (a state change), with the request id, tenant and the ids
 * of what it created or changed as structured fields, so one deployment's lines can be followed
 * from its request through the runner and the relay. Reads stay unlogged: scrapes and polls would
 * drown the changes.
 */
final class CommandLog {
  private static final Logger log = LoggerFactory.getLogger(CommandLog.class);

  private CommandLog() {}

  static void accepted(RoutingContext ctx, Caller caller, int status, JsonObject body) {
    if (!log.isInfoEnabled()) {
      return;
    }
    String id = body == null ? null : body.getString("id");
    String deployment = id != null && id.startsWith("dep_") ? id : null;
    String instance = body == null ? null : body.getString("instance_id");
    if (instance == null) {
      instance = id != null && id.startsWith("inst_") ? id : ctx.pathParam("id");
    }
    Map<String, String> ids = new LinkedHashMap<>();
    ids.put(LogIds.ROLE, "api");
    ids.put(LogIds.REQUEST_ID, caller.requestId());
    ids.put(LogIds.TENANT, caller.tenantId());
    ids.put(LogIds.DEPLOYMENT_ID, deployment);
    ids.put(LogIds.INSTANCE_ID, instance);
    try (LogIds ignored = LogIds.set(ids)) {
      log.info(
          "{} {} answered {}{}",
          ctx.request().method(),
          ctx.currentRoute() == null ? ctx.normalizedPath() : ctx.currentRoute().getPath(),
          status,
          id == null ? "" : " (" + id + ")");
    }
  }
}
