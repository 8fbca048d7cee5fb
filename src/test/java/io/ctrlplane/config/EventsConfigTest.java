package io.ctrlplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Configuration of events, retention and webhooks")
class EventsConfigTest {
  private static JsonObject packaged() throws Exception {
    return new JsonObject(Files.readString(Path.of("conf/config.json")));
  }

  @Test
  @DisplayName("has documented defaults in conf/config.json")
  void defaults() throws Exception {
    AppConfig config = AppConfig.from(packaged());
    assertThat(config.relay().retentionHours()).isEqualTo(168);
    assertThat(config.relay().deliveryTimeoutMs()).isEqualTo(15_000);
    assertThat(config.webhooks())
        .isEqualTo(new AppConfig.Webhooks("ctrlplane-webhooks", 8, 1000, 300_000, 10_000, 10_000));
    assertThat(config.kafka().topic()).isEqualTo("ctrlplane.deploy.events");
  }

  @Test
  @DisplayName("keeps working with a config written before these settings existed")
  void olderConfig() throws Exception {
    JsonObject old = packaged();
    old.remove("webhooks");
    old.getJsonObject("relay").remove("retention_hours");
    old.getJsonObject("relay").remove("delivery_timeout_ms");
    AppConfig config = AppConfig.from(old);
    assertThat(config.relay().retentionHours()).isEqualTo(168);
    assertThat(config.webhooks().maxAttempts()).isEqualTo(8);
  }

  @Test
  @DisplayName("is overridden by environment variables, and says which one is wrong")
  void environment() throws Exception {
    AppConfig config =
        AppConfig.from(
            EnvOverrides.apply(
                packaged(),
                Map.of(
                    "CTRLPLANE_RELAY_RETENTION_HOURS", "24",
                    "CTRLPLANE_WEBHOOKS_GROUP_ID", "hooks-eu",
                    "CTRLPLANE_WEBHOOKS_MAX_ATTEMPTS", "3",
                    "CTRLPLANE_WEBHOOKS_INITIAL_BACKOFF_MS", "250",
                    "CTRLPLANE_WEBHOOKS_SESSION_TIMEOUT_MS", "6000",
                    "CTRLPLANE_ROLES", "relay,webhooks")));
    assertThat(config.relay().retentionHours()).isEqualTo(24);
    assertThat(config.webhooks().groupId()).isEqualTo("hooks-eu");
    assertThat(config.webhooks().maxAttempts()).isEqualTo(3);
    assertThat(config.webhooks().initialBackoffMs()).isEqualTo(250);
    assertThat(config.webhooks().sessionTimeoutMs()).isEqualTo(6000);
    assertThat(config.roles()).containsExactlyInAnyOrder(Role.RELAY, Role.WEBHOOKS);

    assertThatThrownBy(
            () ->
                AppConfig.from(
                    EnvOverrides.apply(packaged(), Map.of("CTRLPLANE_RELAY_RETENTION_HOURS", "0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CTRLPLANE_RELAY_RETENTION_HOURS");
    assertThatThrownBy(() -> Role.parseList("api,hooks")).hasMessageContaining("webhooks");
  }
}
