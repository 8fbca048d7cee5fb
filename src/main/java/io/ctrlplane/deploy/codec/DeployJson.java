package io.ctrlplane.deploy.codec;

import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.Event;
import io.ctrlplane.deploy.Hook;
import io.ctrlplane.deploy.Instance;
import io.ctrlplane.deploy.Release;
import io.ctrlplane.deploy.VersionRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Domain record → JSON (snake_case, RFC 3339 UTC timestamps): the one place each record is rendered
 * for the API, the event bus and the outbox, and the one place a JSON document becomes a {@link
 * Doc} and back.
 */
public final class DeployJson {
  private DeployJson() {}

  /**
   * A failed revert (degraded) first, then what the healer reports (degraded or crash_looping),
   * else healthy.
   */
  private static JsonObject health(Instance i) {
    if (i.degraded()) {
      return new JsonObject()
          .put("status", "degraded")
          .put("reason", i.degradedReason())
          .put("since", time(i.degradedAt()));
    }
    if (i.healStatus() != null) {
      return new JsonObject()
          .put("status", i.healStatus())
          .put("reason", i.healReason())
          .put("since", time(i.healSince()));
    }
    return new JsonObject().put("status", "healthy");
  }

  public static JsonObject instance(Instance i) {
    return new JsonObject()
        .put("id", i.id())
        .put("name", i.name())
        .put("replicas", i.replicas())
        .put("provider", i.provider())
        .put("provider_config", json(i.providerConfig()))
        .put("default_strategy", i.defaultStrategy())
        .put("default_strategy_params", json(i.defaultStrategyParams()))
        .put("heal_after_seconds", i.healAfterSeconds())
        .put("current_release", ref(i.currentRelease()))
        .put("health", health(i))
        .put("created_at", time(i.createdAt()))
        .put("updated_at", time(i.updatedAt()))
        .put("hooks", hooks(i.hooks()))
        .put(
            "release_command",
            i.releaseCommand() == null ? null : new JsonArray(new ArrayList<>(i.releaseCommand())))
        .put("release_timeout_seconds", i.releaseTimeoutSeconds());
  }

  /**
   * An instance's hooks as responses show them: a secret is never shown, only that there is one.
   */
  public static JsonArray hooks(List<Hook> hooks) {
    JsonArray out = new JsonArray();
    for (Hook h : hooks) {
      JsonObject o = new JsonObject(new java.util.LinkedHashMap<>(h.toMap()));
      if (h.secret() != null) {
        o.put("secret", "********");
      }
      out.add(o);
    }
    return out;
  }

  /**
   * A JSON array of objects as plain lists and maps (null stays null), for the domain's parsers.
   */
  public static List<Object> plain(JsonArray array) {
    if (array == null) {
      return null;
    }
    List<Object> out = new java.util.ArrayList<>();
    for (Object o : array) {
      out.add(o instanceof JsonObject j ? j.getMap() : o);
    }
    return out;
  }

  public static JsonObject release(Release r) {
    JsonObject secrets = new JsonObject();
    r.secretNames().forEach(n -> secrets.put(n, Release.REDACTED));
    return new JsonObject()
        .put("id", r.id())
        .put("instance_id", r.instanceId())
        .put("version", r.version())
        .put("image", r.image())
        .put("kind", r.kind())
        .put("env", json(r.env()))
        .put("secret_env", secrets)
        .put("commit_sha", r.commitSha())
        .put("notes", r.notes())
        .put("rollback_of", ref(r.rollbackOf()))
        .put("created_at", time(r.createdAt()));
  }

  public static JsonObject deployment(Deployment d) {
    return new JsonObject()
        .put("id", d.id())
        .put("instance_id", d.instanceId())
        .put("kind", d.kind())
        .put("state", d.state().wire())
        .put("strategy", d.strategy())
        .put("strategy_params", json(d.strategyParams()))
        .put("release", ref(d.release()).put("image", d.release().image()))
        .put("previous_release", ref(d.previousRelease()))
        .put("replaces_deployment_id", d.replacesDeploymentId())
        .put("error", d.error())
        .put("cancel_requested", d.cancelRequested())
        .put("progress", json(d.progress()))
        .put("plan", planSteps(d.plan()))
        .put("initiated_by", initiator(d.initiatedBy()))
        .put("created_at", time(d.createdAt()))
        .put("started_at", time(d.startedAt()))
        .put("finished_at", time(d.finishedAt()))
        .put("updated_at", time(d.updatedAt()));
  }

  /** The event as a CloudEvent 1.0 (structured JSON). */
  public static JsonObject event(Event e) {
    return cloudEvent(
        e.id(), e.type(), null, e.instanceId(), 0, e.deploymentId(), e.time(), data(e.data()));
  }

  /**
   * The CloudEvents envelope. {@code instanceseq} (an integer extension attribute) is the
   * per-instance, gap-free position; {@code tenantid} the tenant the instance belongs to.
   */
  public static JsonObject cloudEvent(
      String id,
      String type,
      String tenantId,
      String instanceId,
      long sequence,
      String deploymentId,
      Instant time,
      JsonObject data) {
    return new JsonObject()
        .put("specversion", "1.0")
        .put("id", id)
        .put("source", "/ctrlplane/instances/" + instanceId)
        .put("type", type)
        .put("subject", deploymentId)
        .put("time", time.toString())
        .put("datacontenttype", "application/json")
        .put("instanceseq", sequence)
        .put("tenantid", tenantId)
        .put("data", data);
  }

  public static JsonObject data(Event.Data d) {
    return new JsonObject()
        .put("deployment_id", d.deploymentId())
        .put("instance_id", d.instanceId())
        .put("instance_name", d.instanceName())
        .put("kind", d.kind())
        .put("release_id", d.releaseId())
        .put("version", d.version())
        .put("image", d.image())
        .put("strategy", d.strategy())
        .put("state", d.state().wire())
        .put("error", d.error())
        .put("previous_release", ref(d.previousRelease()))
        // where the rollout was when this event was written; {} before it starts
        .put("progress", json(d.progress()))
        // who asked for the deployment (key id and name; null for deployments made before keys
        // existed)
        .put("initiated_by", initiator(d.initiatedBy()));
  }

  /** A JSON object as a {@link Doc} (deeply immutable, key order kept); null stays null. */
  public static Doc doc(JsonObject json) {
    return json == null ? null : new Doc(frozenMap(json.getMap()));
  }

  /** A {@link Doc} as a new, mutable JSON object; null stays null. */
  public static JsonObject json(Doc doc) {
    return doc == null ? null : (JsonObject) thawed(doc.fields());
  }

  private static JsonArray planSteps(Deployment.PlanOutline plan) {
    if (plan == null) {
      return null;
    }
    JsonArray steps = new JsonArray();
    plan.steps()
        .forEach(
            s ->
                steps.add(
                    new JsonObject().put("type", s.type()).put("description", s.description())));
    return steps;
  }

  private static JsonObject initiator(Deployment.Initiator by) {
    return by == null
        ? null
        : new JsonObject().put("key_id", by.keyId()).put("key_name", by.keyName());
  }

  private static JsonObject ref(VersionRef ref) {
    return ref == null ? null : new JsonObject().put("id", ref.id()).put("version", ref.version());
  }

  private static String time(Instant t) {
    return t == null ? null : DateTimeFormatter.ISO_INSTANT.format(t);
  }

  private static Map<String, Object> frozenMap(Map<String, Object> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(k, frozen(v)));
    return Collections.unmodifiableMap(out);
  }

  @SuppressWarnings("unchecked")
  private static Object frozen(Object value) {
    if (value instanceof JsonObject o) {
      return frozenMap(o.getMap());
    }
    if (value instanceof Map<?, ?> m) {
      return frozenMap((Map<String, Object>) m);
    }
    if (value instanceof JsonArray a) {
      return frozenList(a.getList());
    }
    if (value instanceof List<?> l) {
      return frozenList(l);
    }
    return value;
  }

  private static List<Object> frozenList(List<?> list) {
    List<Object> out = new ArrayList<>(list.size());
    list.forEach(v -> out.add(frozen(v)));
    return Collections.unmodifiableList(out);
  }

  @SuppressWarnings("unchecked")
  private static Object thawed(Object value) {
    if (value instanceof Map<?, ?> m) {
      JsonObject out = new JsonObject();
      ((Map<String, Object>) m).forEach((k, v) -> out.put(k, thawed(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      JsonArray out = new JsonArray();
      l.forEach(v -> out.add(thawed(v)));
      return out;
    }
    return value;
  }
}
