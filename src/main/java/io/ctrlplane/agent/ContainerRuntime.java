package io.ctrlplane.agent;

import io.ctrlplane.agent.engine.DockerEngine;
import io.ctrlplane.agent.engine.EngineException;
import io.ctrlplane.provider.container.ContainerConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replicas as containers: the image made present as the pull policy says, a container created on
 * the host's network with the release's env, {@code PORT}, explicit ulimits (some engines, Podman's
 * API among them, do not apply their configured defaults) and the labels a restarted agent finds it
 * by, then started. Everything goes through the engine's API; nothing here blocks.
 */
final class ContainerRuntime {
  static final String INSTANCE = "io.ctrlplane.instance";
  static final String RELEASE = "io.ctrlplane.release";
  static final String REPLICA = "io.ctrlplane.replica";
  static final String AGENT = "io.ctrlplane.agent";

  private final DockerEngine engine;
  private final String agentId;
  private final Map<String, long[]> defaultUlimits;

  /** What the engine made of a started replica. */
  record Started(String containerId, String imageId) {}

  ContainerRuntime(DockerEngine engine, String agentId, Map<String, long[]> defaultUlimits) {
    this.engine = engine;
    this.agentId = agentId;
    this.defaultUlimits = Map.copyOf(defaultUlimits);
  }

  DockerEngine engine() {
    return engine;
  }

  /** Image, create, start; a refusal fails with the engine's words and the image's name. */
  Future<Started> start(LocalReplica r, Map<String, String> env) {
    ContainerConfig cfg = r.spec.container();
    String image = r.spec.image();
    return present(image, cfg.pullPolicy())
        .compose(v -> engine.create("ctrlplane-" + r.id(), spec(r, env)))
        .compose(
            id -> {
              r.containerId = id;
              return engine.start(id).compose(v -> engine.inspect(id));
            })
        .map(
            inspect ->
                new Started(
                    r.containerId, inspect == null ? null : imageId(inspect.getString("Image"))));
  }

  private Future<Void> present(String image, String policy) {
    if ("always".equals(policy)) {
      return pull(image);
    }
    return engine
        .image(image)
        .compose(
            found -> {
              if (found != null) {
                return Future.succeededFuture();
              }
              if ("never".equals(policy)) {
                return Future.failedFuture(
                    new EngineException(
                        404,
                        "image "
                            + image
                            + " is not on the engine and pull_policy is never: build or load it"
                            + " there first"));
              }
              return pull(image);
            });
  }

  private Future<Void> pull(String image) {
    return engine
        .pull(image)
        .recover(
            e ->
                Future.failedFuture(
                    new EngineException(
                        500, "pulling image " + image + " failed: " + e.getMessage())));
  }

  /** The create body. Secrets go into Env only: never into labels, names or logs. */
  private JsonObject spec(LocalReplica r, Map<String, String> env) {
    ContainerConfig cfg = r.spec.container();
    JsonArray envList = new JsonArray();
    env.forEach((k, v) -> envList.add(k + "=" + v));
    JsonObject labels =
        new JsonObject()
            .put(INSTANCE, r.spec.instanceId())
            .put(RELEASE, r.spec.releaseId())
            .put(REPLICA, r.id())
            .put(AGENT, agentId);
    Map<String, long[]> limits = new LinkedHashMap<>(defaultUlimits);
    limits.putAll(cfg.ulimits());
    JsonArray ulimits = new JsonArray();
    limits.forEach(
        (name, sh) ->
            ulimits.add(new JsonObject().put("Name", name).put("Soft", sh[0]).put("Hard", sh[1])));
    JsonObject host = new JsonObject().put("NetworkMode", "host").put("Ulimits", ulimits);
    if (cfg.memoryMb() > 0) {
      host.put("Memory", cfg.memoryMb() * 1024 * 1024);
    }
    if (cfg.cpus() > 0) {
      host.put("NanoCpus", (long) (cfg.cpus() * 1e9));
    }
    JsonObject spec =
        new JsonObject()
            .put("Image", r.spec.image())
            .put("Env", envList)
            .put("Labels", labels)
            .put("HostConfig", host);
    if (cfg.command() != null) {
      spec.put("Cmd", new JsonArray(List.copyOf(cfg.command())));
    }
    if (cfg.entrypoint() != null) {
      spec.put("Entrypoint", new JsonArray(List.copyOf(cfg.entrypoint())));
    }
    return spec;
  }

  /** Docker says sha256:..., Podman's compat layer sometimes the bare hex. */
  static String imageId(String id) {
    return id == null || id.startsWith("sha256:") ? id : "sha256:" + id;
  }

  /** The image's HEALTHCHECK, as the engine judges it: healthy or not (yet). */
  Future<Boolean> healthy(LocalReplica r) {
    if (r.containerId == null) {
      return Future.succeededFuture(false);
    }
    return engine
        .inspect(r.containerId)
        .map(
            i -> {
              JsonObject health =
                  i == null
                      ? null
                      : i.getJsonObject("State", new JsonObject()).getJsonObject("Health");
              return health != null && "healthy".equals(health.getString("Status"));
            });
  }

  /** SIGTERM, SIGKILL after the grace, then gone. */
  Future<Void> stopAndRemove(String containerId, long graceMs) {
    int seconds = (int) Math.max(0, Math.min(600, (graceMs + 999) / 1000));
    return engine.stop(containerId, seconds).compose(v -> engine.remove(containerId));
  }

  /** This agent's containers, running or not. */
  Future<List<JsonObject>> mine() {
    return engine.list(AGENT, agentId);
  }

  /** The container of a replica of this agent, or null. */
  Future<String> containerOf(String replicaId) {
    return engine
        .list(REPLICA, replicaId)
        .map(
            list ->
                list.stream()
                    .filter(c -> agentId.equals(c.getJsonObject("Labels").getString(AGENT)))
                    .map(c -> c.getString("Id"))
                    .findFirst()
                    .orElse(null));
  }
}
