package io.ctrlplane.provider.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The process provider's config and command templates")
class ProcessConfigTest {
  private static JsonObject config(String... command) {
    return new JsonObject()
        .put("command", new JsonArray(List.of((Object[]) command)))
        .put("router_port", 8000);
  }

  private static List<String> fields(Runnable r) {
    try {
      r.run();
    } catch (ValidationException e) {
      return e.errors().stream().map(FieldError::field).toList();
    }
    throw new AssertionError("no validation error");
  }

  @Test
  @DisplayName("a release's image fills the placeholders; the port is the agent's")
  void renders() {
    assertThat(
            CommandTemplate.render(
                List.of(
                    "java",
                    "-jar",
                    "apps/{repository}/{tag}/app.jar",
                    "--port",
                    "{port}",
                    "--image={image}",
                    "{replica_id}"),
                "registry.example.com/acme/app:1.2",
                9001,
                "rep_1"))
        .containsExactly(
            "java",
            "-jar",
            "apps/acme/app/1.2/app.jar",
            "--port",
            "9001",
            "--image=registry.example.com/acme/app:1.2",
            "rep_1");
    assertThat(CommandTemplate.render(List.of("run", "{tag}x"), "app", 1, "r"))
        .containsExactly("run", "x");
  }

  @Test
  @DisplayName("defaults fill what is not given")
  void defaults() {
    ProcessConfig c = ProcessConfig.from(config("app", "{port}"));
    assertThat(c.healthPath()).isEqualTo("/health");
    assertThat(c.drainTimeoutMs()).isEqualTo(5000);
    assertThat(c.graceTimeoutMs()).isEqualTo(5000);
    assertThat(c.routerPort()).isEqualTo(8000);
  }

  @Test
  @DisplayName(
      "unknown placeholders, unbalanced braces, bad types and unknown keys are each reported at their path")
  void refusesMistakes() {
    JsonObject bad =
        config("java", "{repo}", "x{", "")
            .put("health_path", "health")
            .put("router_port", 70000)
            .put("grace_timeout_ms", -1)
            .put("drain", 1);
    assertThat(fields(() -> ProcessConfig.validate(bad, "provider_config")))
        .containsExactlyInAnyOrder(
            "provider_config.drain",
            "provider_config.command[1]",
            "provider_config.command[2]",
            "provider_config.command[3]",
            "provider_config.health_path",
            "provider_config.router_port",
            "provider_config.grace_timeout_ms");
    assertThat(fields(() -> ProcessConfig.validate(new JsonObject(), "provider_config")))
        .containsExactlyInAnyOrder("provider_config.command", "provider_config.router_port");
    assertThatThrownBy(() -> ProcessConfig.validate(null, "provider_config"))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> CommandTemplate.render(List.of("{nope}"), "app:1", 1, "r"))
        .hasMessageContaining("unknown placeholder {nope}");
  }
}
