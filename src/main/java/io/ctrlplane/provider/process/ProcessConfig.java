package io.ctrlplane.provider.process;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The process provider's {@code provider_config}:
 *
 * <pre>
 * {"command": ["java", "-jar", "apps/{repository}/{tag}/app.jar", "--port", "{port}"],
 *  "health_path": "/health", "router_port": 8000, "drain_timeout_ms": 5000, "grace_timeout_ms": 5000}
 * </pre>
 *
 * Placeholders are those of {@link CommandTemplate}. The router of every agent listens on {@code
 * router_port} for this instance; a stopping replica leaves the routers, gets up to {@code
 * drain_timeout_ms} for its in-flight requests, then SIGTERM and, after {@code grace_timeout_ms},
 * SIGKILL.
 */
public record ProcessConfig(
    List<String> command,
    String healthPath,
    int routerPort,
    long drainTimeoutMs,
    long graceTimeoutMs) {
  static final String DEFAULT_HEALTH_PATH = "/health";
  static final long DEFAULT_DRAIN_MS = 5_000;
  static final long DEFAULT_GRACE_MS = 5_000;
  static final long MAX_TIMEOUT_MS = RouterSettings.MAX_TIMEOUT_MS;
  static final int MAX_ARGS = 64;
  static final int MAX_ARG_LENGTH = 1024;
  private static final Set<String> KEYS =
      Set.of("command", "health_path", "router_port", "drain_timeout_ms", "grace_timeout_ms");

  public ProcessConfig {
    command = List.copyOf(command);
  }

  /** Reads a config that passed {@link #validate}. */
  public static ProcessConfig from(JsonObject cfg) {
    List<String> command = new ArrayList<>();
    cfg.getJsonArray("command").forEach(a -> command.add((String) a));
    return new ProcessConfig(
        command,
        cfg.getString("health_path", DEFAULT_HEALTH_PATH),
        cfg.getInteger("router_port"),
        cfg.getLong("drain_timeout_ms", DEFAULT_DRAIN_MS),
        cfg.getLong("grace_timeout_ms", DEFAULT_GRACE_MS));
  }

  /**
   * @throws ValidationException with every problem found, fields prefixed with {@code path}
   */
  public static void validate(JsonObject cfg, String path) {
    List<FieldError> errors = new ArrayList<>();
    if (cfg == null) {
      throw new ValidationException(
          path, "is required for the process provider: at least command and router_port");
    }
    cfg.fieldNames().stream()
        .filter(k -> !KEYS.contains(k))
        .sorted()
        .forEach(
            k ->
                errors.add(
                    new FieldError(
                        path + "." + k,
                        "unknown process setting; known: "
                            + String.join(", ", new TreeSet<>(KEYS)))));
    command(cfg.getValue("command"), path + ".command", errors);
    Object health = cfg.getValue("health_path");
    RouterSettings.healthPath(health, path + ".health_path", errors);
    RouterSettings.routerPort(cfg.getValue("router_port"), path + ".router_port", errors);
    RouterSettings.millis(cfg.getValue("drain_timeout_ms"), path + ".drain_timeout_ms", errors);
    RouterSettings.millis(cfg.getValue("grace_timeout_ms"), path + ".grace_timeout_ms", errors);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
  }

  private static void command(Object raw, String path, List<FieldError> errors) {
    if (!(raw instanceof JsonArray args) || args.isEmpty() || args.size() > MAX_ARGS) {
      errors.add(
          new FieldError(
              path,
              "is required: an array of 1 to "
                  + MAX_ARGS
                  + " strings, e.g. [\"java\", \"-jar\", \"apps/{repository}/{tag}/app.jar\", \"--port\", \"{port}\"]"));
      return;
    }
    for (int i = 0; i < args.size(); i++) {
      Object arg = args.getValue(i);
      String at = path + "[" + i + "]";
      if (!(arg instanceof String s) || s.isEmpty() || s.length() > MAX_ARG_LENGTH) {
        errors.add(
            new FieldError(
                at, "must be a non-empty string of at most " + MAX_ARG_LENGTH + " characters"));
        continue;
      }
      String problem = CommandTemplate.problem(s);
      if (problem != null) {
        errors.add(new FieldError(at, problem));
      }
    }
    if (args.getValue(0) instanceof String first && first.contains("{port}")) {
      errors.add(new FieldError(path + "[0]", "the program to run cannot be the port"));
    }
  }
}
