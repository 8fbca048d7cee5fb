package io.ctrlplane.provider.container;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.provider.process.RouterSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The container provider's {@code provider_config}:
 *
 * <pre>
 * {"router_port": 8000, "health_path": "/health", "pull_policy": "if_not_present",
 *  "resources": {"memory_mb": 256, "cpus": 0.5}, "drain_timeout_ms": 5000, "grace_timeout_ms": 5000,
 *  "ulimits": {"nofile": [1024, 20000]}, "command": ["--verbose"], "entrypoint": ["/app"],
 *  "network": "host"}
 * </pre>
 *
 * {@code "health": "engine"} instead of {@code health_path} takes readiness from the image's
 * HEALTHCHECK as the engine reports it. Only host networking exists for now: the container gets
 * {@code PORT} and listens on it.
 *
 * @param healthPath the path probed for readiness; null when the engine's health status is used
 * @param ulimits name to {soft, hard}
 * @param command null: the image's CMD
 * @param entrypoint null: the image's ENTRYPOINT
 */
public record ContainerConfig(
    int routerPort,
    String healthPath,
    String pullPolicy,
    long memoryMb,
    double cpus,
    long drainTimeoutMs,
    long graceTimeoutMs,
    Map<String, long[]> ulimits,
    List<String> command,
    List<String> entrypoint) {
  public static final Set<String> PULL_POLICIES = Set.of("if_not_present", "always", "never");
  static final long MAX_TIMEOUT_MS = RouterSettings.MAX_TIMEOUT_MS;
  static final int MAX_ARGS = 64;
  private static final Set<String> KEYS =
      Set.of(
          "router_port",
          "health_path",
          "health",
          "pull_policy",
          "resources",
          "drain_timeout_ms",
          "grace_timeout_ms",
          "ulimits",
          "command",
          "entrypoint",
          "network");

  /** Reads a config that passed {@link #validate}. */
  public static ContainerConfig from(JsonObject cfg) {
    JsonObject res = cfg.getJsonObject("resources", new JsonObject());
    Map<String, long[]> ulimits = new LinkedHashMap<>();
    cfg.getJsonObject("ulimits", new JsonObject())
        .forEach(
            e -> {
              JsonArray pair = (JsonArray) e.getValue();
              ulimits.put(e.getKey(), new long[] {pair.getLong(0), pair.getLong(1)});
            });
    return new ContainerConfig(
        cfg.getInteger("router_port"),
        "engine".equals(cfg.getString("health")) ? null : cfg.getString("health_path", "/health"),
        cfg.getString("pull_policy", "if_not_present"),
        res.getLong("memory_mb", 0L),
        res.getNumber("cpus") == null ? 0 : res.getNumber("cpus").doubleValue(),
        cfg.getLong("drain_timeout_ms", 5_000L),
        cfg.getLong("grace_timeout_ms", 5_000L),
        ulimits,
        strings(cfg.getJsonArray("command")),
        strings(cfg.getJsonArray("entrypoint")));
  }

  private static List<String> strings(JsonArray a) {
    if (a == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    a.forEach(x -> out.add((String) x));
    return List.copyOf(out);
  }

  /**
   * @throws ValidationException with every problem found, fields prefixed with {@code path}
   */
  public static void validate(JsonObject cfg, String path) {
    if (cfg == null) {
      throw new ValidationException(
          path, "is required for the container provider: at least router_port");
    }
    List<FieldError> errors = new ArrayList<>();
    cfg.fieldNames().stream()
        .filter(k -> !KEYS.contains(k))
        .sorted()
        .forEach(
            k ->
                errors.add(
                    new FieldError(
                        path + "." + k,
                        "unknown container setting; known: "
                            + String.join(", ", new TreeSet<>(KEYS)))));
    RouterSettings.routerPort(cfg.getValue("router_port"), path + ".router_port", errors);
    Object health = cfg.getValue("health_path");
    RouterSettings.healthPath(health, path + ".health_path", errors);
    Object engine = cfg.getValue("health");
    if (engine != null && !"engine".equals(engine)) {
      errors.add(
          new FieldError(
              path + ".health", "can only be \"engine\" (the image's HEALTHCHECK decides)"));
    } else if (engine != null && health != null) {
      errors.add(new FieldError(path + ".health", "give either health or health_path, not both"));
    }
    Object pull = cfg.getValue("pull_policy");
    if (pull != null && !PULL_POLICIES.contains(pull)) {
      errors.add(
          new FieldError(path + ".pull_policy", "must be one of " + new TreeSet<>(PULL_POLICIES)));
    }
    resources(cfg.getValue("resources"), path + ".resources", errors);
    RouterSettings.millis(cfg.getValue("drain_timeout_ms"), path + ".drain_timeout_ms", errors);
    RouterSettings.millis(cfg.getValue("grace_timeout_ms"), path + ".grace_timeout_ms", errors);
    Object ulimits = cfg.getValue("ulimits");
    if (ulimits != null) {
      if (!(ulimits instanceof JsonObject u)) {
        errors.add(
            new FieldError(
                path + ".ulimits", "must be an object such as {\"nofile\": [1024, 20000]}"));
      } else {
        u.forEach(e -> ulimit(e.getKey(), e.getValue(), path + ".ulimits." + e.getKey(), errors));
      }
    }
    args(cfg.getValue("command"), path + ".command", errors);
    args(cfg.getValue("entrypoint"), path + ".entrypoint", errors);
    Object network = cfg.getValue("network");
    if (network != null && !"host".equals(network)) {
      errors.add(
          new FieldError(
              path + ".network",
              "only \"host\" is supported: the container listens on PORT on the host's network"));
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
  }

  /** Parses an agent-wide default such as {@code nofile=1024:20000,nproc=4096:4096}. */
  public static Map<String, long[]> parseUlimits(String spec) {
    Map<String, long[]> out = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return out;
    }
    for (String part : spec.split(",")) {
      String[] kv = part.trim().split("=");
      String[] sh = kv.length == 2 ? kv[1].split(":") : new String[0];
      if (sh.length != 2 || !kv[0].matches("[a-z]+")) {
        throw new IllegalArgumentException(
            "container ulimits must read like nofile=1024:20000,nproc=4096:4096, got '"
                + spec
                + "'");
      }
      out.put(kv[0], new long[] {Long.parseLong(sh[0].trim()), Long.parseLong(sh[1].trim())});
    }
    return out;
  }

  private static void resources(Object raw, String path, List<FieldError> errors) {
    if (raw == null) {
      return;
    }
    if (!(raw instanceof JsonObject r)) {
      errors.add(new FieldError(path, "must be an object: {\"memory_mb\": 256, \"cpus\": 0.5}"));
      return;
    }
    r.fieldNames().stream()
        .filter(k -> !k.equals("memory_mb") && !k.equals("cpus"))
        .sorted()
        .forEach(k -> errors.add(new FieldError(path + "." + k, "known: cpus, memory_mb")));
    Object mem = r.getValue("memory_mb");
    if (mem != null && !(mem instanceof Integer m && m >= 6 && m <= 1_048_576)) {
      errors.add(new FieldError(path + ".memory_mb", "must be a whole number from 6 to 1048576"));
    }
    Object cpus = r.getValue("cpus");
    if (cpus != null
        && !(cpus instanceof Number c && c.doubleValue() >= 0.01 && c.doubleValue() <= 1024)) {
      errors.add(new FieldError(path + ".cpus", "must be a number from 0.01 to 1024"));
    }
  }

  private static void ulimit(String name, Object v, String path, List<FieldError> errors) {
    if (!name.matches("[a-z]{2,16}")) {
      errors.add(new FieldError(path, "must name a limit such as nofile or nproc"));
    } else if (!(v instanceof JsonArray a
        && a.size() == 2
        && a.getValue(0) instanceof Integer s
        && a.getValue(1) instanceof Integer h
        && s >= 0
        && h >= s)) {
      errors.add(new FieldError(path, "must be [soft, hard], whole numbers with soft <= hard"));
    }
  }

  private static void args(Object raw, String path, List<FieldError> errors) {
    if (raw == null) {
      return;
    }
    if (!(raw instanceof JsonArray a) || a.size() > MAX_ARGS) {
      errors.add(new FieldError(path, "must be an array of at most " + MAX_ARGS + " strings"));
      return;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof String s) || s.length() > 1024) {
        errors.add(
            new FieldError(path + "[" + i + "]", "must be a string of at most 1024 characters"));
      }
    }
  }
}
