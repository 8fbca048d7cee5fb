package io.ctrlplane.provider.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The container provider's config is checked field by field before an instance exists")
class ContainerConfigTest {

  @Test
  @DisplayName("router_port alone is enough; everything else has a default")
  void minimal() {
    JsonObject cfg = new JsonObject().put("router_port", 8000);
    ContainerConfig.validate(cfg, "provider_config");
    ContainerConfig c = ContainerConfig.from(cfg);
    assertThat(c.routerPort()).isEqualTo(8000);
    assertThat(c.healthPath()).isEqualTo("/health");
    assertThat(c.pullPolicy()).isEqualTo("if_not_present");
    assertThat(c.drainTimeoutMs()).isEqualTo(5000);
    assertThat(c.graceTimeoutMs()).isEqualTo(5000);
    assertThat(c.ulimits()).isEmpty();
    assertThat(c.command()).isNull();
    assertThat(c.entrypoint()).isNull();
  }

  @Test
  @DisplayName("every setting of the issue reads back as given")
  void full() {
    JsonObject cfg =
        new JsonObject()
            .put("router_port", 8000)
            .put("health", "engine")
            .put("pull_policy", "never")
            .put("resources", new JsonObject().put("memory_mb", 256).put("cpus", 0.5))
            .put("drain_timeout_ms", 100)
            .put("grace_timeout_ms", 200)
            .put(
                "ulimits",
                new JsonObject()
                    .put("nofile", new JsonArray().add(1024).add(20000))
                    .put("nproc", new JsonArray().add(4096).add(4096)))
            .put("command", new JsonArray().add("--verbose"))
            .put("entrypoint", new JsonArray().add("/app"))
            .put("network", "host");
    ContainerConfig.validate(cfg, "provider_config");
    ContainerConfig c = ContainerConfig.from(cfg);
    assertThat(c.healthPath()).as("the engine's HEALTHCHECK decides").isNull();
    assertThat(c.memoryMb()).isEqualTo(256);
    assertThat(c.cpus()).isEqualTo(0.5);
    assertThat(c.ulimits().get("nofile")).containsExactly(1024, 20000);
    assertThat(c.command()).containsExactly("--verbose");
    assertThat(c.entrypoint()).containsExactly("/app");
  }

  @Test
  @DisplayName("each wrong field is named in one refusal")
  void everyProblemNamed() {
    JsonObject cfg =
        new JsonObject()
            .put("health_path", "no-slash")
            .put("health", "docker")
            .put("pull_policy", "sometimes")
            .put("resources", new JsonObject().put("memory_mb", 1).put("gpus", 1))
            .put("drain_timeout_ms", -1)
            .put("ulimits", new JsonObject().put("nofile", new JsonArray().add(10).add(5)))
            .put("command", "not-an-array")
            .put("network", "bridge")
            .put("volumes", new JsonArray());
    assertThatThrownBy(() -> ContainerConfig.validate(cfg, "provider_config"))
        .isInstanceOf(ValidationException.class)
        .satisfies(
            e -> {
              String text = String.valueOf(((ValidationException) e).errors());
              assertThat(text)
                  .contains("provider_config.router_port")
                  .contains("provider_config.health_path")
                  .contains("provider_config.health")
                  .contains("provider_config.pull_policy")
                  .contains("provider_config.resources.memory_mb")
                  .contains("provider_config.resources.gpus")
                  .contains("provider_config.drain_timeout_ms")
                  .contains("provider_config.ulimits.nofile")
                  .contains("provider_config.command")
                  .contains("provider_config.network")
                  .contains("provider_config.volumes");
            });
  }

  @Test
  @DisplayName("the agent-wide ulimits default parses, and a malformed one is refused")
  void agentUlimits() {
    assertThat(ContainerConfig.parseUlimits("nofile=1024:20000,nproc=4096:4096"))
        .containsOnlyKeys("nofile", "nproc");
    assertThat(ContainerConfig.parseUlimits("")).isEmpty();
    assertThatThrownBy(() -> ContainerConfig.parseUlimits("nofile=1024"))
        .hasMessageContaining("nofile=1024:20000");
  }
}
