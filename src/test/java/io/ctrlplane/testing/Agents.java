package io.ctrlplane.testing;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;

/** Agent settings for tests: loopback addresses, an ephemeral API port, quick heartbeats. */
public final class Agents {
  public static final int HEARTBEAT_MS = 300;
  public static final int DEAD_AFTER_MS = 2_000;

  /** Every test stack uses it: runners, the API and agents must all agree on it. */
  public static final String TOKEN = "test-agent-token";

  private Agents() {}

  public static JsonObject config(String id, String host) {
    return new JsonObject()
        .put("id", id)
        .put("host", host)
        .put("port", 0)
        .put("advertise_host", host)
        .put("router_host", host)
        .put("data_dir", dataDir(id).toString())
        .put("heartbeat_ms", HEARTBEAT_MS)
        .put("dead_after_ms", DEAD_AFTER_MS)
        .put("log_max_bytes", 256 * 1024)
        .put("token", TOKEN)
        .put("docker_host", ContainerEngine.dockerHost())
        .put("container_ulimits", ContainerEngine.ULIMITS);
  }

  /** The same settings as environment variables, for an agent in a JVM of its own. */
  public static Map<String, String> env(String id, String host) {
    return Map.ofEntries(
        Map.entry("CTRLPLANE_AGENT_ID", id),
        Map.entry("CTRLPLANE_AGENT_HOST", host),
        Map.entry("CTRLPLANE_AGENT_PORT", "0"),
        Map.entry("CTRLPLANE_AGENT_ADVERTISE_HOST", host),
        Map.entry("CTRLPLANE_AGENT_ROUTER_HOST", host),
        Map.entry("CTRLPLANE_AGENT_DATA_DIR", dataDir(id).toString()),
        Map.entry("CTRLPLANE_AGENT_HEARTBEAT_MS", String.valueOf(HEARTBEAT_MS)),
        Map.entry("CTRLPLANE_AGENT_DEAD_AFTER_MS", String.valueOf(DEAD_AFTER_MS)),
        Map.entry("CTRLPLANE_AGENT_TOKEN", TOKEN),
        Map.entry("CTRLPLANE_AGENT_DOCKER_HOST", ContainerEngine.dockerHost()),
        Map.entry("CTRLPLANE_AGENT_CONTAINER_ULIMITS", ContainerEngine.ULIMITS));
  }

  private static Path dataDir(String id) {
    return Path.of("target", "agents", id).toAbsolutePath();
  }
}
